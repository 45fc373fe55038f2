"""Templates are compiled once per process and NHS.UK components rendered once per distinct
parameters (config/jinja2.py), without changing a byte of any page or ever showing stale HTML."""

import re
from html import unescape

import pytest
from django.template import engines
from django.urls import reverse
from jinja2 import FileSystemLoader
from jinja2.filters import do_indent
from markupsafe import Markup

from config import jinja2 as lw_jinja
from referrals.models import Need
from tests import factories

pytestmark = pytest.mark.django_db


def env():
    return engines["jinja2"].env


def body(response) -> str:
    assert response.status_code == 200
    # The CSP nonce and the CSRF token are new on every request; nothing else may differ.
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def needs_group(response) -> str:
    """The find form's "What would help" checkboxes, as the page shows them."""
    html = unescape(response.content.decode())
    start = html.index('name="needs"') - 2000
    return html[start : html.index("Days you are free")]


# --- Compiled once -------------------------------------------------------------------------


def test_templates_not_reloaded_or_recompiled_per_request_with_debug_off(
    client, settings, monkeypatch
):
    assert settings.DEBUG is False
    assert env().auto_reload is False
    first = env().get_template("directory/find.jinja")
    assert env().get_template("directory/find.jinja") is first
    client.get(reverse("directory:find"))  # anything not yet compiled, compiled now
    compiled = []
    original = env().compile
    monkeypatch.setattr(env(), "compile", lambda *a, **kw: compiled.append(a) or original(*a, **kw))
    client.get(reverse("directory:find"))
    client.get(reverse("directory:find"), {"q": "walking"})
    assert compiled == []
    assert env().get_template("directory/find.jinja") is first


@pytest.mark.parametrize("debug", [False, True])
def test_environment_reloads_changed_templates_only_in_development(settings, debug):
    settings.DEBUG = debug
    built = lw_jinja.environment(loader=FileSystemLoader([]))
    assert built.auto_reload is debug


# --- No stale HTML -------------------------------------------------------------------------


def test_find_form_options_follow_the_needs_table(client):
    url = reverse("directory:find")
    before = needs_group(client.get(url))
    assert "Choir practice" not in before
    need = Need.objects.create(code="choir-practice", label="Choir practice", position=99)
    added = needs_group(client.get(url))
    assert 'value="choir-practice"' in added and "Choir practice" in added
    need.label = "Singing together"
    need.save()
    renamed = needs_group(client.get(url))
    assert "Singing together" in renamed and "Choir practice" not in renamed
    need.active = False
    need.save()
    assert needs_group(client.get(url)) == before


def test_find_form_selection_is_not_carried_to_the_next_visitor(client):
    url = reverse("directory:find")
    checked = needs_group(client.get(url, {"needs": "loneliness"}))
    assert re.search(r'value="loneliness"\s+checked', checked)
    empty = needs_group(client.get(url))
    assert 'value="loneliness"' in empty
    assert not re.search(r'value="loneliness"\s+checked', empty)
    assert " checked" not in empty


def test_error_message_shown_then_gone(client):
    url = reverse("directory:find")
    wrong = unescape(client.get(url, {"postcode": "nonsense"}).content.decode())
    assert "is not a postcode" in wrong and "nhsuk-form-group--error" in wrong
    right = unescape(client.get(url).content.decode())
    assert "is not a postcode" not in right and "nhsuk-form-group--error" not in right


# --- The same HTML as without the cache ----------------------------------------------------


def _pages(client, team_lead, link_worker, active_referral):
    anonymous = [
        reverse("directory:find"),
        reverse("directory:find") + "?needs=loneliness&days=mon&free_only=on",
        reverse("directory:find") + "?postcode=nonsense&age=x",
        reverse("directory:find") + "?q=befriending",
    ]
    staff = [
        (team_lead, reverse("referrals:triage")),
        (link_worker, reverse("casework:caseload")),
        (link_worker, reverse("casework:case", args=[active_referral.pk])),
    ]
    pages = []
    for url in anonymous:
        client.logout()
        pages.append(body(client.get(url)))
    for user, url in staff:
        client.force_login(user)
        pages.append(body(client.get(url)))
    return pages


def test_pages_identical_with_and_without_the_component_cache(
    client, team_lead, link_worker, active_referral, area, referrer, service, monkeypatch
):
    factories.referral(by=referrer, service=service)  # one awaiting triage
    factories.activity(area=area, name="Befriending calls", needs=("loneliness",))
    cache = env().component_cache
    cache.clear()
    monkeypatch.setattr(cache, "size", 0)  # every component rendered afresh, nothing kept
    uncached = _pages(client, team_lead, link_worker, active_referral)
    assert cache.entries == {}
    monkeypatch.setattr(cache, "size", lw_jinja.COMPONENT_CACHE_SIZE)
    cold = _pages(client, team_lead, link_worker, active_referral)
    assert cache.entries  # kept this time
    warm = _pages(client, team_lead, link_worker, active_referral)
    assert cold == uncached
    assert warm == uncached


# --- The cache itself ----------------------------------------------------------------------


def test_key_tells_apart_values_that_render_differently():
    freeze = lw_jinja._freeze
    assert freeze(True) != freeze(1)
    assert freeze(1) != freeze(1.0)
    assert freeze(Markup("<b>x</b>")) != freeze("<b>x</b>")
    assert freeze({"a": [1, "b"]}) == freeze({"a": [1, "b"]})
    assert freeze({"a": [1, "b"]}) != freeze({"a": [1, "c"]})
    with pytest.raises(lw_jinja.Uncacheable):
        freeze({"items": [object()]})


def test_parameters_that_are_not_plain_data_are_rendered_every_time():
    class Changing:
        def __init__(self):
            self.n = 0

        def __str__(self):
            self.n += 1
            return f"call {self.n}"

    template = env().from_string(
        '{% from "nhsuk/components/tag/macro.jinja" import tag %}{{ tag({"text": label}) }}'
    )
    label = Changing()
    assert "call 1" in template.render(label=label)
    assert "call 2" in template.render(label=label)


def test_call_blocks_are_rendered_every_time():
    # A fieldset is cached when called plainly; inset text, never cached at all, would not
    # show that a {% call %} goes round the cache.
    template = env().from_string(
        '{% from "nhsuk/components/fieldset/macro.jinja" import fieldset %}'
        '{% call fieldset({"legend": {"text": "Which?"}}) %}Number {{ n }}{% endcall %}'
    )
    assert "Number 1" in template.render(n=1)
    assert "Number 2" in template.render(n=2)


def test_header_is_never_cached(client, link_worker):
    env().component_cache.clear()
    client.force_login(link_worker)
    client.get(reverse("casework:caseload"))
    assert not [key for key in env().component_cache.entries if key[0] == "header"]
    assert [key for key in env().component_cache.entries if key[0] == "footer"]


def test_least_recently_used_entries_go_first():
    cache = lw_jinja.ComponentCache(size=2)
    calls = []

    def macro(params):
        calls.append(params["text"])
        return Markup(params["text"])

    for text in ["a", "b", "a", "c", "a", "b"]:
        assert cache.render("tag", macro, {"text": text}) == text
    # "a" kept as it was used; "b" went when "c" came, so it is rendered again.
    assert calls == ["a", "b", "c", "b"]
    assert len(cache.entries) == 2


def test_memory_is_bounded_by_the_html_held():
    cache = lw_jinja.ComponentCache(size=100, chars=10)
    for text in ["aaaa", "bbbb", "cccc", "dddd"]:
        cache.render("tag", Markup, text)
    assert list(cache.entries.values()) == ["cccc", "dddd"]
    assert cache.held == 8
    cache.render("tag", Markup, "x" * 11)  # larger than the whole budget: not kept
    assert cache.entries == {} and cache.held == 0


@pytest.mark.parametrize(
    "text",
    [
        Markup("<div>\n\n  <b>&amp;</b>\n</div>\n"),
        Markup("one line"),
        Markup(""),
        Markup("a\r\nb\rc\u2028d\n\n"),
        "x < y\n\nz & w\n",
        "",
    ],
)
@pytest.mark.parametrize("width", [0, 2, 4, "  ", "<>", Markup("&lt;")])
@pytest.mark.parametrize("first", [False, True])
@pytest.mark.parametrize("blank", [False, True])
def test_indent_filter_gives_what_jinjas_gives(text, width, first, blank):
    """Templates use ours (cheap on HTML, config/jinja2.py): the text must be Jinja's."""
    assert env().filters["indent"] is lw_jinja.indent
    ours = lw_jinja.indent(text, width, first, blank)
    jinjas = do_indent(text, width, first, blank)
    assert ours == jinjas
    assert type(ours) is type(jinjas)
