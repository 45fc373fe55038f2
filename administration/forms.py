from django import forms

from core.forms import ActionFormMixin, VersionField
from organisations.models import Organisation, PrimaryCareNetwork
from referrals.validators import normalise_postcode


class AreaForm(ActionFormMixin, forms.Form):
    name = forms.CharField(
        label="ICB name",
        max_length=120,
        error_messages={"required": "Enter the ICB's name"},
        help_text="For example, NHS Northamptonshire Integrated Care Board",
    )
    code = forms.CharField(
        label="ICB code",
        max_length=20,
        error_messages={"required": "Enter the ICB's code"},
        help_text="Its ODS code (like QPM) or its ONS code (like E54000059)",
    )
    commissioner_codes = forms.CharField(
        label="Sub-ICB location codes (optional)",
        required=False,
        max_length=500,
        help_text="The ODS codes of its sub-ICB locations, separated by spaces (like 15E 78H). "
        "Practices are imported when their ICB or sub-ICB location is one of the area's codes.",
    )


class AdministratorForm(ActionFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )


class OrganisationForm(ActionFormMixin, forms.Form):
    version = VersionField(required=False)
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the name"}
    )
    ods_code = forms.CharField(label="ODS code (optional)", max_length=10, required=False)
    address = forms.CharField(label="Address (optional)", required=False, widget=forms.Textarea)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    phone = forms.CharField(label="Phone number (optional)", max_length=30, required=False)
    opening_hours = forms.CharField(
        label="Opening hours",
        required=False,
        widget=forms.Textarea,
        help_text="As people should see them, like: Monday to Friday, 9am to 5pm",
    )
    first_contact_target_days = forms.IntegerField(
        label="First contact within (working days)", min_value=1, max_value=60, initial=5
    )
    response_working_days = forms.IntegerField(
        label="Deadline for an answer (working days)", min_value=2, max_value=60, initial=10
    )
    reminder_working_days = forms.IntegerField(
        label="Reminder after (working days)", min_value=1, max_value=59, initial=6
    )
    caseload_safe_min = forms.IntegerField(
        label="Safe caseload per link worker: from", min_value=0, max_value=500, initial=25
    )
    caseload_safe_max = forms.IntegerField(
        label="Safe caseload per link worker: to", min_value=1, max_value=500, initial=50
    )
    covers_pcns = forms.ModelMultipleChoiceField(
        label="Primary care networks it covers",
        queryset=PrimaryCareNetwork.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    covers_practices = forms.ModelMultipleChoiceField(
        label="Practices it covers (besides those in the PCNs above)",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    SERVICE_ONLY = (
        "opening_hours",
        "first_contact_target_days",
        "response_working_days",
        "reminder_working_days",
        "caseload_safe_min",
        "caseload_safe_max",
        "covers_pcns",
        "covers_practices",
    )

    def __init__(self, *args, area, kind, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == Organisation.Kind.LINK_WORKER_SERVICE:
            self.fields["covers_pcns"].queryset = PrimaryCareNetwork.objects.filter(area=area)
            self.fields["covers_practices"].queryset = Organisation.objects.filter(
                area=area, kind=Organisation.Kind.GP_PRACTICE, active=True
            )
        else:
            for name in self.SERVICE_ONLY:
                del self.fields[name]

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        return normalise_postcode(value) if value else ""

    def action_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class PcnForm(ActionFormMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=120, error_messages={"required": "Enter the name"}
    )
    ods_code = forms.CharField(
        label="ODS code",
        max_length=10,
        help_text="U and 5 digits, like U12345",
        error_messages={"required": "Enter the PCN's ODS code"},
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["ods_code"]
