from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator

from accounts import devices, second_factor, sessions, throttle
from accounts.second_factor import second_factor_not_required
from core import audit
from core.client_address import client_address
from core.forms import ActionFormMixin

# One message for every limit, whether or not the account exists.
TOO_MANY = (
    "Too many failed attempts to sign in. Wait 15 minutes and try again, or sign in from a "
    "browser you have signed in from before."
)


class SignInForm(ActionFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive "
        "except the email address.",
        "inactive": "This account has been switched off. Ask your administrator.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean(self):
        email = self.cleaned_data.get("username")
        if not email or not self.cleaned_data.get("password"):
            return self.cleaned_data  # the empty field says so
        # Recorded before the password is checked, so that parallel guesses count each other.
        attempt = throttle.begin(self.request, email)
        if attempt.refused:
            raise ValidationError(TOO_MANY, code="locked")
        try:
            super().clean()
        except ValidationError:
            throttle.finish(attempt, user=None)
            raise
        throttle.finish(attempt, user=self.get_user())
        return self.cleaned_data


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.jinja"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from accounts.oidc.presenters import sign_in_buttons

        # Single sign-on: a button for each area's identity provider (accounts/oidc/).
        context = super().get_context_data(**kwargs)
        context["single_sign_on"] = sign_in_buttons(self.request.GET.get("next", ""))
        # Signed out by an administrator or their identity provider (accounts/sessions.py).
        if self.request.session.pop(sessions.SIGNED_OUT, False):
            context["signed_out"] = sessions.SIGNED_OUT_MESSAGE
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        devices.remember_device(response, self.request, form.get_user())
        # The password is the first step only: on to the second factor, then where they were going.
        return second_factor.after_password(self.request, response)


@second_factor_not_required
class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit.record_auth(by=request.user, verb="sign_out", address=client_address(request))
        return super().post(request, *args, **kwargs)
