"""Every CSV download goes through core.csv_safe (issue 13): a name typed as a formula
arrives in the spreadsheet as text."""

import csv
import io

import pytest
from django.urls import reverse

from core import csv_safe
from reporting import actions as reporting_actions
from reporting import refresh
from tests import factories

pytestmark = pytest.mark.django_db
ATTACK = "=cmd|' /C calc'!A0"


@pytest.fixture
def written(monkeypatch):
    """Every cell that passes through the safe writer."""
    cells = []
    real = csv_safe.neutralise

    def spy(value):
        cells.append(value)
        return real(value)

    monkeypatch.setattr(csv_safe, "neutralise", spy)
    return cells


def content(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def formula_practice(area, service, team_lead):
    """A practice whose name is a formula, with a referral to our service."""
    practice = factories.practice(area, name=ATTACK)
    referrer = factories.user(organisation=practice, role="referrer")
    factories.referral(by=referrer, service=service)
    refresh.rebuild_all()
    return practice


def test_a_dashboard_download_neutralises_a_formula_name(client, team_lead, formula_practice):
    client.force_login(team_lead)
    response = client.get(reverse("reporting:dashboard"), {"download": "by-practice"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(content(response))))
    assert ["'" + ATTACK] in [row[:1] for row in rows], rows
    assert not [row for row in rows if row and row[0].startswith("=")]


def download_cases():
    def dashboard(request):
        request.getfixturevalue("formula_practice")
        return "team_lead", reverse("reporting:dashboard"), {"download": "by-month"}

    def extract(request):
        lead = request.getfixturevalue("team_lead")
        recipient = reporting_actions.add_extract_recipient(
            by=lead, name="Evaluators", purpose="Evaluation", agreement_reference="DSA-1"
        )
        return "team_lead", reverse("reporting:extract_download", args=[recipient.pk]), {}

    return {
        "referrals template": lambda r: ("referrer", reverse("referrals:upload_template"), {}),
        "GP and A&E use template": lambda r: (
            "team_lead",
            reverse("reporting:import_use_template"),
            {},
        ),
        "dashboard table": dashboard,
        "pseudonymised extract": extract,
    }


@pytest.mark.parametrize("name", list(download_cases()))
def test_each_download_endpoint_uses_the_safe_writer(client, request, written, name):
    persona, url, params = download_cases()[name](request)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = content(response)
    header = next(csv.reader(io.StringIO(body)))
    assert header and all(cell in written for cell in header), (header, written[:10])


def test_export_directory_uses_the_safe_writer(area, tmp_path, written):
    from django.core.management import call_command

    factories.activity(area=area, name="Walk")
    call_command("export_directory", area=area.code, format="csv", output=str(tmp_path / "x.csv"))
    assert "Walk" in written
