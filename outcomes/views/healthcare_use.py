"""GP consultations and A&E attendances for one person, before and after their referral.
Recorded from what the practice says; still possible after discharge, because the six
months after a referral often end after it."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import ActionError
from core.forms import ActionFormMixin
from core.permissions import Permission
from outcomes.healthcare_use import MAX_AE, MAX_GP, Period, record_healthcare_use, window
from outcomes.models import HealthcareUse
from referrals.loaders import get_referral_for
from referrals.states import Status


class UseForm(ActionFormMixin, forms.Form):
    gp_consultations = forms.IntegerField(
        label="GP consultations",
        min_value=0,
        max_value=MAX_GP,
        required=False,
        error_messages={
            "invalid": "Enter GP consultations as a whole number, like 3",
            "min_value": "GP consultations cannot be below 0",
            "max_value": f"GP consultations must be {MAX_GP} or fewer",
        },
    )
    ae_attendances = forms.IntegerField(
        label="A&E attendances",
        min_value=0,
        max_value=MAX_AE,
        required=False,
        error_messages={
            "invalid": "Enter A&E attendances as a whole number, like 0",
            "min_value": "A&E attendances cannot be below 0",
            "max_value": f"A&E attendances must be {MAX_AE} or fewer",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        gp, ae = data.get("gp_consultations"), data.get("ae_attendances")
        if (gp is None) != (ae is None) and not self.errors:
            missing = "ae_attendances" if ae is None else "gp_consultations"
            self.add_error(missing, "Enter both numbers (0 if none), or leave both empty")
        return data

    @property
    def given(self) -> bool:
        return self.cleaned_data.get("gp_consultations") is not None


def healthcare_use(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.HEALTHCARE_USE_RECORD, purpose="record_use"
    )
    if referral.status not in (Status.ALLOCATED, Status.ACTIVE, Status.DISCHARGED):
        return redirect("casework:case", pk=referral.pk)
    today = timezone.localdate()
    existing = {u.period: u for u in HealthcareUse.objects.filter(referral=referral)}
    sections = []
    for period in Period:
        starts, ends = window(referral, period)
        current = existing.get(period)
        form = UseForm(
            request.POST or None,
            prefix=period.value,
            initial={
                "gp_consultations": current.gp_consultations if current else None,
                "ae_attendances": current.ae_attendances if current else None,
                "version": current.version if current else None,
            },
        )
        open_yet = period == Period.BEFORE or ends < today
        sections.append(
            {"period": period, "starts": starts, "ends": ends, "form": form, "open": open_yet}
        )
    if request.method == "POST":
        usable = [s for s in sections if s["open"]]
        if all(s["form"].is_valid() for s in usable):
            given = [s for s in usable if s["form"].given]
            if not given:
                usable[0]["form"].add_error(
                    "gp_consultations", "Enter the figures for at least one period"
                )
            elif _save(request.user, referral, given):
                messages.success(request, "GP and A&E use saved.")
                return redirect("casework:case", pk=referral.pk)
    return render(
        request,
        "outcomes/healthcare_use.jinja",
        {
            "referral": referral,
            "person": referral.person,
            "sections": sections,
            # The page title says "Error:" when any part has one.
            "form": next((s["form"] for s in sections if s["form"].errors), sections[0]["form"]),
        },
    )


def _save(user, referral, sections) -> bool:
    """Both periods or neither: a refusal of one leaves the other unsaved too."""
    try:
        with transaction.atomic():
            for section in sections:
                current = section
                data = section["form"].cleaned_data
                record_healthcare_use(
                    by=user,
                    referral=referral,
                    period=section["period"],
                    gp_consultations=data["gp_consultations"],
                    ae_attendances=data["ae_attendances"],
                    version=data.get("version"),
                )
    except ActionError as error:
        current["form"].add_action_error(error)
        return False
    return True
