from django import forms

from accounts.oidc.models import SingleSignOnProvider
from core.forms import ActionFormMixin


class SingleSignOnForm(ActionFormMixin, forms.Form):
    name = forms.CharField(
        label="Name on the sign-in button",
        max_length=60,
        error_messages={"required": "Enter the name people know the provider by"},
        help_text="People see “Sign in with” and this, like NHS CIS2 or NHSmail",
    )
    issuer = forms.URLField(
        label="Issuer",
        max_length=300,
        assume_scheme="https",
        error_messages={
            "required": "Enter the provider's issuer",
            "invalid": "Enter the issuer as a web address, like https://login.microsoftonline.com/…/v2.0",
        },
        help_text="Exactly as the provider's discovery document states it",
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        error_messages={"required": "Enter the client ID the provider gave linkwork"},
    )
    scopes = forms.CharField(
        label="Scopes",
        max_length=300,
        initial="openid profile email",
        error_messages={"required": "Enter the scopes, including openid"},
        help_text="Separated by spaces. They must include openid",
    )
    acr_values = forms.CharField(
        label="Authentication context to ask for (optional)",
        max_length=200,
        required=False,
        help_text="NHS CIS2: AAL3_ANY or AAL2_OR_AAL3_ANY. Leave empty for NHSmail",
    )
    subject_claim = forms.CharField(
        label="Claim that identifies a person for good",
        max_length=60,
        initial="sub",
        error_messages={"required": "Enter the claim, usually sub"},
    )
    email_claim = forms.CharField(
        label="Claim with the person's email address",
        max_length=60,
        initial="email",
        error_messages={"required": "Enter the claim, usually email"},
        help_text="Used once, to find the account you invited; the first claim is used "
        "from then on",
    )
    mfa_evidence = forms.CharField(
        label="When the provider's second factor counts (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="One claim=value a line, like amr=mfa or authentication_assurance_level=3. "
        "When the sign-in shows one of them, people are not asked for a code from "
        "linkwork's authenticator app as well. Leave empty to always ask",
    )
    client_auth_method = forms.ChoiceField(
        label="How linkwork proves who it is to the provider",
        choices=SingleSignOnProvider.ClientAuth.choices,
        initial=SingleSignOnProvider.ClientAuth.CLIENT_SECRET_BASIC,
        widget=forms.RadioSelect,
        required=False,  # not chosen: a client secret, as before there was a choice
        error_messages={
            "invalid_choice": "Choose how linkwork proves who it is to the provider",
        },
    )
    national_rbac = forms.BooleanField(
        label="Ask NHS CIS2 for people's national RBAC roles (nationalrbacaccess)",
        required=False,
    )
    require_rbac_organisation = forms.BooleanField(
        label="Only let people in who hold a role at their organisation",
        required=False,
        help_text="Matched on the organisation's ODS code (for a link-worker service, also "
        "the PCNs and practices it covers; for a commissioner, the ICB's codes)",
    )
    enabled = forms.BooleanField(label="Let staff sign in with this provider", required=False)

    def clean_client_auth_method(self):
        return (
            self.cleaned_data.get("client_auth_method")
            or SingleSignOnProvider.ClientAuth.CLIENT_SECRET_BASIC
        )
