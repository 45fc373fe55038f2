"""Signing in through an area's identity provider: start, and the provider's answer."""

import django_otp
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from accounts import second_factor
from accounts.oidc import actions, client
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
