from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.decorators import method_decorator

from accounts import throttle
from core import audit
from core.forms import ActionFormMixin


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
        email = self.cleaned_data.get("username") or ""
        if email and throttle.is_locked(email):
            raise ValidationError(
                "Too many failed attempts to sign in with this email address. Wait 15 minutes "
                "and try again, or ask your administrator to reset your password.",
                code="locked",
            )
        return super().clean()


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.jinja"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.record_attempt(form.cleaned_data["username"], succeeded=True)
        audit.record_auth(by=form.get_user(), verb="sign_in")
        return response

    def form_invalid(self, form):
        email = self.request.POST.get("username", "")
        if email and not form.has_error(NON_FIELD_ERRORS, "locked"):
            throttle.record_attempt(email, succeeded=False)
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit.record_auth(by=request.user, verb="sign_out")
        return super().post(request, *args, **kwargs)
