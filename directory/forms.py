from datetime import time
from decimal import Decimal

from django import forms

from core.forms import ActionFormMixin
from directory.listing_fields import TEXT_FIELDS
from directory.search import DAYS, ICAL_DAYS, Query
from geography.lookup import PostcodeError, locate
from referrals.models import Need

DAY_CHOICES = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]
RADIUS_CHOICES = [
    ("2", "Within 2 km"),
    ("5", "Within 5 km"),
    ("10", "Within 10 km"),
    ("25", "Within 25 km"),
]
TIME_CHOICES = [
    ("", "Any time"),
    ("morning", "Mornings"),
    ("afternoon", "Afternoons"),
    ("evening", "Evenings"),
]
TIME_WINDOWS = {
    "morning": ("06:00", "12:30"),
    "afternoon": ("12:00", "17:30"),
    "evening": ("17:00", "23:30"),
}


class FindActivityForm(ActionFormMixin, forms.Form):
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        help_text="Or just the first half, like NN12",
    )
    q = forms.CharField(
        label="What are you looking for?",
        max_length=200,
        required=False,
        help_text='In your own words, like "new mum", "lonely", "money worries" or "walking group"',
    )
    needs = forms.ModelMultipleChoiceField(
        label="What would help",
        queryset=Need.objects.filter(active=True).exclude(code="other"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    radius = forms.ChoiceField(
        label="How far", choices=RADIUS_CHOICES, initial="10", required=False
    )
    days = forms.MultipleChoiceField(
        label="Days you are free",
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    time = forms.ChoiceField(label="Time of day", choices=TIME_CHOICES, required=False)
    free_only = forms.BooleanField(label="Free only", required=False)
    wheelchair = forms.BooleanField(label="Step-free access", required=False)
    age = forms.IntegerField(
        label="Your age (optional)",
        help_text="So you only see what you can join",
        min_value=0,
        max_value=120,
        required=False,
        error_messages={
            "invalid": "Enter your age in years, like 34",
            "min_value": "Enter an age from 0 to 120",
            "max_value": "Enter an age from 0 to 120",
        },
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("radius"):
            # Links and pre-filled searches leave the distance out: show the one searched.
            data = data.copy()
            data["radius"] = self.base_fields["radius"].initial
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        if not (data.get("postcode") or data.get("q") or data.get("needs")):
            raise forms.ValidationError(
                "Enter a postcode, what you are looking for, or choose what would help"
            )
        if data.get("postcode"):
            try:
                data["place"] = locate(data["postcode"])
            except PostcodeError as error:
                self.add_error("postcode", str(error))
        return data

    def to_query(self, **extra) -> Query:
        data = self.cleaned_data
        place = data.get("place")
        window = TIME_WINDOWS.get(data.get("time") or "")
        return Query(
            needs=[n.code for n in data.get("needs") or []],
            text=data.get("q") or "",
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            radius_km=float(data.get("radius") or 10),
            days=[d for d in data.get("days") or [] if d in DAYS],
            from_time=time.fromisoformat(window[0]) if window else None,
            to_time=time.fromisoformat(window[1]) if window else None,
            free_only=bool(data.get("free_only")),
            wheelchair=bool(data.get("wheelchair")),
            age=data.get("age"),
            **extra,
        )


SEX_CHOICES = [("", "Not known"), ("female", "Female"), ("male", "Male")]
NONE_OF_THESE = "none"
GROUP_CHOICES = [
    ("carers", "A carer"),
    ("parents", "A parent of a baby or young child"),
    ("veterans", "A veteran of the armed forces"),
    ("dementia", "Living with dementia, or caring for someone who is"),
    (NONE_OF_THESE, "None of these"),
]


class FindForPersonForm(FindActivityForm):
    """The link worker's search for a person: where the link worker has said who they are,
    activities only for men or women, or only for carers, parents and so on, are kept to
    those they can join (the others are shown apart, as nearly fitting). Where nobody has
    said, such activities are shown, labelled "for carers" and so on: an empty record says
    nothing about a person."""

    sex = forms.ChoiceField(
        label="Sex",
        help_text="Ask them if a group only for men or only for women is in question",
        choices=SEX_CHOICES,
        required=False,
    )
    groups = forms.MultipleChoiceField(
        label="They are",
        help_text="Leave them all unticked if you have not asked: activities for these "
        "groups are then shown, labelled",
        choices=GROUP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # A yes/no, not the text: the form is a GET, and what matters to a person in their own
    # words must not travel in addresses (logs, history). The view reads it from the record.
    use_what_matters = forms.BooleanField(label="Use what matters to them", required=False)

    def clean_groups(self):
        groups = self.cleaned_data.get("groups") or []
        if NONE_OF_THESE in groups and len(groups) > 1:
            raise forms.ValidationError('Tick the groups they are in, or "None of these", not both')
        return groups

    def to_query(self, **extra) -> Query:
        data = self.cleaned_data
        ticked = data.get("groups") or []
        # Nothing ticked: not known. "None of these": known to be in none.
        groups = None if not ticked else {g for g in ticked if g != NONE_OF_THESE}
        return super().to_query(sex=data.get("sex") or None, groups=groups, **extra)


SESSION_ROWS = 4
DAY_OPTIONS = [("", "No session")] + [
    (code, label) for code, (_, label) in zip(ICAL_DAYS, DAY_CHOICES, strict=True)
]
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class ListingForm(ActionFormMixin, forms.Form):
    """A provider's change to their listing. Fields the listing cannot be edited through
    here (see `listing_fields.editable`) are left out."""

    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(label="What happens there", widget=forms.Textarea, required=False)
    application_process = forms.CharField(
        label="How to join", widget=forms.Textarea, required=False
    )
    fees_description = forms.CharField(label="Cost, in words", required=False)
    eligibility_description = forms.CharField(label="Who it is for, in words", required=False)
    phone = forms.CharField(label="Phone", max_length=30, required=False)
    email = forms.EmailField(label="Email", required=False)
    url = forms.URLField(label="Website", required=False, assume_scheme="https")
    cost = forms.DecimalField(
        label="Cost a session, in pounds",
        help_text="0 if it is free. Leave empty if you would rather not say.",
        min_value=0,
        max_value=Decimal("9999.99"),
        decimal_places=2,
        required=False,
        error_messages={
            "invalid": "Enter the cost like 3.50, or 0 if it is free",
            "min_value": "The cost cannot be less than 0",
            "max_value": "Enter a cost under £10,000",
            "max_decimal_places": "Enter the cost in pounds and pence, like 3.50",
        },
    )
    minimum_age = forms.IntegerField(
        label="Youngest age", min_value=0, max_value=120, required=False
    )
    maximum_age = forms.IntegerField(label="Oldest age", min_value=0, max_value=120, required=False)
    needs = forms.MultipleChoiceField(
        label="What it helps with",
        help_text="Link workers find you by these",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    wheelchair = forms.ChoiceField(
        label="Is there step-free access?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, editable: dict, **kwargs):
        initial = dict(editable)
        sessions = _sessions(editable.get("sessions", ""))
        for i, (day, opens, closes) in enumerate(sessions):
            initial |= {f"day_{i}": day, f"opens_{i}": opens, f"closes_{i}": closes}
        low, _, high = editable.get("ages", "").partition("-")
        initial |= {"minimum_age": low or None, "maximum_age": high or None}
        initial["needs"] = editable.get("needs", "").split()
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["needs"].choices = [
            (n.code, n.label) for n in Need.objects.filter(active=True).exclude(code="other")
        ]
        if "sessions" in editable:
            for i in range(max(SESSION_ROWS, len(sessions) + 1)):
                self.fields[f"day_{i}"] = forms.ChoiceField(
                    label=f"Session {i + 1}: day", choices=DAY_OPTIONS, required=False
                )
                self.fields[f"opens_{i}"] = forms.TimeField(
                    label="Starts",
                    input_formats=TIME_FORMATS,
                    required=False,
                    error_messages={"invalid": "Enter a time like 10:00"},
                )
                self.fields[f"closes_{i}"] = forms.TimeField(
                    label="Ends",
                    input_formats=TIME_FORMATS,
                    required=False,
                    error_messages={"invalid": "Enter a time like 12:30"},
                )
        self.session_rows = [
            (self[f"day_{i}"], self[f"opens_{i}"], self[f"closes_{i}"])
            for i in range(SESSION_ROWS)
            if f"day_{i}" in self.fields
        ]
        for name, field in [("cost", "cost"), ("ages", "minimum_age"), ("ages", "maximum_age")]:
            if name not in editable:
                del self.fields[field]
        for name in ("needs", "wheelchair"):
            if name not in editable:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        for i in range(len(self.session_rows)):
            day, opens, closes = (data.get(f"{k}_{i}") for k in ("day", "opens", "closes"))
            if day and not (opens and closes):
                self.add_error(f"opens_{i}", "Give the start and end time of this session")
            elif (opens or closes) and not day:
                self.add_error(f"day_{i}", "Choose the day of this session")
            elif day and opens >= closes:
                self.add_error(f"closes_{i}", "The session must end after it starts")
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", "The oldest age must not be less than the youngest")
        return data

    def add_action_error(self, error) -> None:
        # The action names whole fields; the form asks for them in parts.
        field = {"ages": "maximum_age", "sessions": "day_0"}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)

    def proposed(self) -> dict:
        """The form's values in the shape `directory.actions.propose_change` takes."""
        data = self.cleaned_data
        proposed = {
            k: data[k] for k in [*TEXT_FIELDS, "cost", "needs", "wheelchair"] if k in self.fields
        }
        if "minimum_age" in self.fields:
            proposed["ages"] = (data.get("minimum_age"), data.get("maximum_age"))
        if self.session_rows:
            proposed["sessions"] = [
                (data[f"day_{i}"], data[f"opens_{i}"], data[f"closes_{i}"])
                for i in range(len(self.session_rows))
                if data.get(f"day_{i}")
            ]
        return proposed


def _sessions(text: str) -> list[tuple[str, str, str]]:
    rows = []
    for part in filter(None, text.split(";")):
        day, _, hours = part.partition(" ")
        opens, _, closes = hours.partition("-")
        rows.append((day, opens, closes))
    return rows
