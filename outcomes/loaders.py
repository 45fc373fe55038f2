"""Outcome records, reached only through a referral the user may see (audited there)."""

from django.shortcuts import get_object_or_404

from core import audit
from core.permissions import Permission, require_permission
from outcomes.models import QuestionnaireRequest, Response, SafetyAlert


def get_request_for(referral, pk) -> QuestionnaireRequest:
    return get_object_or_404(QuestionnaireRequest.objects.filter(referral=referral), pk=pk)


def get_response_for(referral, pk) -> Response:
    return get_object_or_404(Response.objects.filter(referral=referral), pk=pk)


def get_alert_for(user, pk) -> SafetyAlert:
    require_permission(user, Permission.CASE_VIEW)
    alert = get_object_or_404(
        SafetyAlert.objects.filter(referral__service_id=user.organisation_id).select_related(
            "referral__person", "response", "acknowledged_by"
        ),
        pk=pk,
    )
    audit.record_view(by=user, verb="view_safety_alert", obj=alert, person=alert.referral.person)
    return alert
