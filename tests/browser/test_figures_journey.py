"""Given a year of referrals, when a commissioner and a national analyst look at the
figures, then every dashboard renders with its charts, tables and CSV downloads, the
filters work (and say what is wrong), and every page passes axe."""

import csv
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from core.dates import add_months
from core.permissions import Role
from directory.models import Service
from geography.models import Postcode
from nonprod import history
from nonprod.bulk_rows import RowWriter
from organisations.actions import create_area, create_organisation
from referrals.models import DischargeReason, Need
from reporting import refresh
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DASHBOARDS = ["Service", "Outcomes", "NHS use and value", "Equity"]


@pytest.fixture
def figures(area, service, team_lead):
    rng = random.Random(11)
    today = timezone.localdate()
    practices = [factories.practice(area).pk for _ in range(4)]
    workers = [factories.user(organisation=service, role="link_worker").pk for _ in range(3)]
    provider = factories.provider_org(area)
    for i in range(3):
        factories.activity(area=area, name=f"Group {i}", owner=provider)
    rows = history.postcodes_for(["NN1", "NN2", "NN3"], rng, per_district=10)
    Postcode.objects.bulk_create([Postcode(**r) for r in rows], ignore_conflicts=True)
    cast = history.Cast(
        area_id=area.pk,
        service_id=service.pk,
        lead_id=team_lead.pk,
        practices=practices,
        workers=workers,
        activities=list(
            Service.objects.filter(area=area).values_list("id", "organization__owner_id")
        ),
        needs=dict(Need.objects.exclude(code="other").values_list("code", "id")),
        reasons=dict(DischargeReason.objects.values_list("code", "id")),
        postcodes=[r["code"] for r in rows],
        open_workers=workers,
    )
    with transaction.atomic():  # rows are written children first; keys checked at commit
        history.write(
            cast,
            count=240,
            first=add_months(today, -14),
            last=today - timedelta(days=3),
            today=today,
            rng=rng,
            writer=RowWriter(),
            numbers=history.nhs_numbers(rng, set()),
        )
    refresh.rebuild_all()
    return area


def test_a_commissioner_reads_every_dashboard_filters_and_downloads(page, figures):
    commissioner = factories.user(
        organisation=factories.commissioner_org(figures), role=Role.COMMISSIONER
    )
    sign_in(page, commissioner)
    page.get_by_role("link", name="Figures").first.click()
    for name in DASHBOARDS:
        tabs = page.get_by_role("navigation", name="Dashboards")
        if name != "Service":
            tabs.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1, name=re.compile(name))).to_be_visible()
        expect(page.locator("figure svg").first).to_be_visible()
        expect(page.locator("table.lw-figures").first).to_be_visible()
        assert "Small numbers are suppressed" in page.content()
        assert_accessible(page)

    # A filter that cannot be: the error is summarised and linked to its field.
    page.get_by_role("navigation", name="Dashboards").get_by_role("link", name="Service").click()
    options = page.get_by_label("From", exact=True).locator("option")
    page.get_by_label("From", exact=True).select_option(options.nth(0).get_attribute("value"))
    page.get_by_label("To", exact=True).select_option(options.nth(3).get_attribute("value"))
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("end month must be"))).to_be_visible()
    assert_accessible(page)

    # One practice: the figures narrow to it and the page says so.
    page.get_by_label("To", exact=True).select_option(options.nth(0).get_attribute("value"))
    page.get_by_label("From", exact=True).select_option(options.nth(11).get_attribute("value"))
    practice = page.get_by_label("GP practice", exact=True).locator("option").nth(1)
    practice_name = practice.text_content().strip()
    page.get_by_label("GP practice", exact=True).select_option(practice.get_attribute("value"))
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".lw-scope")).to_contain_text(practice_name)
    assert_accessible(page)

    # Every table downloads as the CSV of what is shown.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download “Referrals by month” as CSV")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0][:3] == ["Month received", "Received", "Accepted"]
    total = page.locator("#table-by-month tr.lw-figures__total td").first.text_content()
    assert ["Total", total.strip()] == [r for r in rows if r[0] == "Total"][0][:2]


def test_a_national_analyst_compares_areas_and_opens_one(page, figures, national):
    sign_in(page, national)
    page.goto("/figures/england/")
    expect(page.get_by_role("heading", level=1, name=re.compile("England"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(figures.name))).to_be_visible()
    assert_accessible(page)
    for name in DASHBOARDS:
        page.get_by_role("navigation", name="Dashboards").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1, name=re.compile(name))).to_be_visible()
        assert_accessible(page)
    # Finer filters appear once an area is chosen.
    expect(page.get_by_label("GP practice", exact=True)).to_have_count(0)
    page.get_by_label("Area", exact=True).select_option(label=figures.name)
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".lw-scope")).to_contain_text(figures.name)
    expect(page.get_by_label("GP practice", exact=True)).to_be_visible()
    assert_accessible(page)


@pytest.fixture
def national(db):
    england = create_area(by=None, name="England", code="E92000001")
    organisation = create_organisation(by=None, area=england, kind="national", name="NHS England")
    return factories.user(organisation=organisation, role=Role.NATIONAL)
