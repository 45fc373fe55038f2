"""The message back, for the GP or referrer who made the referral (and the service)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from core import audit
from core.permissions import Permission, has_permission
from outcomes import fhir, message_back
from outcomes.models import MessageBack
from referrals.loaders import get_referral_for


def _message(request, pk, message_pk):
    permission = (
        Permission.CASE_VIEW
        if has_permission(request.user, Permission.CASE_VIEW)
        else Permission.REFERRAL_VIEW_SENT
    )
    referral = get_referral_for(
        request.user, pk, permission=permission, purpose="read_message_back"
    )
    message = get_object_or_404(MessageBack.objects.filter(referral=referral), pk=message_pk)
    audit.record_view(
        by=request.user, verb="download_message_back", obj=message, person=referral.person
    )
    return message


def as_pdf(request, pk, message_pk):
    message = _message(request, pk, message_pk)
    response = HttpResponse(message_back.pdf(message.content), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="social-prescribing-{message.created_at:%Y-%m-%d}.pdf"'
    )
    return response


def as_fhir(request, pk, message_pk):
    message = _message(request, pk, message_pk)
    response = JsonResponse(fhir.message_back_bundle(message), content_type="application/fhir+json")
    response["Content-Disposition"] = (
        f'attachment; filename="social-prescribing-{message.created_at:%Y-%m-%d}.json"'
    )
    return response
