"""Who sees which figures, how small numbers are protected, and that every CSV download is
exactly the table on the screen."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from reporting import refresh
from tests import factories

pytestmark = pytest.mark.django_db
DASHBOARDS = ["reporting:dashboard", "reporting:outcomes", "reporting:value", "reporting:equity"]


@pytest.fixture
def county(area, service, referrer, other_practice_referrer, other_area_link_worker):
    """Our service: 12 referrals from one practice and 3 from another. A second service in
    the same area: 9. Another area: 5."""
    second_service = factories.service(area)
    people = []
    for _ in range(12):
        people.append(factories.referral(by=referrer, service=service))
    for _ in range(3):
        people.append(factories.referral(by=other_practice_referrer, service=service))
    for _ in range(9):
        factories.referral(by=referrer, service=second_service)
    elsewhere = other_area_link_worker.organisation
    far_practice = factories.practice(elsewhere.area)
    far_referrer = factories.user(organisation=far_practice, role="referrer")
    for _ in range(5):
        factories.referral(by=far_referrer, service=elsewhere)
    refresh.rebuild_all()
    return {"people": [r.person for r in people], "second_service": second_service}


def tables(html: str) -> dict[str, list[list[str]]]:
    """Each figures table on the page as rows of cell texts, keyed by its data-table."""
    found = {}
    for key, body in re.findall(r'data-table="([^"]+)">(.*?)</table>', html, re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
        found[key] = rows
    return found


def row(table, label):
    return next(r for r in table if r[0] == label)


def test_a_link_worker_sees_their_own_service_exactly(client, link_worker, county, practice):
    client.force_login(link_worker)
    page = tables(client.get(reverse("reporting:dashboard")).content.decode())
    total = row(page["by-month"], "Total")
    assert total[1] == "15"  # never the other service's 9 or the other area's 5
    assert row(page["by-practice"], practice.name)[1] == "12"
    other = next(r for r in page["by-practice"][1:-1] if r[0] != practice.name)
    assert other[1] == "3"  # exact inside the service


def test_a_link_worker_cannot_widen_the_scope_with_parameters(client, link_worker, county):
    client.force_login(link_worker)
    second = county["second_service"]
    response = client.get(reverse("reporting:dashboard"), {"service": second.pk, "area": "x"})
    assert row(tables(response.content.decode())["by-month"], "Total")[1] == "15"


def test_shared_view_suppresses_what_service_staff_see_exactly(client, team_lead, county):
    client.force_login(team_lead)
    page = tables(client.get(reverse("reporting:dashboard"), {"share": "on"}).content.decode())
    practices = page["by-practice"][1:-1]
    # 3 is hidden; with the total of 15 shown, 12 would give it away: hidden too.
    assert sorted(r[1] for r in practices) == ["*", "<8"]
    assert row(page["by-practice"], "Total")[1] == "15"
    # Accepted/declined columns are all 0 here: nothing to hide there.
    assert row(page["by-practice"], "Total")[2] == "0"


def test_a_commissioner_sees_their_area_suppressed_and_never_a_person(
    client, commissioner, county, practice
):
    client.force_login(commissioner)
    for name in DASHBOARDS:
        response = client.get(reverse(name))
        assert response.status_code == 200
        html = response.content.decode()
        for person in county["people"]:
            # The whole name: a family name such as "Chan" is also the start of "Change".
            assert f"{person.given_name} {person.family_name}" not in html
            assert person.nhs_number not in html
    page = tables(client.get(reverse("reporting:dashboard")).content.decode())
    # 15 + 9 in the area (never the other area's 5), rounded to the nearest 5.
    assert row(page["by-month"], "Total")[1] == "25"
    by_practice = page["by-practice"][1:-1]
    # 21 and 3 with a total of 24: the 3 is hidden, and the 21 with it (secondary).
    assert sorted(r[1] for r in by_practice) == ["*", "<8"]


def test_a_commissioner_filter_outside_their_area_is_refused(
    client, commissioner, county, other_area_link_worker
):
    client.force_login(commissioner)
    far = factories.practice(other_area_link_worker.organisation.area)
    response = client.get(reverse("reporting:dashboard"), {"practice": far.pk})
    html = response.content.decode()
    assert "Choose a GP practice in this area from the list" in html
    assert "data-table=" not in html  # no figures for a scope they may not see


def test_bad_dates_are_named_and_nothing_is_shown(client, commissioner, county):
    client.force_login(commissioner)
    html = client.get(
        reverse("reporting:dashboard"), {"start": "2026-06", "end": "2026-01"}
    ).content.decode()
    assert "The end month must be the same as or after the start month" in html
    assert "data-table=" not in html
    html = client.get(reverse("reporting:outcomes"), {"measure": "iq"}).content.decode()
    assert "Choose a measure from the list" in html


def test_only_national_analysts_see_england(client, commissioner, national, county):
    client.force_login(commissioner)
    assert client.get(reverse("reporting:england")).status_code == 403
    client.force_login(national)
    page = tables(client.get(reverse("reporting:england")).content.decode())
    assert row(page["areas"], "England")[1] == "30"  # 29 referrals, rounded
    html = client.get(reverse("reporting:dashboard")).content.decode()
    assert "England, " in html and "data-table=" in html


@pytest.mark.parametrize("persona", ["team_lead", "commissioner"])
@pytest.mark.parametrize("name", DASHBOARDS)
def test_every_csv_download_is_the_table_on_the_screen(client, request, county, persona, name):
    client.force_login(request.getfixturevalue(persona))
    shown = tables(client.get(reverse(name)).content.decode())
    assert shown
    for key, rows in shown.items():
        response = client.get(reverse(name), {"download": key})
        assert response["Content-Type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(response.content.decode()))) == rows, key
        disposition = response["Content-Disposition"]
        assert ("not-for-sharing" in disposition) == (persona == "team_lead")


def test_an_unknown_table_is_not_found(client, commissioner, county):
    client.force_login(commissioner)
    assert client.get(reverse("reporting:dashboard"), {"download": "nope"}).status_code == 404


def test_people_without_figures_permission_are_refused(
    client, referrer, provider, directory_editor
):
    for user in (referrer, provider, directory_editor):
        client.force_login(user)
        for name in DASHBOARDS:
            assert client.get(reverse(name)).status_code == 403


def test_dashboard_queries_do_not_grow_with_the_data(
    client, commissioner, county, referrer, service, django_assert_max_num_queries
):
    client.force_login(commissioner)
    counts = {}
    for round_ in range(2):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            for name in DASHBOARDS:
                client.get(reverse(name))
        counts[round_] = len(queries)
        for _ in range(20):  # more referrals from more practices
            factories.referral(
                by=factories.user(organisation=factories.practice(service.area), role="referrer"),
                service=service,
            )
        refresh.rebuild_all()
    assert counts[1] == counts[0]
