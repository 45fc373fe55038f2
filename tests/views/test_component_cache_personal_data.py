"""The NHS.UK component cache (config/jinja2.py) outlives the request, so it must hold nothing
about a person: after pages showing someone's name, NHS number, phone, email, postcode and
case notes (summary lists, tables, filled-in fields, back links, error messages), none of
those is anywhere in it. What it is for still works: the find form's option lists and
buttons are kept and the page is the same, byte for byte, as without them."""

import re
import secrets

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from markupsafe import Markup

from config import jinja2 as lw_jinja
from core.presenters import phone as formatted_phone
from referrals.models import Need
from tests import factories

pytestmark = pytest.mark.django_db

GIVEN, FAMILY = "Rosamund", "Quillfeather"
PHONE = "07700900456"
EMAIL = "rosamund.quill@example.com"
POSTCODE = "NN12 6AB"
CONTEXT = "Worried about the stairs at Larkspur Mews since the fall."


def env():
    return engines["jinja2"].env


def cache():
    return env().component_cache


def held_text() -> str:
    """Everything the cache holds, keys and HTML, as one text to search."""
    return "\n".join(f"{key!r}\n{html}" for key, html in cache().entries.items())


def personal_strings(nhs_number: str) -> list[str]:
    spaced = f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"
    return [GIVEN, FAMILY, nhs_number, spaced, PHONE, formatted_phone(PHONE), EMAIL]


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.fixture
def nhs_number():
    return factories.valid_nhs_number()


@pytest.fixture
def case(referrer, service, team_lead, link_worker, nhs_number):
    person = factories.PersonDetailsFactory(
        given_name=GIVEN,
        family_name=FAMILY,
        nhs_number=nhs_number,
        phone=PHONE,
        email=EMAIL,
        postcode=POSTCODE,
    )
    referral = factories.referral(by=referrer, service=service, person=person, context=CONTEXT)
    factories.allocate(referral, by=team_lead, worker=link_worker)
    factories.contact(referral, by=link_worker, notes="Spoke to Rosamund about the stairs.")
    return referral


def pages_about_the_person(case) -> tuple[list[str], list[str]]:
    pk = case.pk
    link_worker = [
        reverse("casework:caseload"),
        reverse("casework:case", args=[pk]),
        reverse("casework:consent", args=[pk]),
        reverse("casework:contact_details", args=[pk]),
        reverse("casework:about", args=[pk]),
        reverse("casework:record_contact", args=[pk]),
        reverse("casework:what_matters", args=[pk]),
        reverse("casework:new_goal", args=[pk]),
        reverse("casework:availability", args=[pk]),
        reverse("casework:discharge", args=[pk]),
        reverse("casework:find_activities", args=[pk]),
        reverse("referrals:find") + f"?q={FAMILY}",
    ]
    team_lead = [reverse("referrals:triage"), reverse("referrals:allocate", args=[pk])]
    return link_worker, team_lead


def show_everything(client, case, link_worker, team_lead, referrer, nhs_number) -> list[str]:
    mine, lead = pages_about_the_person(case)
    shown = []
    client.force_login(link_worker)
    shown += [body(client.get(url)) for url in mine]
    client.force_login(team_lead)
    shown += [body(client.get(url)) for url in lead]
    client.force_login(referrer)
    shown.append(body(client.get(reverse("referrals:detail", args=[case.pk]))))
    # A referral sent back with errors: every field filled in with the person's details,
    # and error messages answering what was typed.
    typed = {
        "nhs_number": nhs_number,
        "given_name": GIVEN,
        "family_name": FAMILY,
        "date_of_birth[day]": "17",
        "date_of_birth[month]": "5",
        "date_of_birth[year]": "1960",
        "postcode": "12 Larkspur Mews",
        "phone": PHONE,
        "email": EMAIL,
        "preferred_contact": "phone",
        "needs": [str(Need.objects.get(code="loneliness").pk)],
        "context": CONTEXT,
    }
    shown.append(body(client.post(reverse("referrals:new"), typed)))
    return shown


def test_pages_about_a_person_leave_nothing_of_them_in_the_cache(
    client, case, link_worker, team_lead, referrer, nhs_number
):
    cache().clear()
    shown = "\n".join(show_everything(client, case, link_worker, team_lead, referrer, nhs_number))
    # The pages did show the person (else this test would prove nothing)…
    for text in [*personal_strings(nhs_number), POSTCODE, "Larkspur Mews"]:
        assert text in shown, text
    # …and the cache was used on them, but kept none of it.
    held = held_text()
    assert cache().entries
    for text in [*personal_strings(nhs_number), "Larkspur Mews", "Rosamund about the stairs"]:
        assert text not in held, text
    assert POSTCODE not in held and POSTCODE.replace(" ", "") not in held
    # 17 May 1960, typed into the date fields: kept neither as the date input nor as its parts.
    assert not [k for k in cache().entries if k[0] == "date-input" and "1960" in repr(k)]
    assert not [k for k in cache().entries if k[0] == "input" and "'1960'" in repr(k)]


def test_pages_about_a_person_are_the_same_with_and_without_the_cache(
    client, case, link_worker, team_lead, referrer, nhs_number, monkeypatch
):
    cache().clear()
    # The contact form is filled in with the time now: the clock stands still meanwhile.
    with time_machine.travel(timezone.now(), tick=False):
        monkeypatch.setattr(cache(), "size", 0)
        uncached = show_everything(client, case, link_worker, team_lead, referrer, nhs_number)
        monkeypatch.setattr(cache(), "size", lw_jinja.COMPONENT_CACHE_SIZE)
        cold = show_everything(client, case, link_worker, team_lead, referrer, nhs_number)
        warm = show_everything(client, case, link_worker, team_lead, referrer, nhs_number)
    assert cache().entries
    assert cold == uncached
    assert warm == uncached


# --- Component by component ----------------------------------------------------------------


def render(source: str, **context) -> str:
    return env().from_string(source).render(**context)


def test_a_summary_list_of_a_persons_details_is_never_kept(nhs_number):
    cache().clear()
    html = render(
        '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}'
        "{{ summaryList({'rows': ["
        "{'key': {'text': 'Name'}, 'value': {'text': name}},"
        "{'key': {'text': 'NHS number'}, 'value': {'text': nhs}},"
        "{'key': {'text': 'Phone'}, 'value': {'text': phone}}]}) }}",
        name=f"{GIVEN} {FAMILY}",
        nhs=nhs_number,
        phone=PHONE,
    )
    assert GIVEN in html and nhs_number in html
    assert cache().entries == {}


def test_a_table_of_people_is_never_kept():
    cache().clear()
    html = render(
        '{% from "nhsuk/components/tables/macro.jinja" import table %}'
        "{{ table({'head': [{'text': 'Name'}, {'text': 'Phone'}],"
        " 'rows': [[{'text': name}, {'text': phone}]]}) }}",
        name=FAMILY,
        phone=PHONE,
    )
    assert FAMILY in html
    assert cache().entries == {}


@pytest.mark.parametrize(
    "component",
    ["inset-text", "warning-callout", "details", "card", "panel", "back-link", "pagination"],
)
def test_components_that_show_a_record_are_not_even_looked_at(component):
    assert component not in lw_jinja.CACHED_COMPONENTS
    template = env().get_template(f"nhsuk/components/{component}/macro.jinja")
    module = template.make_module()
    assert not [v for v in vars(module).values() if isinstance(v, lw_jinja.CachedMacro)]


INPUT = (
    '{% from "nhsuk/components/input/macro.jinja" import input %}'
    "{{ input({'label': {'text': 'First name'}, 'id': 'given_name', 'name': 'given_name',"
    " 'value': value}) }}"
)


def test_an_input_is_kept_empty_but_not_with_what_someone_typed():
    cache().clear()
    render(INPUT, value="")
    assert [k for k in cache().entries if k[0] == "input"]
    cache().clear()
    assert GIVEN in render(INPUT, value=GIVEN)
    assert GIVEN not in held_text()
    assert not [k for k in cache().entries if k[0] == "input"]
    # The field's label, a part of the form, may still be kept on its own.
    assert "First name" in held_text()


def test_a_textarea_with_case_notes_is_not_kept():
    cache().clear()
    html = render(
        '{% from "nhsuk/components/textarea/macro.jinja" import textarea %}'
        "{{ textarea({'label': {'text': 'Notes'}, 'id': 'n', 'name': 'n', 'value': notes}) }}",
        notes=CONTEXT,
    )
    assert "Larkspur" in html
    assert "Larkspur" not in held_text()


def test_a_date_input_with_a_date_of_birth_is_not_kept():
    cache().clear()
    source = (
        '{% from "nhsuk/components/date-input/macro.jinja" import dateInput %}'
        "{{ dateInput({'id': 'dob', 'namePrefix': 'dob', 'fieldset': {'legend': {'text': 'Born'}},"
        " 'items': [{'name': 'day', 'value': d}, {'name': 'month', 'value': m},"
        " {'name': 'year', 'value': y}]}) }}"
    )
    render(source, d=None, m=None, y=None)
    assert [k for k in cache().entries if k[0] == "date-input"]
    cache().clear()
    assert 'value="1931"' in render(source, d="3", m="11", y="1931")
    assert "1931" not in held_text()


def test_an_error_message_quoting_what_was_typed_is_not_kept():
    cache().clear()
    html = render(
        '{% from "nhsuk/components/input/macro.jinja" import input %}'
        "{{ input({'label': {'text': 'Postcode'}, 'id': 'p', 'name': 'p', 'value': '',"
        " 'errorMessage': {'text': message}}) }}",
        message="'12 Larkspur Mews' is not a postcode",
    )
    assert "Larkspur" in html
    assert "Larkspur" not in held_text()


def test_options_with_conditional_html_are_not_kept():
    cache().clear()
    html = render(
        '{% from "nhsuk/components/radios/macro.jinja" import radios %}'
        "{{ radios({'name': 'how', 'items': [{'value': 'phone', 'text': 'Phone',"
        " 'conditional': {'html': reveal}}]}) }}",
        reveal=Markup(f'<input name="phone" value="{PHONE}">'),
    )
    assert PHONE in html
    assert not [k for k in cache().entries if k[0] == "radios"]
    assert PHONE not in held_text()


def test_contact_details_in_an_allowed_component_are_not_kept():
    """The consent form's checkbox hint reads "To 07700 900456": a checkbox, but not structure."""
    cache().clear()
    source = (
        '{% from "nhsuk/components/checkboxes/macro.jinja" import checkboxes %}'
        "{{ checkboxes({'name': 'texts', 'items': [{'value': 'on', 'text': 'Texts',"
        " 'hint': {'text': 'To ' ~ to}}]}) }}"
    )
    for to in [formatted_phone(PHONE), EMAIL, POSTCODE, "no number yet"]:
        assert to in render(source, to=to)
    assert list(cache().entries) and "no number yet" in held_text()
    for to in [formatted_phone(PHONE), EMAIL, POSTCODE]:
        assert to not in held_text()


def test_a_button_carrying_a_secret_link_is_not_kept():
    cache().clear()
    source = (
        '{% from "nhsuk/components/button/macro.jinja" import button %}'
        "{{ button({'text': 'Carry on with the questions', 'href': href}) }}"
    )
    token = "aB3" + secrets.token_urlsafe(32)
    assert token in render(source, href=f"/q/{token}/")
    assert token not in held_text()
    render(source, href="/find/")
    assert [k for k in cache().entries if k[0] == "button"]


def test_lookalikes_of_personal_details_tell_structure_apart():
    def keep(component, params):
        texts = []
        lw_jinja._freeze(params, texts)
        return lw_jinja._keepable(component, params, texts)

    assert keep("tag", {"text": "Overdue by 12 days", "classes": "nhsuk-tag--red"})
    for structure in ["For example, 15 3 2026", "nhsuk-fieldset__legend--s", "Within 10 miles"]:
        assert keep("hint", {"text": structure, "classes": "nhsuk-u-margin-bottom-0"}), structure
    uuid = "f348584e-b279-4468-abbe-c2f4b3552f40"  # a record's key in a link: not a token
    assert keep("button", {"text": "Record contact", "href": f"/cases/{uuid}/contacts/new/"})
    for personal in ["943 476 5919", "07700 900456", "+44 7700 900456", "a@b.example", "nn1 1aa"]:
        assert not keep("hint", {"text": f"To {personal}"}), personal


# --- What the cache is for -----------------------------------------------------------------


def test_find_form_option_lists_and_button_are_kept_and_served_from_the_cache(client):
    cache().clear()
    url = reverse("directory:find")
    first = body(client.get(url))
    kept = {k[0] for k in cache().entries}
    assert {"checkboxes", "select", "button", "input", "footer"} <= kept
    needs = [k for k in cache().entries if k[0] == "checkboxes" and "'needs'" in repr(k)]
    days = [k for k in cache().entries if k[0] == "checkboxes" and "'days'" in repr(k)]
    assert needs and days
    # The next visitor's page is made from what was kept: mark the kept HTML and see it.
    for key in [*needs, *days]:
        html = str(cache().entries[key])
        assert html.count('class="nhsuk-checkboxes"') == 1
        cache().entries[key] = Markup(html.replace('class="nhsuk-checkboxes"', 'class="kept"'))
    marked = body(client.get(url))
    assert marked.count('class="kept"') == len(needs) + len(days) == 2
    assert marked.replace('class="kept"', 'class="nhsuk-checkboxes"') == first


def test_kept_components_are_byte_identical_to_rendering_them_afresh(client, monkeypatch):
    url = reverse("directory:find")
    search = url + "?needs=loneliness&days=mon&free_only=on"
    cache().clear()
    monkeypatch.setattr(cache(), "size", 0)
    uncached = [body(client.get(url)), body(client.get(search))]
    assert cache().entries == {}
    monkeypatch.setattr(cache(), "size", lw_jinja.COMPONENT_CACHE_SIZE)
    cold = [body(client.get(url)), body(client.get(search))]
    warm = [body(client.get(url)), body(client.get(search))]
    assert cold == uncached and warm == uncached
    assert [k for k in cache().entries if k[0] == "checkboxes"]
