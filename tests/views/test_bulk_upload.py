"""A CSV of referrals: every row checked, every problem named by line, all or nothing."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referrals.bulk import COLUMNS
from referrals.models import BulkUpload, Referral
from tests import factories

pytestmark = pytest.mark.django_db
HEADER = ",".join(COLUMNS)


def page(response):
    return unescape(response.content.decode())


def row(nhs=None, **changes):
    values = {
        "nhs_number": nhs if nhs is not None else factories.valid_nhs_number(),
        "given_name": "Ann",
        "family_name": "Lee",
        "date_of_birth": "1950-02-03",
        "postcode": "NN1 5BD",
        "phone": "07700 900123",
        "email": "",
        "preferred_contact": "phone",
        "texts_allowed": "yes",
        "emails_allowed": "no",
        "needs": "loneliness;carer",
        "context": "Looks after her husband",
        "consent_to_contact": "yes",
    }
    values.update(changes)
    return ",".join(values[c] for c in COLUMNS)


def upload(client, text, name="referrals.csv"):
    return client.post(
        reverse("referrals:uploads"), {"file": SimpleUploadedFile(name, text.encode())}
    )


def test_a_good_file_makes_every_referral(client, referrer, service, run_tasks):
    client.force_login(referrer)
    response = upload(client, "\n".join([HEADER, row(), row(given_name="Bob")]))
    made = BulkUpload.objects.get()
    assert response["Location"] == reverse("referrals:upload", args=[made.pk])
    assert "Checking" in page(client.get(response["Location"])) or made.status == "queued"
    run_tasks()
    made.refresh_from_db()
    assert made.status == "done" and made.created_count == 2
    referrals = Referral.objects.all()
    assert {r.source for r in referrals} == {"bulk"}
    assert {r.referring_organisation for r in referrals} == {referrer.organisation}
    assert "2 referrals made" in page(client.get(reverse("referrals:upload", args=[made.pk])))


def test_one_bad_row_and_nothing_is_imported_with_every_problem_named(
    client, referrer, service, run_tasks
):
    client.force_login(referrer)
    duplicate = factories.valid_nhs_number()
    lines = [
        HEADER,
        row(),
        row(nhs="1234567890"),
        row(date_of_birth="yesterday", needs="flying"),
        row(nhs=duplicate),
        row(nhs=duplicate, given_name="Same"),
        row(consent_to_contact="no", postcode="X"),
    ]
    upload(client, "\n".join(lines))
    run_tasks()
    made = BulkUpload.objects.get()
    assert made.status == "rejected" and not Referral.objects.exists()
    found = {(p["line"], p["field"]) for p in made.problems}
    assert {(3, "nhs_number"), (4, "date_of_birth"), (4, "needs"), (6, "nhs_number"),
            (7, "consent_to_contact"), (7, "postcode")} <= found  # fmt: skip
    body = page(client.get(reverse("referrals:upload", args=[made.pk])))
    assert "Nothing was imported" in body and "'flying' is not a reason for referral" in body


def test_a_person_already_referred_stops_the_whole_file(client, referrer, service, run_tasks):
    existing = factories.referral(by=referrer, service=service)
    client.force_login(referrer)
    upload(client, "\n".join([HEADER, row(), row(nhs=existing.person.nhs_number)]))
    run_tasks()
    made = BulkUpload.objects.get()
    assert made.status == "rejected" and Referral.objects.count() == 1
    assert made.problems == [
        {"line": 3, "field": "nhs_number", "rule": "already has an open referral with the service"}
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("referrals.xlsx", "a,b", "must be a CSV"),
        ("referrals.csv", "", "The file is empty"),
    ],
)
def test_files_that_are_not_csv(client, referrer, name, text, message):
    client.force_login(referrer)
    assert message in page(upload(client, text, name=name))
    assert not BulkUpload.objects.exists()


def test_wrong_columns_are_named(client, referrer, service, run_tasks):
    client.force_login(referrer)
    upload(client, "name,dob\nAnn,1950-01-01")
    run_tasks()
    made = BulkUpload.objects.get()
    assert made.status == "rejected" and "missing columns" in made.problems[0]["rule"]


def test_the_template_downloads_and_matches_the_checker(client, referrer, service, run_tasks):
    client.force_login(referrer)
    template = client.get(reverse("referrals:upload_template")).content.decode()
    assert template.splitlines()[0] == HEADER + ",sex,ethnicity"
    upload(client, template)
    run_tasks()
    assert BulkUpload.objects.get().status == "done"
    person = Referral.objects.get().person
    assert (person.sex, person.ethnicity) == ("female", "A")


def test_optional_columns_are_checked(client, referrer, service, run_tasks):
    client.force_login(referrer)
    row = (
        "9449305552,Margaret,Fenton,1948-03-14,NN1 5BD,07700 900461,,phone,yes,no,"
        "loneliness,,yes,woman,Q"
    )
    upload(client, HEADER + ",sex,ethnicity\n" + row + "\n")
    run_tasks()
    made = BulkUpload.objects.get()
    assert made.status == "rejected"
    assert {p["field"] for p in made.problems} == {"sex", "ethnicity"}


def test_only_referrers_and_only_their_own_uploads(
    client, referrer, other_practice_referrer, link_worker, service
):
    client.force_login(referrer)
    upload(client, "\n".join([HEADER, row()]))
    made = BulkUpload.objects.get()
    client.force_login(other_practice_referrer)
    assert client.get(reverse("referrals:upload", args=[made.pk])).status_code == 404
    client.force_login(link_worker)
    assert client.get(reverse("referrals:uploads")).status_code == 403
