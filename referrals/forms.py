from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from core.forms import ActionFormMixin, DateInputField, VersionField
from core.permissions import Role
from referrals import validators
from referrals.demographics import EthnicCategory, Sex
from referrals.models import ContactMethod, Need, Referral


def sex_field():
    return forms.ChoiceField(
        label="Sex",
        choices=[("", "Not asked"), *Sex.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the options for sex"},
    )


def ethnicity_field():
    return forms.ChoiceField(
        label="Ethnic group",
        choices=[("", "Not given"), *EthnicCategory.choices],
        required=False,
        error_messages={"invalid_choice": "Choose one of the ethnic groups listed"},
    )


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
    sex = sex_field()
    ethnicity = ethnicity_field()
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


class SelfReferralForm(ActionFormMixin, forms.Form):
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter your first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter your last name"}
    )
    date_of_birth = DateInputField(label="Date of birth", help_text="For example, 27 3 1961")
    postcode = forms.CharField(
        label="Postcode", max_length=20, error_messages={"required": "Enter your postcode"}
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=20)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    preferred_contact = forms.ChoiceField(
        label="How would you like us to contact you?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you would like us to contact you"},
    )
    texts_allowed = forms.BooleanField(
        label="You can send me reminders and short questionnaires by text message",
        required=False,
    )
    emails_allowed = forms.BooleanField(
        label="You can send me reminders and short questionnaires by email", required=False
    )
    sex = sex_field()
    ethnicity = ethnicity_field()
    needs = forms.MultipleChoiceField(
        label="What is going on for you?",
        help_text="Choose any that fit",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    words = forms.CharField(
        label="Tell us in your own words (optional)",
        widget=forms.Textarea,
        max_length=2000,
        required=False,
    )
    practice_search = forms.CharField(
        label="Your GP practice",
        help_text="Its name or town, like Abington or Towcester",
        max_length=100,
        required=False,
    )
    practice = forms.ChoiceField(
        label="Which is your practice?", required=False, widget=forms.RadioSelect
    )
    no_gp = forms.BooleanField(label="I am not registered with a GP", required=False)
    consent_to_contact = forms.BooleanField(
        label="I agree to the social prescribing service contacting me",
        error_messages={"required": "Tick to agree to be contacted: we cannot help without it"},
    )
    # Spam protection without a CAPTCHA: people never see or fill these.
    website = forms.CharField(required=False)
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from referrals.self_referral import PLAIN_NEEDS, find_practices

        self.fields["needs"].choices = list(PLAIN_NEEDS.items())
        search = (self.data.get("practice_search") or "").strip() if self.is_bound else ""
        self.practices = list(find_practices(search)[:20]) if search else []
        self.fields["practice"].choices = [
            (str(p.pk), f"{p.name}, {p.postcode}") for p in self.practices
        ]

    def clean_postcode(self):
        return validators.normalise_postcode(self.cleaned_data["postcode"])

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return validators.normalise_uk_phone(value) if value.strip() else ""

    def clean_date_of_birth(self):
        return validators.check_date_of_birth(
            self.cleaned_data["date_of_birth"], today=timezone.localdate()
        )

    def clean(self):

        data = super().clean()
        method = data.get("preferred_contact")
        if (
            method in (ContactMethod.PHONE, ContactMethod.TEXT)
            and not data.get("phone")
            and "phone" not in self.errors
        ):
            self.add_error("phone", "Enter a phone number, or choose another way to contact you")
        if method == ContactMethod.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter an email address, or choose another way to contact you")
        if not data.get("needs") and not (data.get("words") or "").strip():
            self.add_error("needs", "Tell us a little about what is going on, so we can help")
        if data.get("no_gp"):
            return data
        search = (data.get("practice_search") or "").strip()
        chosen = data.get("practice")
        if not search:
            self.add_error(
                "practice_search", "Enter your GP practice, or tick that you are not registered"
            )
        elif chosen:
            data["registered_practice"] = next(p for p in self.practices if str(p.pk) == chosen)
        elif not self.practices:
            self.add_error(
                "practice_search",
                f"We could not find a practice called '{search}'. Try its name or town",
            )
        elif len(self.practices) == 1:
            data["registered_practice"] = self.practices[0]
        else:
            self.add_error("practice", "Several practices match: choose yours")
        return data
