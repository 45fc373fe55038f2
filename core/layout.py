"""The page header every page renders (templates/layout.jinja), made cheaply.

The NHS.UK header macro cost more than a third of a small staff page's CPU: a dozen nested
macro calls re-indenting its HTML, for a result that depends on little: the role (which
links the navigation shows), which of them is the current page, and three values of the
request: the organisation's name, the person's name and role, and the sign-out form (with
its CSRF token, new on every request). So the macro is rendered once per process for each
role and current link, with a marker standing in for each of those three values, and every
request puts its own values in the markers' places, escaped as the macro escapes them. The
HTML is the same, byte for byte (core/tests/test_layout.py renders both ways and compares).

What is kept is the markers' HTML: links and labels of the role's navigation, never a
name, an organisation or a token. A value the macro would not place as it is (text with a
line break, which the macro indents) is rendered by the macro itself, as before.
"""

import re
import secrets
import threading
from types import SimpleNamespace

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from jinja2 import pass_environment
from markupsafe import Markup, escape

from core import presenters

# The header's shapes kept at most (roles x navigation links, and visitors, are far fewer).
HEADER_CACHE_SIZE = 256
_MARK = secrets.token_hex(8)
ORGANISATION = f"lwOrganisation{_MARK}"
ACCOUNT = f"lwAccount{_MARK}"
SIGN_OUT = f"lwSignOut{_MARK}"
_MARKERS = re.compile(f"{ORGANISATION}|{ACCOUNT}|{SIGN_OUT}")

_lock = threading.Lock()
_navigation: dict[tuple, tuple] = {}
_headers: dict[tuple, str] = {}


def navigation(request) -> list[dict]:
    """presenters.navigation(request), its links worked out once per process for each role
    (what has_permission reads of the person: signed in, switched on, role) and URLs."""
    user = request.user
    key = (
        bool(getattr(user, "is_authenticated", False)),
        bool(getattr(user, "is_active", False)),
        getattr(user, "role", None),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )
    links = _navigation.get(key)
    if links is None:
        # No path matches "": every link comes back not current, for any page.
        stand_in = SimpleNamespace(user=user, path="")
        links = tuple((item["text"], item["href"]) for item in presenters.navigation(stand_in))
        with _lock:
            _navigation[key] = links
    return [{"text": text, "href": href, "current": request.path == href} for text, href in links]


@pass_environment
def header(environment, request, sign_out_html) -> Markup:
    """The NHS.UK header of layout.jinja for this request (see the module docstring)."""
    user = getattr(request, "user", None)
    service = {"text": "linkwork", "href": reverse("core:home")}
    if not getattr(user, "is_authenticated", False):
        return Markup(_kept(environment, (service["href"],), _params(service)))
    organisation = user.organisation.name
    account = f"{user.full_name} ({user.get_role_display()})"
    password_change = reverse("accounts:password_change")
    links = navigation(request)
    values = {
        ORGANISATION: escape(organisation),
        ACCOUNT: escape(account.strip()),  # the macro trims it
        SIGN_OUT: Markup(str(sign_out_html).strip()),  # trimmed too, and not escaped
    }
    if not all(_placed_as_is(str(value)) for value in values.values()):
        params = _params(service, organisation, account, password_change, links, sign_out_html)
        return _render(environment, params)
    key = (
        service["href"],
        password_change,
        tuple((link["text"], link["href"], link["current"]) for link in links),
    )
    params = _params(service, ORGANISATION, ACCOUNT, password_change, links, Markup(SIGN_OUT))
    html = _kept(environment, key, params)
    return Markup(_MARKERS.sub(lambda match: values[match.group()], html))


def _kept(environment, key, params) -> str:
    html = _headers.get(key)
    if html is None:
        html = str(_render(environment, params))
        with _lock:
            if len(_headers) >= HEADER_CACHE_SIZE:
                _headers.clear()
            _headers[key] = html
    return html


def _params(
    service, organisation=None, account=None, password_change=None, links=None, sign_out=None
) -> dict:
    """The header macro's parameters, as layout.jinja gave them (a visitor: no organisation)."""
    if organisation is None:
        return {"service": service, "organisation": None, "account": None, "navigation": None}
    return {
        "service": service,
        "organisation": {"name": organisation},
        "account": {
            "items": [
                {"text": account, "icon": True},
                {"text": "Change password", "href": password_change},
                {"html": sign_out},
            ]
        },
        "navigation": {"items": links},
    }


def _render(environment, params) -> Markup:
    macro = environment.get_template("nhsuk/components/header/macro.jinja").module.header
    return macro(params)


def _placed_as_is(text: str) -> bool:
    # The macro indents what it places: any line break would be followed by spaces.
    return "".join(text.splitlines()) == text


def clear() -> None:
    """Forget what is kept (tests)."""
    with _lock:
        _navigation.clear()
        _headers.clear()
