"""A service administrator's single sign-on settings for their own area (accounts/oidc/)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.oidc import keys
from accounts.oidc.actions import configure_single_sign_on
from accounts.oidc.client import redirect_uri
from accounts.oidc.forms import SingleSignOnForm
from accounts.oidc.models import (
    SingleSignOnProvider,
    private_key_env_name,
    private_key_file_env_name,
    secret_env_name,
)
from core.errors import ActionError
from core.permissions import Permission, require_permission

FIELDS = list(SingleSignOnForm.base_fields)


def single_sign_on(request):
    require_permission(request.user, Permission.AREA_SETTINGS_EDIT)
    area = request.user.organisation.area
    provider = SingleSignOnProvider.objects.filter(area=area).first()
    initial = {f: getattr(provider, f) for f in FIELDS} if provider else {"enabled": True}
    form = SingleSignOnForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            provider = configure_single_sign_on(by=request.user, area=area, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Single sign-on settings saved")
            return redirect("administration:single_sign_on")
    env_name = secret_env_name(area.code)
    try:
        key_problem, key_set = "", keys.signing_key(area.code) is not None
    except keys.KeyProblem as problem:
        key_problem, key_set = str(problem), False
    site = settings.SITE_URL.rstrip("/")
    return render(
        request,
        "administration/single_sign_on.jinja",
        {
            "area": area,
            "form": form,
            "provider": provider,
            "secret_env": env_name,
            "secret_set": bool(provider and provider.client_secret()),
            "redirect_uri": redirect_uri(provider) if provider else None,
            "private_key_env": private_key_env_name(area.code),
            "private_key_file_env": private_key_file_env_name(area.code),
            "key_set": key_set,
            "key_problem": key_problem,
            "jwks_uri": site + reverse("accounts:oidc_jwks", args=[area.code]),
            "logout_uri": site + reverse("accounts:oidc_back_channel_logout", args=[area.code]),
        },
    )
