from django import forms

from core.forms import ActionFormMixin, DateInputField
from outcomes import instruments
from outcomes.models import Timepoint


class InstrumentForm(ActionFormMixin, forms.Form):
    """Every question of one instrument, for a link worker completing it with the person.
    Questions may be left unanswered (the score says so)."""

    def __init__(self, *args, instrument: instruments.Instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            self.fields[item.key] = forms.TypedChoiceField(
                label=f"{item.number}. {item.text}",
                choices=[(str(v), label) for v, label in instrument.options],
                coerce=int,
                widget=forms.RadioSelect,
                required=False,
            )


class QuestionForm(ActionFormMixin, forms.Form):
    """One question, for the person on their own phone."""

    def __init__(self, *args, instrument: instruments.Instrument, item: instruments.Item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"] = forms.TypedChoiceField(
            label=item.text,
            choices=[(str(v), label) for v, label in instrument.options],
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={"required": "Choose an answer, or skip this question"},
        )


class DateOfBirthForm(ActionFormMixin, forms.Form):
    date_of_birth = DateInputField(label="Your date of birth", help_text="For example, 27 3 1961")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].error_messages["required"] = "Enter your date of birth"


class NewQuestionnaireForm(ActionFormMixin, forms.Form):
    instrument = forms.ChoiceField(
        label="Which questionnaire?",
        choices=[(i.code, i.name) for i in instruments.instruments().values()],
        widget=forms.RadioSelect,
    )
    timepoint = forms.ChoiceField(label="When is this for?", choices=Timepoint.choices)


class AcknowledgeForm(ActionFormMixin, forms.Form):
    action_taken = forms.CharField(
        label="What have you done?",
        help_text="For example: phoned them, they are safe and have a plan; or referred to the "
        "crisis team",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say what you have done about it"},
    )
