"""The page header made by core/layout.py is the NHS.UK header macro's, byte for byte, for
everyone who can see a page, and its navigation is presenters.navigation's."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.urls import reverse
from markupsafe import Markup

from core import layout, presenters
from core.permissions import Role
from organisations.actions import create_organisation
from organisations.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db

# The header block of layout.jinja before core/layout.py made it.
MACRO = """{% from "nhsuk/components/header/macro.jinja" import header %}
{%- set user = request.user -%}
{{ header({
    "service": {"text": "linkwork", "href": url("core:home")},
    "organisation": {"name": user.organisation.name} if user.is_authenticated else none,
    "account": {"items": [
      {"text": user.full_name ~ " (" ~ user.get_role_display() ~ ")", "icon": true},
      {"text": "Change password", "href": url("accounts:password_change")},
      {"html": logout_html}
    ]} if user.is_authenticated else none,
    "navigation": {"items": navigation(request)} if user.is_authenticated else none
}) }}"""
OURS = "{{ page_header(request, logout_html) }}"
SIGN_OUT = Markup(
    '<form class="nhsuk-header__account-form" action="/accounts/sign-out/" method="post">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="aBc123">'
    '<button class="nhsuk-header__account-button">Sign out</button></form>'
)


def _both(user, path="/", sign_out=SIGN_OUT) -> tuple[str, str]:
    env = engines["jinja2"].env
    request = SimpleNamespace(user=user, path=path)
    context = {"request": request, "logout_html": sign_out}
    old = env.from_string(MACRO, globals={"navigation": presenters.navigation})
    return old.render(context), env.from_string(OURS).render(context)


KINDS = {
    Role.REFERRER: Organisation.Kind.GP_PRACTICE,
    Role.PROVIDER: Organisation.Kind.PROVIDER,
    Role.COMMISSIONER: Organisation.Kind.COMMISSIONER,
    Role.SERVICE_ADMIN: Organisation.Kind.COMMISSIONER,
    Role.NATIONAL: Organisation.Kind.NATIONAL,
    Role.SYSTEM_ADMIN: Organisation.Kind.OPERATOR,
}


def _staff(role, **kw):
    area = factories.area()
    kind = KINDS.get(role, Organisation.Kind.LINK_WORKER_SERVICE)
    if kind == Organisation.Kind.GP_PRACTICE:
        organisation = factories.practice(area)
    else:
        organisation = create_organisation(by=None, area=area, kind=kind, name=f"{role} org")
    return factories.user(organisation=organisation, role=role, **kw)


def test_a_visitor_sees_the_same_header():
    old, ours = _both(AnonymousUser())
    assert ours == old
    assert "nhsuk-header__account" not in ours


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_same_header_on_every_page_of_its_navigation(role):
    user = _staff(role)
    links = presenters.navigation(SimpleNamespace(user=user, path=""))
    for path in ["/", "/somewhere/else/", *(link["href"] for link in links)]:
        old, ours = _both(user, path)
        assert ours == old
        assert user.full_name in ours


def test_names_are_escaped_as_the_macro_escapes_them():
    user = _staff(Role.LINK_WORKER, full_name='  O\'Brien <b>"&amp;"</b>  ')
    organisation = user.organisation
    organisation.name = "Smith & <Jones> \"Practice\" 'x'"
    organisation.save()
    old, ours = _both(user, reverse("casework:caseload"))
    assert ours == old
    assert "&lt;b&gt;" in ours and "<b>" not in ours


def test_a_name_with_a_line_break_is_rendered_by_the_macro_itself():
    user = _staff(Role.TEAM_LEAD, full_name="Ann\nLee")
    old, ours = _both(user)
    assert ours == old
    sign_out = Markup(str(SIGN_OUT).replace("><button", ">\n<button"))
    old, ours = _both(user, sign_out=sign_out)
    assert ours == old


def test_nothing_personal_is_kept():
    user = _staff(Role.LINK_WORKER, full_name="Zebedee Quartermaine")
    user.organisation.name = "Quartermaine Service"
    user.organisation.save()
    _both(user, reverse("casework:caseload"))
    kept = "".join(layout._headers.values())
    assert "Quartermaine" not in kept
    assert "csrfmiddlewaretoken" not in kept


def test_the_navigation_is_the_presenters_for_every_role_and_page():
    for role in Role:
        user = _staff(role)
        for path in ["/", reverse("casework:caseload"), reverse("referrals:triage")]:
            request = SimpleNamespace(user=user, path=path)
            assert layout.navigation(request) == presenters.navigation(request)
    switched_off = _staff(Role.TEAM_LEAD)
    switched_off.is_active = False
    request = SimpleNamespace(user=switched_off, path="/")
    assert layout.navigation(request) == presenters.navigation(request) == []
