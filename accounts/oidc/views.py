"""Signing in through an area's identity provider: start, and the provider's answer; and
what the provider calls itself: our public keys (for private_key_jwt) and back-channel
logout."""

import django_otp
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts import second_factor
from accounts.oidc import actions, client, keys
from accounts.oidc.models import SingleSignOnProvider
from accounts.second_factor import second_factor_not_required
from core.client_address import client_address

# Where to go after signing in, kept from the start to the provider's answer.
NEXT_KEY = "linkwork_sso_next"


def _provider(code: str) -> SingleSignOnProvider:
    provider = (
        SingleSignOnProvider.objects.select_related("area")
        .filter(area__code=code, enabled=True)
        .first()
    )
    if provider is None:
        raise Http404("This area has no single sign-on")
    return provider


def _refused(request, provider, message: str, status: int):
    return render(
        request,
        "accounts/single_sign_on_refused.jinja",
        {"provider": provider, "message": message},
        status=status,
    )


@never_cache
@login_not_required
@second_factor_not_required
def start(request, code):
    provider = _provider(code)
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[NEXT_KEY] = next_url
    else:
        request.session.pop(NEXT_KEY, None)
    try:
        return client.start(request, provider)
    except client.Refused as refusal:
        actions.record_single_sign_on_refused(
            provider=provider, reason=refusal.reason, address=client_address(request)
        )
        return _refused(request, provider, refusal.message(provider), status=503)


@never_cache
@login_not_required
@second_factor_not_required
def callback(request, code):
    provider = _provider(code)
    address = client_address(request)
    try:
        claims = client.finish(request, provider)
    except client.Refused as refusal:
        actions.record_single_sign_on_refused(
            provider=provider, reason=refusal.reason, address=address
        )
        return _refused(request, provider, refusal.message(provider), status=400)
    outcome = actions.sign_in_with_single_sign_on(provider=provider, claims=claims, address=address)
    if outcome.refusal:
        return _refused(request, provider, outcome.message(provider), status=403)
    next_url = request.session.pop(NEXT_KEY, "") or resolve_url(settings.LOGIN_REDIRECT_URL)
    login(request, outcome.user, backend="django.contrib.auth.backends.ModelBackend")
    response = redirect(next_url)
    if outcome.mfa_counts:
        # The provider's own second factor counts (the area's rule): the session is verified.
        django_otp.login(request, outcome.identity)
        return response
    return second_factor.after_password(request, response)


# How long the provider may keep our key set before asking again (a new key is published
# before it is used: docs/single-sign-on.md, "Changing the key").
JWKS_MAX_AGE = 300


@require_safe
@login_not_required
def jwks(request, code):
    """The public half of the area's private_key_jwt key, to register with the provider."""
    provider = SingleSignOnProvider.objects.select_related("area").filter(area__code=code).first()
    if provider is None:
        raise Http404("This area has no single sign-on")
    try:
        key_set = keys.public_key_set(provider.area.code)
    except keys.KeyProblem:
        key_set = {"keys": []}
    if not key_set["keys"]:
        raise Http404("This area has no key for single sign-on")
    response = JsonResponse(key_set)
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response


@csrf_exempt  # the provider's server posts here, with a signed token and no cookie
@require_POST
@never_cache
@login_not_required
def back_channel_logout(request, code):
    """OpenID Connect Back-Channel Logout 1.0: 200 when the token was good (and whoever it
    names is signed out everywhere), 400 with an error otherwise."""
    address = client_address(request)
    provider = SingleSignOnProvider.objects.select_related("area").filter(area__code=code).first()
    if provider is None:
        return _logout_error("invalid_request", "This area has no single sign-on")
    token = request.POST.get("logout_token", "")
    if not token:
        actions.record_back_channel_logout_refused(
            provider=provider, reason="no_token", address=address
        )
        return _logout_error("invalid_request", "No logout_token")
    try:
        claims = client.check_logout_token(provider, token)
    except client.Refused as refusal:
        actions.record_back_channel_logout_refused(
            provider=provider, reason=refusal.reason, address=address
        )
        if refusal.reason == "unreachable":
            return _logout_error("temporarily_unavailable", "The provider's keys could not be read")
        return _logout_error("invalid_request", f"The logout token was refused: {refusal.reason}")
    outcome = actions.end_sessions_by_back_channel(
        provider=provider, claims=claims, address=address
    )
    if outcome.refusal:
        return _logout_error("invalid_request", f"The logout token was refused: {outcome.refusal}")
    return HttpResponse(status=200)  # never_cache: Cache-Control no-store, as 2.8 asks


def _logout_error(error: str, description: str):
    return JsonResponse({"error": error, "error_description": description}, status=400)
