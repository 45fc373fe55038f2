"""The second factor's pages: set up an authenticator, enter a code after the password,
recovery codes (shown once, downloadable, made anew), and an administrator's reset."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from markupsafe import Markup

from accounts import actions, reauth, second_factor
from accounts.models import User
from accounts.second_factor import FRESH_CODES_SESSION_KEY, second_factor_not_required
from core.errors import ActionError
from core.forms import ActionFormMixin
from core.middleware import SIGNED_IN_AT
from core.models import AuditEvent
from core.permissions import Permission, Role, require_permission


class CodeForm(ActionFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        error_messages={"required": "Enter the code from your authenticator app"},
    )


class NewRecoveryCodesForm(ActionFormMixin, forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        error_messages={"required": "Enter your password"},
    )
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=40,
        error_messages={"required": "Enter the code from your authenticator app"},
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("core:home")


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next(request)})}"


def _session_predates_reset(request) -> bool:
    """A session signed in before an administrator reset this person's second factor may
    not set up a new one: whoever holds it must give the password again."""
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return False
    return AuditEvent.objects.filter(
        verb="reset_second_factor",
        object_type=User._meta.label,
        object_id=str(request.user.pk),
        at__gte=datetime.fromtimestamp(signed_in_at, tz=UTC),
    ).exists()


@second_factor_not_required
def set_up(request):
    user = request.user
    if second_factor.has_second_factor(user):
        if second_factor.is_satisfied(request):
            return redirect(_next(request))
        return redirect(_with_next("accounts:second_factor_verify", request))
    if _session_predates_reset(request):
        logout(request)
        messages.info(request, "Your second factor was reset. Sign in again to set it up.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check, codes = actions.confirm_second_factor(user=user, code=form.cleaned_data["code"])
        except ActionError as error:
            if second_factor.has_second_factor(user):  # set up meanwhile, in another tab
                return redirect(_with_next("accounts:second_factor_verify", request))
            form.add_action_error(error)
        else:
            if check.passed:
                otp_login(request, check.device)
                request.session[FRESH_CODES_SESSION_KEY] = codes
                return redirect(_with_next("accounts:recovery_codes", request))
            form.add_error("code", check.message)
    device = actions.start_second_factor_set_up(user=user)
    return TemplateResponse(
        request,
        "accounts/second_factor_set_up.jinja",
        {
            "form": form,
            "next": _next(request),
            "qr_code": Markup(second_factor.qr_code_svg(device)),
            "secret": second_factor.secret_for_people(device),
            "issuer": "linkwork",
        },
    )


@second_factor_not_required
def verify(request):
    user = request.user
    if second_factor.is_satisfied(request):
        return redirect(_next(request))
    if not second_factor.has_second_factor(user):
        return redirect(_with_next("accounts:second_factor_set_up", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = actions.check_second_factor(user=user, code=form.cleaned_data["code"])
        if check.passed:
            otp_login(request, check.device)
            if check.used_recovery_code:
                left = second_factor.recovery_codes_left(user)
                messages.info(
                    request,
                    f"You used a recovery code; {left} are left. If you have lost your "
                    "phone, make new recovery codes and ask your administrator to reset "
                    "your authenticator.",
                )
            return redirect(_next(request))
        form.add_error("code", check.message)
    return TemplateResponse(
        request, "accounts/second_factor_verify.jinja", {"form": form, "next": _next(request)}
    )


def recovery_codes(request):
    """Fresh codes, shown once: they stay in the session only until "I have saved them"."""
    codes = request.session.get(FRESH_CODES_SESSION_KEY)
    if request.method == "POST":
        request.session.pop(FRESH_CODES_SESSION_KEY, None)
        return redirect(_next(request))
    return TemplateResponse(
        request,
        "accounts/recovery_codes.jinja",
        {
            "codes": codes,
            "left": second_factor.recovery_codes_left(request.user),
            "next": _next(request),
        },
    )


def recovery_codes_download(request):
    codes = request.session.get(FRESH_CODES_SESSION_KEY)
    if not codes:
        raise Http404("Recovery codes are shown only once, just after they are made")
    text = (
        f"linkwork recovery codes for {request.user.email}\n"
        "Each code works once, instead of the code from your authenticator app.\n"
        "Keep them somewhere safe, away from your phone.\n\n" + "\n".join(codes) + "\n"
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="linkwork-recovery-codes.txt"'
    return response


def new_recovery_codes(request):
    user = request.user
    form = NewRecoveryCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The code first: someone holding only the session learns nothing about the password.
        check = actions.check_second_factor(
            user=user, code=form.cleaned_data["code"], allow_recovery_code=False
        )
        if not check.passed:
            form.add_error("code", check.message)
        elif not user.check_password(form.cleaned_data["password"]):
            form.add_error("password", "The password is not right")
        else:
            try:
                codes = actions.regenerate_recovery_codes(by=user)
            except ActionError as error:
                form.add_action_error(error)
            else:
                request.session[FRESH_CODES_SESSION_KEY] = codes
                return redirect("accounts:recovery_codes")
    return TemplateResponse(request, "accounts/new_recovery_codes.jinja", {"form": form})


@require_POST
def reset(request, pk):
    """An administrator resets a person's second factor (the staff pages hold the button)."""
    require_permission(request.user, Permission.STAFF_MANAGE)
    people = User.objects.all()
    if request.user.role != Role.SYSTEM_ADMIN:
        people = people.filter(organisation__area_id=request.user.organisation.area_id)
    person = get_object_or_404(people, pk=pk)
    # Whoever resets a second factor can take over the account: prove it is still them.
    confirm = reauth.confirm_first(request, return_to=_next(request))
    if confirm:
        return confirm
    try:
        actions.reset_second_factor(by=request.user, user=person)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{person.full_name}'s second factor has been reset. They have been emailed, and "
            "will set up a new authenticator app when they next sign in.",
        )
    return redirect(_next(request))
