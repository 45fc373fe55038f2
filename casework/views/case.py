from django.shortcuts import render
from django.utils import timezone

from casework.presenters import describe_availability
from core.permissions import Permission, has_permission
from outcomes import instruments
from outcomes import presenters as outcome_presenters
from referrals.loaders import get_referral_for
from referrals.states import Status


def case(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_VIEW, purpose="view_case"
    )
    what_matters = referral.what_matters.select_related("by").first()
    availability = getattr(referral, "availability", None)
    user = request.user
    return render(
        request,
        "casework/case.jinja",
        {
            "referral": referral,
            "person": referral.person,
            "needs": referral.needs.all(),
            "what_matters": what_matters,
            "availability": availability,
            "availability_text": describe_availability(availability) if availability else "",
            "goals": referral.goals.all(),
            "suggestions": referral.suggestions.select_related("service"),
            "onward": referral.onward_referrals.select_related("service", "provider"),
            "signposts": referral.signposts.select_related("service"),
            "sent_messages": referral.messages.filter(person__isnull=False).select_related(
                "template"
            )[:20],
            "questionnaires": referral.questionnaire_requests.exclude(status="cancelled")
            .prefetch_related("responses")
            .order_by("due_on"),
            "open_alerts": referral.safety_alerts.filter(acknowledged_at__isnull=True),
            "progress": outcome_presenters.progress(referral),
            "links_waiting": outcome_presenters.links_waiting(referral),
            "messages_back": referral.messages_back.all()[:5],
            "instrument_names": {c: i.name for c, i in instruments.instruments().items()},
            "today": timezone.localdate(),
            "events": referral.events.select_related("by", "concept"),
            "can_work": has_permission(user, Permission.CASE_WORK)
            and referral.status in (Status.ALLOCATED, Status.ACTIVE),
            "can_discharge": has_permission(user, Permission.CASE_DISCHARGE)
            and referral.is_open
            and referral.status != Status.RECEIVED,
            "healthcare_use": referral.healthcare_use.all(),
            "can_record_use": has_permission(user, Permission.HEALTHCARE_USE_RECORD)
            and referral.status in (Status.ALLOCATED, Status.ACTIVE, Status.DISCHARGED),
            "can_allocate": has_permission(user, Permission.ALLOCATE) and referral.is_open,
            "can_triage": has_permission(user, Permission.TRIAGE)
            and referral.status == Status.RECEIVED,
        },
    )
