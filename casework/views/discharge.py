from django.contrib import messages
from django.shortcuts import redirect, render

from casework import actions
from casework.forms import DischargeForm
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission
from referrals.loaders import get_referral_for


def discharge(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_DISCHARGE, purpose="discharge_case"
    )
    if not referral.is_open:
        messages.info(
            request, f"This referral is already closed ({referral.get_status_display().lower()})."
        )
        return redirect("casework:case", pk=referral.pk)
    form = DischargeForm(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        try:
            actions.discharge_case(
                by=request.user,
                referral=referral,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"].strip(),
            )
        except ConcurrentChange as error:
            referral.refresh_from_db()
            form.add_concurrent_change(error, current_version=referral.version)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request,
                f"{referral.person.full_name} discharged: "
                f"{form.cleaned_data['reason'].label.lower()}.",
            )
            return redirect("casework:case", pk=referral.pk)
    reason_hints = {
        reason.pk: f"Recorded with SNOMED CT {reason.concept.code} {reason.concept.display}"
        for reason in form.fields["reason"].queryset.select_related("concept")
        if reason.concept
    }
    return render(
        request,
        "casework/discharge_form.jinja",
        {"referral": referral, "form": form, "reason_hints": reason_hints},
    )
