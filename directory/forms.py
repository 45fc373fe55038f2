from datetime import time

from django import forms

from core.forms import ActionFormMixin
from directory.search import DAYS, Query
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
            **extra,
        )
