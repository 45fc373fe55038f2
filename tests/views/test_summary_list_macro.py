"""referrals/_summary_list.jinja renders a summary list byte for byte as the NHS.UK macro
does, for the rows it takes (a key's text; a value's text or HTML)."""

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

TEMPLATE = """{% from "nhsuk/components/summary-list/macro.jinja" import summaryList as nhsuk %}
{%- from "referrals/_summary_list.jinja" import summaryList as ours -%}
{{ nhsuk(params) }}\x00{{ ours(params) }}"""

# Text as people type it: line breaks of every kind, indents, blank lines, HTML's own
# characters and the odd Unicode space (what `trim` and `indent` treat specially).
text = st.text(
    alphabet=st.sampled_from(list("ab <>&\"'\n\r\t ") + ["\u2028", "\x85", "\xa0", "é"]),
    max_size=30,
)


def both(params) -> tuple[str, str]:
    template = engines["jinja2"].env.from_string(TEMPLATE)
    nhsuk, ours = template.render(params=params).split("\x00")
    return nhsuk, ours


def test_the_rows_a_referral_shows():
    params = {
        "rows": [
            {"key": {"text": "Reference"}, "value": {"text": "K7QM-3XPD"}},
            {
                "key": {"text": "Contact"},
                "value": {"html": Markup("07700 900123<br>Prefers: phone")},
            },
            {"key": {"text": "Context"}, "value": {"text": ""}},
            {
                "key": {"text": "Context"},
                "value": {"html": Markup('<div class="lw-pre">a\n b\n\n</div>')},
            },
        ]
    }
    nhsuk, ours = both(params)
    assert "K7QM-3XPD" in ours
    assert ours == nhsuk


def test_no_rows():
    for params in ({"rows": []}, {}):
        nhsuk, ours = both(params)
        assert ours == nhsuk


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(text, text, st.booleans()),
        max_size=4,
    )
)
def test_any_text_and_html(rows):
    params = {
        "rows": [
            {"key": {"text": key}, "value": {"html": Markup(value)} if html else {"text": value}}
            for key, value, html in rows
        ]
    }
    nhsuk, ours = both(params)
    assert ours == nhsuk
