from datetime import datetime, time

from django import forms
from django.utils import timezone

from casework.models import Availability, Contact, Goal
from core.forms import ActionFormMixin, DateInputField, VersionField
from directory.forms import DAY_CHOICES
from referrals import validators
from referrals.demographics import EthnicCategory, Sex
from referrals.models import ContactMethod, DischargeReason, GPSharing, ProviderSharing


class ContactForm(ActionFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=Contact.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    mode = forms.ChoiceField(
        label="How?",
        choices=Contact.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you made contact"},
    )
    date = DateInputField(label="Date", help_text="For example, 15 3 2026")
    time = forms.TimeField(
        label="Time",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        help_text="24-hour clock, for example 14:30",
        error_messages={"required": "Enter the time", "invalid": "Enter the time like 14:30"},
    )
    duration_minutes = forms.IntegerField(
        label="How long, in minutes",
        required=False,
        min_value=1,
        max_value=600,
        error_messages={
            "invalid": "Enter the length in whole minutes, like 20",
            "min_value": "The length must be at least 1 minute",
            "max_value": "The length must be at most 600 minutes (10 hours)",
        },
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=10000)
    next_follow_up_on = DateInputField(
        label="Next follow-up (optional)",
        required=False,
        help_text="When you plan to contact them next",
    )

    @property
    def occurred_at(self):
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        )

    @staticmethod
    def initial_now():
        now = timezone.localtime()
        return {
            "date": now.date(),
            "time": time(now.hour, now.minute).strftime("%H:%M"),
            "mode": Contact.Mode.PHONE,
        }


class WhatMattersForm(ActionFormMixin, forms.Form):
    text = forms.CharField(
        label="What matters to the person",
        widget=forms.Textarea,
        max_length=10000,
        help_text="In their words: what they want, what gets in the way.",
        error_messages={"required": "Write what matters to the person"},
    )
    replaces = forms.CharField(widget=forms.HiddenInput, required=False)


class GoalForm(ActionFormMixin, forms.Form):
    description = forms.CharField(
        label="Goal, in the person's words",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Write the goal in the person's words"},
    )


class GoalReviewForm(ActionFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="How is it going?",
        choices=Goal.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the goal is going"},
    )
    progress = forms.CharField(
        label="Progress, in the person's words",
        required=False,
        widget=forms.Textarea,
        max_length=4000,
    )
    version = VersionField()


class DischargeForm(ActionFormMixin, forms.Form):
    reason = forms.ModelChoiceField(
        label="Why is the person being discharged?",
        queryset=DischargeReason.objects.all(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the person is being discharged"},
    )
    note = forms.CharField(label="Summary", required=False, widget=forms.Textarea, max_length=4000)
    version = VersionField()

    def clean(self):
        data = super().clean()
        reason = data.get("reason")
        if reason and reason.code == "other" and not data.get("note", "").strip():
            self.add_error("note", "Say why the person is being discharged")
        return data


class AvailabilityForm(ActionFormMixin, forms.Form):
    days = forms.MultipleChoiceField(
        label="Which days are they free?",
        help_text="Leave all empty if any day suits them",
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    time_of_day = forms.ChoiceField(
        label="What time of day?",
        choices=Availability.TimeOfDay.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    notes = forms.CharField(
        label="Anything else about when (optional)",
        help_text='In their words, like "not in school holidays"',
        max_length=200,
        required=False,
    )


class ConsentForm(ActionFormMixin, forms.Form):
    texts_allowed = forms.BooleanField(
        label="Reminders and short questionnaires by text message", required=False
    )
    emails_allowed = forms.BooleanField(
        label="Reminders and short questionnaires by email", required=False
    )
    share_with_providers = forms.ChoiceField(
        label="What may groups they are referred to see?",
        choices=ProviderSharing.choices,
        widget=forms.RadioSelect,
    )
    share_with_gp = forms.ChoiceField(
        label="What goes back to their GP when they finish?",
        choices=GPSharing.choices,
        widget=forms.RadioSelect,
    )
    research_allowed = forms.BooleanField(
        label="Their answers may be used, without their name, to evaluate the service",
        required=False,
    )


class ContactDetailsForm(ActionFormMixin, forms.Form):
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
    )

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return validators.normalise_uk_phone(value) if value.strip() else ""


class AboutForm(ActionFormMixin, forms.Form):
    sex = forms.ChoiceField(
        label="Sex",
        choices=[("", "Not asked")] + list(Sex.choices),
        required=False,
        widget=forms.RadioSelect,
    )
    ethnicity = forms.ChoiceField(
        label="Ethnic group",
        choices=[("", "Not asked")] + list(EthnicCategory.choices),
        required=False,
        error_messages={"invalid_choice": "Choose one of the ethnic groups listed"},
    )
