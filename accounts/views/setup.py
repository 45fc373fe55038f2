"""Following a one-time set-up link: choose a password, then you are signed in.

The token is in the link only: the first request puts it in the session and redirects to
an address without it, so it does not linger in the browser's history or leak in a Referer
header. An expired, used, replaced or unknown link gets one page that says so."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import setup_links
from accounts.actions import complete_set_up
from core.errors import ActionError
from core.forms import ActionFormMixin

SESSION_KEY = "set_up_token"


class SetUpForm(ActionFormMixin, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password1"].help_text = (
            "At least 12 characters. A few unrelated words make a strong password that is "
            "easy to remember; avoid common passwords."
        )
        self.fields["new_password1"].error_messages["required"] = "Choose a password"
        self.fields["new_password2"].label = "Type the password again"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = "Type the password again"
        self.error_messages = {**self.error_messages, "password_mismatch": "The passwords differ"}

    def save(self, commit=True):  # the action sets the password, never the form
        raise NotImplementedError


@login_not_required
@require_http_methods(["GET"])
def set_up_start(request, token):
    if setup_links.find_link(token) is None:
        return _not_valid(request)
    request.session[SESSION_KEY] = token
    return redirect("accounts:set_up")


@login_not_required
@require_http_methods(["GET", "POST"])
def set_up(request):
    token = request.session.get(SESSION_KEY, "")
    link = setup_links.find_link(token) if token else None
    if link is None:
        return _not_valid(request)
    form = SetUpForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = complete_set_up(token=token, password=form.cleaned_data["new_password1"])
        except ActionError as error:
            if error.message == setup_links.NOT_VALID:
                return _not_valid(request)
            form.add_action_error(error)
        else:
            request.session.pop(SESSION_KEY, None)
            login(request, user, backend=_password_backend())
            return redirect("core:home")
    return render(request, "accounts/set_up.jinja", {"form": form, "person": link.user})


def _password_backend() -> str:
    # The person just proved who they are with the link and a new password: sign them in as
    # the password backend would (a second factor, where required, is asked next).
    model = "django.contrib.auth.backends.ModelBackend"
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", [model]))
    return model if model in backends else backends[0]


def _not_valid(request):
    request.session.pop(SESSION_KEY, None)
    return render(
        request, "accounts/set_up_not_valid.jinja", {"message": setup_links.NOT_VALID}, status=404
    )
