from django.contrib import messages
from django.shortcuts import redirect, render

from casework import actions
from casework.forms import ContactForm
from core.errors import ActionError
from core.permissions import Permission
from referrals.loaders import get_referral_for


def record_contact(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="record_contact"
    )
    form = ContactForm(request.POST or None, initial=ContactForm.initial_now())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = actions.record_contact(
                by=request.user,
                referral=referral,
                occurred_at=form.occurred_at,
                mode=data["mode"],
                outcome=data["outcome"],
                duration_minutes=data["duration_minutes"],
                notes=data["notes"].strip(),
                next_follow_up_on=data["next_follow_up_on"],
            )
        except ActionError as error:
            if error.field == "occurred_at":
                error.field = "date"
            form.add_action_error(error)
        else:
            messages.success(
                request,
                f"{contact.get_mode_display()} recorded: {contact.get_outcome_display().lower()}.",
            )
            return redirect("casework:case", pk=referral.pk)
    return render(request, "casework/contact_form.jinja", {"referral": referral, "form": form})
