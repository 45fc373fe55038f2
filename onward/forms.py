from datetime import datetime

from django import forms
from django.utils import timezone

from core.forms import ActionFormMixin, DateInputField, VersionField
from onward.models import OnwardReferral

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class ReferForm(ActionFormMixin, forms.Form):
    note_for_provider = forms.CharField(
        label="Anything they agreed you can tell the provider (optional)",
        help_text="For example, that they would like to be met at the door the first time. "
        "Never clinical details.",
        widget=forms.Textarea,
        max_length=2000,
        required=False,
    )


class SignpostForm(ActionFormMixin, forms.Form):
    description = forms.CharField(
        label="What did you tell them about?",
        help_text="For something not in the directory, like a national helpline",
        max_length=300,
        required=False,
    )


class AnswerForm(ActionFormMixin, forms.Form):
    ACCEPT, WAITING_LIST, DECLINE = "accept", "waiting_list", "decline"

    version = VersionField()
    decision = forms.ChoiceField(
        label="Can you take them?",
        choices=[
            (ACCEPT, "Yes, we have a place"),
            (WAITING_LIST, "Not yet: add them to our waiting list"),
            (DECLINE, "No"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you can take them"},
    )
    first_session = DateInputField(
        label="Date of their first session", required=False, help_text="For example, 3 12 2026"
    )
    first_session_time = forms.TimeField(
        label="Start time",
        input_formats=TIME_FORMATS,
        required=False,
        help_text="For example, 10:00",
        error_messages={"invalid": "Enter the start time like 10:00"},
    )
    reason = forms.ChoiceField(
        label="Why can you not take them?",
        choices=OnwardReferral.DeclineReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    detail = forms.CharField(
        label="Anything the link worker should know (optional)",
        widget=forms.Textarea,
        max_length=1000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == self.DECLINE and not data.get("reason"):
            self.add_error("reason", "Choose why you cannot take them")
        if decision == self.ACCEPT:
            day, clock = data.get("first_session"), data.get("first_session_time")
            if bool(day) != bool(clock) and not self.errors.get("first_session"):
                self.add_error(
                    "first_session_time" if day else "first_session",
                    "Give both the date and the start time, or neither",
                )
            elif day and clock:
                data["first_session_at"] = timezone.make_aware(datetime.combine(day, clock))
        return data


class AttendanceForm(ActionFormMixin, forms.Form):
    session_on = DateInputField(label="Date of the session")
    attended = forms.ChoiceField(
        label="Did they come?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they came"},
    )


class FinishForm(ActionFormMixin, forms.Form):
    version = VersionField()
    outcome = forms.ChoiceField(
        label="How did it end?",
        choices=[("completed", "They completed it"), ("stopped", "They stopped")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it ended"},
    )
    reason = forms.ChoiceField(
        label="Why did they stop?",
        choices=OnwardReferral.StopReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    detail = forms.CharField(label="Notes (optional)", max_length=1000, required=False)

    def __init__(self, *args, can_complete: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_complete:
            self.fields["outcome"].choices = [("stopped", "They stopped")]
            self.fields["outcome"].initial = "stopped"

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "stopped" and not data.get("reason"):
            self.add_error("reason", "Choose why they stopped")
        return data


class CancelForm(ActionFormMixin, forms.Form):
    version = VersionField()
    detail = forms.CharField(
        label="Why are you cancelling it? (optional, the provider does not see this)",
        max_length=1000,
        required=False,
    )


class NoteForm(ActionFormMixin, forms.Form):
    text = forms.CharField(
        label="Your message",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Write your message"},
    )
