"""Forms for inviting staff (administration/views/staff_invites.py). The action checks
everything again (accounts.invitations.check_invitation): these only shape the page."""

from django import forms

from accounts import invitations
from core.forms import ActionFormMixin
from core.permissions import Role
from organisations.models import Area


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        code = f", {obj.ods_code}" if obj.ods_code else ""
        return f"{obj.name} ({obj.get_kind_display()}{code})"


class InviteForm(ActionFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Their work email address: the invitation is sent there, and they sign in "
        "with it",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )
    job_title = forms.CharField(label="Job title (optional)", max_length=100, required=False)
    organisation = OrganisationChoice(
        label="Organisation",
        queryset=Area.objects.none(),
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the organisation they work for",
            "invalid_choice": "Choose an organisation in your area",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[],
        error_messages={"required": "Choose their role", "invalid_choice": "Choose their role"},
    )
    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Choose the area", "invalid_choice": "Choose the area"},
    )

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        if invitations.is_system_admin(by):
            # A system administrator invites service administrators: the area is the choice.
            del self.fields["organisation"], self.fields["role"]
            self.fields["area"].queryset = Area.objects.filter(operator=False).order_by("name")
        else:
            del self.fields["area"]
            self.fields["organisation"].queryset = invitations.organisations_for(by)
            allowed = [r for r in Role.values if r not in invitations.NOT_INVITABLE_ROLES]
            self.fields["role"].choices = [("", "Choose a role")] + [
                (value, label) for value, label in Role.choices if value in allowed
            ]
