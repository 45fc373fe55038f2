"""Passwords: "Forgotten your password?" (an emailed one-time link), changing it while
signed in, and "Confirm it's you" before sensitive actions (accounts/reauth.py).

The reset request page says the same thing, after the same work, whether or not the
address has an account: the account is looked up by the background task that sends the
email (accounts/passwords.py), never while the person waits.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import actions, passwords, reauth
from accounts.identifiers import normalise_email
from accounts.models import User
from core.client_address import client_address
from core.errors import ActionError
from core.forms import ActionFormMixin

# The link's token is swapped for this in the address bar, so it never leaks in a Referer.
SET_PASSWORD = "set-password"
RESET_TOKEN = "linkwork_reset_token"
TOO_MANY = (
    "Too many requests for a reset link from your network. Wait an hour and try again, or "
    "ask your administrator."
)


def _password_field(label, **extra):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=passwords.MAX_LENGTH,
        widget=forms.PasswordInput,
        error_messages={
            "required": f"Enter your {label[0].lower()}{label[1:]}",
            "max_length": f"Your password must be {passwords.MAX_LENGTH} characters or fewer",
        },
        **extra,
    )


class ResetRequestForm(ActionFormMixin, forms.Form):
    email = forms.CharField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter your email address"},
    )

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                "Enter an email address in the correct format, like name@example.nhs.uk",
                code="invalid",
            ) from None
        return email


class NewPasswordForm(ActionFormMixin, forms.Form):
    new_password = _password_field("New password")
    new_password_again = _password_field("Confirm new password")

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password_again"].error_messages["required"] = (
            "Enter your new password again"
        )

    def clean_new_password(self):
        password = self.cleaned_data["new_password"]
        validate_password(password, self.user)
        return password

    def clean(self):
        cleaned = super().clean()
        first, again = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and again and first != again:
            self.add_error("new_password_again", "The two new passwords are not the same")
        return cleaned


class ChangePasswordForm(NewPasswordForm):
    current_password = _password_field("Current password")
    field_order = ["current_password", "new_password", "new_password_again"]

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError("Your current password is not right", code="wrong_password")
        return password


@login_not_required
@never_cache
def reset_request(request):
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        # Recorded, and committed, before counting: parallel requests count each other.
        actions.record_password_reset_request(address=address)
        if passwords.too_many_reset_requests(address):
            form.add_error(None, TOO_MANY)
            return render(request, "accounts/password_reset.jinja", {"form": form}, status=429)
        passwords.send_reset_link.enqueue(form.cleaned_data["email"])
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.jinja", {"form": form})


@login_not_required
@never_cache
def reset_sent(request):
    return render(request, "accounts/password_reset_sent.jinja")


def _account_from(uidb64: str) -> User | None:
    try:
        return User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, ValidationError, User.DoesNotExist):
        return None


@login_not_required
@sensitive_post_parameters()
@never_cache
def reset_confirm(request, uidb64, token):
    user = _account_from(uidb64)
    valid = False
    if user is not None and user.is_active:
        if token == SET_PASSWORD:
            valid = passwords.reset_tokens.check_token(user, request.session.get(RESET_TOKEN))
        elif passwords.reset_tokens.check_token(user, token):
            # Keep the token in the session and take it out of the address, so that it
            # does not leak to other sites in the Referer header.
            request.session[RESET_TOKEN] = token
            return redirect(request.path.replace(token, SET_PASSWORD))
    if not valid:
        return render(request, "accounts/password_reset_confirm.jinja", {"form": None})
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        actions.reset_password(
            user=user, password=form.cleaned_data["new_password"], address=client_address(request)
        )
        request.session.pop(RESET_TOKEN, None)
        return redirect("accounts:password_reset_complete")
    return render(request, "accounts/password_reset_confirm.jinja", {"form": form})


@login_not_required
@never_cache
def reset_complete(request):
    return render(request, "accounts/password_reset_complete.jinja")


@sensitive_post_parameters()
def change(request):
    form = ChangePasswordForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.change_password(
                    by=request.user,
                    current_password=form.cleaned_data["current_password"],
                    password=form.cleaned_data["new_password"],
                    address=client_address(request),
                )
            except ActionError as error:
                form.add_action_error(error)
            else:
                # This session goes on (the others end); typing the password confirmed it.
                update_session_auth_hash(request, request.user)
                reauth.mark_confirmed(request)
                messages.success(
                    request, "Your password has been changed. You have been signed out elsewhere."
                )
                return redirect(settings.LOGIN_REDIRECT_URL)
        elif form.has_error("current_password", "wrong_password") and reauth.wrong_password(
            request
        ):
            return redirect_to_login(request.get_full_path())
    return render(request, "accounts/password_change.jinja", {"form": form})


@sensitive_post_parameters()
@never_cache
def confirm_its_you(request):
    next_url = reauth.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = reauth.confirm_form_class(request.POST or None, user=request.user)
    if request.method == "POST":
        address = client_address(request)
        if form.is_valid():
            actions.record_reauthentication(by=request.user, succeeded=True, address=address)
            reauth.mark_confirmed(request)
            return redirect(next_url)
        wrong = any(
            error.code != "required"
            for errors in form.errors.as_data().values()
            for error in errors
        )
        if wrong:
            actions.record_reauthentication(by=request.user, succeeded=False, address=address)
            if reauth.wrong_password(request):
                return redirect_to_login(next_url)
    return render(
        request, "accounts/password_confirm_its_you.jinja", {"form": form, "next": next_url}
    )
