from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from core.forms import ActionFormMixin, DateInputField, VersionField
from core.permissions import Role
from referrals import validators
from referrals.models import ContactMethod, Need, Referral


class ReferralForm(ActionFormMixin, forms.Form):
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=20,
        help_text="10 digits. Leave blank only if the person does not know it.",
    )
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter the person's first name"},
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter the person's last name"},
    )
    date_of_birth = DateInputField(label="Date of birth", help_text="For example, 27 3 1961")
    postcode = forms.CharField(
        label="Postcode", max_length=20, error_messages={"required": "Enter the person's postcode"}
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=20)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    preferred_contact = forms.ChoiceField(
        label="How would they like to be contacted?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the person would like to be contacted"},
    )
    texts_allowed = forms.BooleanField(
        label="They agree to reminders and short questionnaires by text message",
        required=False,
    )
    emails_allowed = forms.BooleanField(
        label="They agree to reminders and short questionnaires by email", required=False
    )
    needs = forms.ModelMultipleChoiceField(
        label="Reasons for referral",
        queryset=Need.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Choose at least one reason for referral"},
    )
    context = forms.CharField(
        label="Anything the link worker should know",
        required=False,
        widget=forms.Textarea,
        max_length=4000,
        help_text="What is going on for the person, in a sentence or two. Do not include "
        "clinical notes they have not agreed to share.",
    )
    consent_to_contact = forms.BooleanField(
        label="The person agrees to be contacted by the social prescribing service",
        error_messages={
            "required": "Confirm the person agrees to be contacted. We cannot "
            "accept a referral without it."
        },
    )
    confirm_new_person = forms.BooleanField(
        label="This is a different person from the one already referred", required=False
    )

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        return validators.normalise_nhs_number(value) if value.strip() else ""

    def clean_postcode(self):
        return validators.normalise_postcode(self.cleaned_data["postcode"])

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return validators.normalise_uk_phone(value) if value.strip() else ""

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        return validators.check_date_of_birth(value, today=timezone.localdate())

    def clean(self):
        data = super().clean()
        method = data.get("preferred_contact")
        wants_phone = method in (ContactMethod.PHONE, ContactMethod.TEXT)
        if wants_phone and not data.get("phone") and "phone" not in self.errors:
            self.add_error(
                "phone",
                ValidationError("Enter a phone number, or choose another way to contact them"),
            )
        if method == ContactMethod.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                ValidationError("Enter an email address, or choose another way to contact them"),
            )
        if data.get("texts_allowed") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", ValidationError("Enter the mobile number texts should go to"))
        if data.get("emails_allowed") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", ValidationError("Enter the email address emails should go to"))
        return data


class TriageForm(ActionFormMixin, forms.Form):
    ACCEPT, DECLINE, REDIRECT = "accept", "decline", "redirect"

    decision = forms.ChoiceField(
        label="What do you want to do with this referral?",
        choices=[
            (ACCEPT, "Accept"),
            (DECLINE, "Decline"),
            (REDIRECT, "Redirect to another service"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to do with the referral"},
    )
    reason = forms.ChoiceField(
        label="Why are you declining it?",
        choices=Referral.DeclineReason.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    redirected_to = forms.CharField(
        label="Which service are you redirecting them to?", required=False, max_length=200
    )
    note = forms.CharField(
        label="Note for the record (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
    )
    version = VersionField()

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == self.DECLINE and not data.get("reason"):
            self.add_error("reason", "Choose why you are declining the referral")
        if decision == self.REDIRECT and not data.get("redirected_to", "").strip():
            self.add_error("redirected_to", "Enter the service you are redirecting them to")
        return data


class AllocationForm(ActionFormMixin, forms.Form):
    worker = forms.ModelChoiceField(
        label="Allocate to",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a link worker",
            "invalid_choice": "Choose a link worker from the list",
        },
    )
    version = VersionField()

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = User.objects.filter(
            organisation=service, role=Role.LINK_WORKER, is_active=True
        )
