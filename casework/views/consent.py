"""The person's choices (channels, sharing) and their contact details."""

from django.contrib import messages
from django.shortcuts import redirect, render

from casework.forms import AboutForm, ConsentForm, ContactDetailsForm
from core.errors import ActionError
from core.permissions import Permission
from referrals import actions
from referrals.loaders import get_referral_for


def consent(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="record_consent"
    )
    person = referral.person
    form = ConsentForm(
        request.POST or None,
        initial={
            "texts_allowed": person.texts_allowed,
            "emails_allowed": person.emails_allowed,
            "share_with_providers": person.share_with_providers,
            "share_with_gp": person.share_with_gp,
            "research_allowed": person.research_allowed,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_consent(by=request.user, referral=referral, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Their choices are saved and apply from now on.")
            return redirect("casework:case", pk=referral.pk)
    return render(
        request,
        "casework/consent_form.jinja",
        {"referral": referral, "person": person, "form": form},
    )


def contact_details(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="correct_contact_details"
    )
    person = referral.person
    form = ContactDetailsForm(
        request.POST or None,
        initial={
            "phone": person.phone,
            "email": person.email,
            "preferred_contact": person.preferred_contact,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.correct_contact_details(by=request.user, referral=referral, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Contact details updated.")
            return redirect("casework:case", pk=referral.pk)
    return render(
        request,
        "casework/contact_details_form.jinja",
        {"referral": referral, "person": person, "form": form},
    )


def about(request, pk):
    """Equality monitoring, as the person chooses to answer."""
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="record_about"
    )
    person = referral.person
    form = AboutForm(
        request.POST or None, initial={"sex": person.sex, "ethnicity": person.ethnicity}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_about(by=request.user, referral=referral, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Saved. It is used only in the service's equity figures.")
            return redirect("casework:case", pk=referral.pk)
    return render(
        request, "casework/about_form.jinja", {"referral": referral, "person": person, "form": form}
    )
