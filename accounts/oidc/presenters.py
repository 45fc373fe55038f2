from urllib.parse import urlencode

from django.urls import reverse

from accounts.oidc import rbac
from accounts.oidc.models import SingleSignOnProvider


def sign_in_buttons(next_url: str = "") -> list[dict]:
    """The sign-in page's buttons: one per area that has single sign-on switched on. The
    area is named when several share a provider's name ("NHS CIS2 (Kent and Medway)")."""
    providers = list(
        SingleSignOnProvider.objects.filter(enabled=True)
        .select_related("area")
        .order_by("name", "area__name")
    )
    names = [p.name for p in providers]
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return [
        {
            "text": f"Sign in with {p.name}"
            + (f" ({p.area.name})" if names.count(p.name) > 1 else ""),
            "href": reverse("accounts:oidc_start", args=[p.area.code]) + query,
        }
        for p in providers
    ]


def national_rbac_roles_text(roles) -> str:
    """The roles stored on an identity, as "Privacy Officer (X26); Nurse (RWA)"."""
    return "; ".join(rbac.describe(role) for role in roles or [] if isinstance(role, dict))
