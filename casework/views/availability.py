"""When the person is free: matching starts from it."""

from django.contrib import messages
from django.shortcuts import redirect, render

from casework import actions
from casework.forms import AvailabilityForm
from core.errors import ActionError
from core.permissions import Permission
from referrals.loaders import get_referral_for


def availability(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="record_availability"
    )
    current = getattr(referral, "availability", None)
    initial = (
        {"days": current.day_list, "time_of_day": current.time_of_day, "notes": current.notes}
        if current
        else None
    )
    form = AvailabilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_availability(by=request.user, referral=referral, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Saved. Finding activities now starts from these times.")
            return redirect("casework:case", pk=referral.pk)
    return render(request, "casework/availability_form.jinja", {"referral": referral, "form": form})
