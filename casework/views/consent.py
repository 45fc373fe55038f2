"""The person's choices (channels, sharing) and their contact details."""

from django.contrib import messages
from django.shortcuts import redirect, render

from casework.forms import AboutForm, ConsentForm, ContactDetailsForm
from core.errors import ActionError
from core.permissions import Permission
from referrals import actions
from referrals.loaders import get_referral_for


def consent(request, pk):
    return _about_the_person(
        request,
        pk,
        purpose="record_consent",
        form_class=ConsentForm,
        action=actions.record_consent,
        done="Their choices are saved and apply from now on.",
        template="casework/consent_form.jinja",
    )


def contact_details(request, pk):
    return _about_the_person(
        request,
        pk,
        purpose="correct_contact_details",
        form_class=ContactDetailsForm,
        action=actions.correct_contact_details,
        done="Contact details updated.",
        template="casework/contact_details_form.jinja",
    )


def about(request, pk):
    """Equality monitoring, as the person chooses to answer."""
    return _about_the_person(
        request,
        pk,
        purpose="record_about",
        form_class=AboutForm,
        action=actions.record_about,
        done="Saved. It is used only in the service's equity figures.",
        template="casework/about_form.jinja",
    )


def _about_the_person(request, pk, *, purpose, form_class, action, done, template):
    """A form of what the person's record holds (each field filled from the field of the same
    name), saved by `action` with the form's answers; back to the case once saved."""
    referral = get_referral_for(request.user, pk, permission=Permission.CASE_WORK, purpose=purpose)
    person = referral.person
    form = form_class(
        request.POST or None,
        initial={name: getattr(person, name) for name in form_class.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            action(by=request.user, referral=referral, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, done)
            return redirect("casework:case", pk=referral.pk)
    return render(request, template, {"referral": referral, "person": person, "form": form})
