"""The two pages an outside accessibility test failed, checked with axe with no exceptions:
the triage decision (aria-allowed-attr: aria-expanded on radios) and Figures → Costs on a
phone (scrollable-region-focusable: a table that scrolls sideways but cannot be focused)."""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reporting import actions as reporting
from reporting.models import UnitCost
from tests.browser.conftest import AXE
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def assert_no_axe_violations(page):
    """Every axe violation fails, including the design system's aria-expanded on radios (which
    conftest's assert_accessible once let through; it no longer does)."""
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    violations = [
        {"id": v["id"], "nodes": [(n["target"], n["html"][:200]) for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert violations == [], f"{page.url}\n{json.dumps(violations, indent=2)}"


def test_triage_decision_has_no_axe_violations_in_any_state(page, team_lead, referral):
    sign_in(page, team_lead)
    page.goto(f"/referrals/{referral.pk}/triage/")
    reason = page.get_by_role("group", name="Why are you declining it?")
    service = page.get_by_label("Which service are you redirecting them to?")
    expect(reason).to_be_hidden()
    expect(service).to_be_hidden()
    assert_no_axe_violations(page)

    # Each follow-up question appears once its answer is chosen, and axe is still clean.
    page.get_by_label("Decline").check()
    expect(reason).to_be_visible()
    expect(service).to_be_hidden()
    assert_no_axe_violations(page)
    page.get_by_label("Redirect to another service").check()
    expect(service).to_be_visible()
    expect(reason).to_be_hidden()
    assert_no_axe_violations(page)
    assert page.locator("input[type=radio][aria-expanded]").count() == 0

    # Declining without a reason: the error is shown beside the (visible) question.
    page.get_by_label("Decline").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(reason).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Needs clinical care first").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(f"Referral for {referral.person.full_name} declined.")).to_be_visible()


def test_costs_table_scrolls_sideways_on_a_phone_and_passes_axe(page, commissioner):
    reporting.add_unit_cost(
        by=commissioner,
        item=UnitCost.Item.GP_CONSULTATION,
        amount=Decimal("42.00"),
        source="Unit Costs of Health and Social Care 2024 (PSSRU), table 10.3b, per surgery "
        "consultation lasting 9.22 minutes, including direct care staff costs",
        price_year="2024/25",
        valid_from=date(2024, 4, 1),
    )
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, commissioner)
    page.goto("/figures/settings/")
    expect(
        page.get_by_role("heading", level=1, name="Costs, investment and population")
    ).to_be_visible()
    scroller = page.locator(".lw-table-scroll").first
    # The check is only meaningful if the table really overflows its container here.
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    assert_no_axe_violations(page)
    expect(page.get_by_role("region", name=re.compile("Unit costs"))).to_have_attribute(
        "tabindex", "0"
    )


def test_every_sideways_scrolling_table_can_be_reached_by_keyboard():
    """Any `lw-table-scroll` container (overflow-x: auto) must be focusable and named, so the
    Costs page's mistake cannot come back on another page."""
    opening = re.compile(r"<div\b[^>]*\blw-table-scroll\b[^>]*>")
    found = []
    for template in ROOT.glob("*/templates/**/*.jinja"):
        for tag in opening.findall(template.read_text()):
            found.append(tag)
            assert 'tabindex="0"' in tag and 'role="region"' in tag and "aria-label=" in tag, (
                f"{template.relative_to(ROOT)}: {tag}"
            )
    assert len(found) >= 3
