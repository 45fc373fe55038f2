from django.shortcuts import render
from django.utils import timezone

from casework import case_page
from casework.presenters import describe_availability
from core.permissions import Permission, has_permission
from outcomes import instruments
from referrals.loaders import get_referral_for
from referrals.states import Status


def case(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_VIEW, purpose="view_case"
    )
    user = request.user
    record = case_page.record(referral)
    availability = record["availability"]
    return render(
        request,
        "casework/case.jinja",
        {
            "referral": referral,
            "person": referral.person,
            **record,
            "availability_text": describe_availability(availability) if availability else "",
            "instrument_names": {c: i.name for c, i in instruments.instruments().items()},
            "today": timezone.localdate(),
            "can_work": has_permission(user, Permission.CASE_WORK)
            and referral.status in (Status.ALLOCATED, Status.ACTIVE),
            "can_discharge": has_permission(user, Permission.CASE_DISCHARGE)
            and referral.is_open
            and referral.status != Status.RECEIVED,
            "can_record_use": has_permission(user, Permission.HEALTHCARE_USE_RECORD)
            and referral.status in (Status.ALLOCATED, Status.ACTIVE, Status.DISCHARGED),
            "can_allocate": has_permission(user, Permission.ALLOCATE) and referral.is_open,
            "can_triage": has_permission(user, Permission.TRIAGE)
            and referral.status == Status.RECEIVED,
        },
    )
