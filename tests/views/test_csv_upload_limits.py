"""Every CSV upload has a largest size and a most rows (issue 13): past them the form says
so and nothing is kept; a file that cannot be read is a form error, never a server error."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outcomes.healthcare_use import IMPORT_COLUMNS, MAX_IMPORT_ROWS
from outcomes.models import HealthcareUse
from referrals import bulk
from referrals.models import BulkUpload

pytestmark = pytest.mark.django_db
REFERRALS = ",".join(bulk.COLUMNS)
NHS_USE = ",".join(IMPORT_COLUMNS)
ROW = "9449305552,Ann,Lee,1950-02-03,NN1 5BD,07700 900123,,phone,yes,no,loneliness,,yes"


def post(client, url, content: bytes, name="file.csv"):
    return client.post(reverse(url), {"file": SimpleUploadedFile(name, content)})


def text(response) -> str:
    return unescape(response.content.decode())


def test_a_bulk_upload_with_too_many_rows_is_refused_and_not_kept(client, referrer, service):
    client.force_login(referrer)
    content = "\n".join([REFERRALS, *[ROW] * (bulk.MAX_ROWS + 1)]).encode()
    response = post(client, "referrals:uploads", content)
    assert response.status_code == 200
    assert f"more than {bulk.MAX_ROWS:,} rows: split it into several" in text(response)
    assert not BulkUpload.objects.exists()


def test_a_bulk_upload_at_the_row_limit_is_taken(client, referrer, service):
    client.force_login(referrer)
    content = "\n".join([REFERRALS, *[ROW] * bulk.MAX_ROWS]).encode()
    response = post(client, "referrals:uploads", content)
    assert response.status_code == 302 and BulkUpload.objects.count() == 1


def test_a_bulk_upload_larger_than_the_setting_is_refused(client, referrer, service, settings):
    settings.CSV_UPLOAD_MAX_BYTES = 100 * 1024
    client.force_login(referrer)
    content = "\n".join([REFERRALS, *[ROW] * 1500]).encode()
    response = post(client, "referrals:uploads", content)
    assert "The file must be smaller than 100 KB" in text(response)
    assert not BulkUpload.objects.exists()


def test_a_bulk_upload_with_a_huge_value_is_refused_not_kept(client, referrer, service):
    client.force_login(referrer)
    content = f"{REFERRALS}\n{ROW[:-3]}{'x' * 200_000},yes\n".encode()
    response = post(client, "referrals:uploads", content)
    assert response.status_code == 200
    assert "Line 2 has a value longer than 131,072 characters" in text(response)
    assert not BulkUpload.objects.exists()


def test_nhs_use_with_too_many_rows_is_refused_and_nothing_imported(client, team_lead):
    client.force_login(team_lead)
    content = "\n".join([NHS_USE, *["9449305552,,1,0,,"] * (MAX_IMPORT_ROWS + 1)]).encode()
    response = post(client, "reporting:import_use", content)
    assert response.status_code == 200
    assert f"more than {MAX_IMPORT_ROWS:,} rows: split it into several" in text(response)
    assert not HealthcareUse.objects.exists()


def test_nhs_use_with_a_huge_value_is_a_form_error_not_a_500(client, team_lead):
    client.force_login(team_lead)
    content = f"{NHS_USE}\n9449305552,{'x' * 200_000},1,0,,\n".encode()
    response = post(client, "reporting:import_use", content)
    assert response.status_code == 200
    assert "longer than 131,072 characters" in text(response)


def test_nhs_use_with_old_mac_line_ends_is_read_not_a_500(client, team_lead):
    client.force_login(team_lead)
    response = post(client, "reporting:import_use", f"{NHS_USE}\r9449305552,,1,0,,\r".encode())
    assert response.status_code == 200
    assert "Nobody with this NHS number has been referred to your service" in text(response)
