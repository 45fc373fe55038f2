"""GP consultations and A&E attendances in the 6 months before and after a referral: the
windows, recording them on a person's page, and importing them from a practice's CSV
(every row checked, every problem named by line and column, all or nothing)."""

import csv
import io
from datetime import date, datetime, time
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import ActionError, ConcurrentChange
from core.models import AuditEvent
from outcomes.healthcare_use import (
    IMPORT_COLUMNS,
    check_import,
    import_healthcare_use,
    record_healthcare_use,
    window,
)
from outcomes.models import HealthcareUse
from referrals.actions import decline_referral
from referrals.models import Referral, ReferralEvent
from reporting import refresh
from reporting.models import ReferralFact
from tests import factories

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
RECEIVED = date(2026, 1, 5)  # a Monday
DURING = date(2026, 3, 2)  # the 6 months after have not passed yet
LATER = date(2026, 8, 3)  # they have
HEADER = ",".join(IMPORT_COLUMNS)


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime.combine(day, time(hour), LONDON), tick=False)


def page(response) -> str:
    return unescape(response.content.decode())


def referred(referrer, service, team_lead, link_worker, day=RECEIVED, details=None):
    with at(day):
        referral = factories.referral(
            by=referrer, service=service, person=details or factories.PersonDetailsFactory()
        )
        return factories.allocate(referral, by=team_lead, worker=link_worker)


@pytest.fixture
def case(referrer, service, team_lead, link_worker):
    """Referred on 5 January 2026 and allocated the same day."""
    return referred(referrer, service, team_lead, link_worker)


def record(referral, by, period="before", gp=4, ae=1, **kw):
    return record_healthcare_use(
        by=by, referral=referral, period=period, gp_consultations=gp, ae_attendances=ae, **kw
    )


# The windows


def test_before_is_the_6_months_up_to_the_day_before_the_referral(case):
    assert window(case, "before") == (date(2025, 7, 5), date(2026, 1, 4))


def test_after_is_the_6_months_from_the_day_the_referral_was_received(case):
    assert window(case, "after") == (date(2026, 1, 5), date(2026, 7, 4))


def test_the_windows_follow_the_referral_day_in_england_not_utc(
    referrer, service, team_lead, link_worker
):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        referral = factories.referral(by=referrer, service=service)
    assert window(referral, "before") == (date(2026, 1, 1), date(2026, 6, 30))
    assert window(referral, "after") == (date(2026, 7, 1), date(2026, 12, 31))


def test_a_window_starting_on_a_day_a_shorter_month_lacks_ends_on_its_last_day(
    referrer, service, team_lead, link_worker
):
    referral = referred(referrer, service, team_lead, link_worker, day=date(2025, 8, 31))
    # 31 August less 6 months is 28 February (2025 is no leap year).
    assert window(referral, "before") == (date(2025, 2, 28), date(2025, 8, 30))


# Recording for one person (the action)


def test_recording_saves_the_figures_with_the_window_counted(case, link_worker):
    with at(DURING):
        saved = record(case, link_worker, gp=6, ae=2)
    saved.refresh_from_db()
    assert (saved.gp_consultations, saved.ae_attendances) == (6, 2)
    assert (saved.starts_on, saved.ends_on) == (date(2025, 7, 5), date(2026, 1, 4))
    assert saved.source == HealthcareUse.Source.ENTERED
    assert saved.recorded_by == link_worker and saved.version == 1
    assert HealthcareUse.objects.filter(referral=case).count() == 1


def test_recording_writes_the_timeline_and_the_audit(case, link_worker):
    with at(DURING):
        saved = record(case, link_worker, gp=6, ae=2)
    event = ReferralEvent.objects.get(referral=case, kind=ReferralEvent.Kind.HEALTHCARE_USE)
    assert event.by == link_worker
    assert "6 GP consultations, 2 A&E attendances" in event.summary
    assert "5 Jul 2025 to 4 Jan 2026" in event.detail
    audit = AuditEvent.objects.get(verb="record_healthcare_use")
    assert audit.actor == link_worker and audit.person_id == case.person_id
    assert audit.object_id == str(saved.pk) and audit.detail["period"] == "before"


def test_recording_again_corrects_the_same_record(case, link_worker, team_lead):
    with at(DURING):
        first = record(case, link_worker, gp=6, ae=2)
        second = record(case, team_lead, gp=5, ae=0, version=first.version)
    assert second.pk == first.pk
    saved = HealthcareUse.objects.get(referral=case)
    assert (saved.gp_consultations, saved.ae_attendances, saved.version) == (5, 0, 2)
    assert saved.recorded_by == team_lead


def test_a_correction_on_top_of_someone_elses_newer_one_is_refused(case, link_worker, team_lead):
    with at(DURING):
        record(case, link_worker, gp=6, ae=2)
        record(case, team_lead, gp=7, ae=2, version=1)
        with pytest.raises(ConcurrentChange):
            record(case, link_worker, gp=1, ae=0, version=1)
    saved = HealthcareUse.objects.get(referral=case)
    assert (saved.gp_consultations, saved.version) == (7, 2)


@pytest.mark.parametrize(
    ("gp", "ae", "field", "message"),
    [
        (-1, 0, "gp_consultations", "GP consultations must be a whole number from 0 to 150"),
        (151, 0, "gp_consultations", "GP consultations must be a whole number from 0 to 150"),
        (3, -1, "ae_attendances", "A&E attendances must be a whole number from 0 to 100"),
        (3, 101, "ae_attendances", "A&E attendances must be a whole number from 0 to 100"),
        (None, 0, "gp_consultations", "Enter the number of GP consultations (0 if none)"),
        (3, None, "ae_attendances", "Enter the number of A&E attendances (0 if none)"),
    ],
)
def test_impossible_counts_are_refused_and_nothing_is_saved(
    case, link_worker, gp, ae, field, message
):
    with at(DURING), pytest.raises(ActionError) as refused:
        record(case, link_worker, gp=gp, ae=ae)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert not HealthcareUse.objects.exists()
    assert not ReferralEvent.objects.filter(kind=ReferralEvent.Kind.HEALTHCARE_USE).exists()


def test_the_highest_plausible_counts_are_accepted(case, link_worker):
    with at(DURING):
        record(case, link_worker, gp=150, ae=100)
    assert HealthcareUse.objects.get().gp_consultations == 150


def test_an_unknown_period_is_refused(case, link_worker):
    with at(DURING), pytest.raises(ActionError) as refused:
        record(case, link_worker, period="during")
    assert refused.value.field == "period"
    assert not HealthcareUse.objects.exists()


def test_the_after_window_cannot_be_recorded_until_it_has_passed(case, link_worker):
    # It runs until 4 July 2026: on that day it has not passed yet.
    with pytest.raises(ActionError) as refused:
        record(case, link_worker, period="after", today=date(2026, 7, 4))
    assert refused.value.field == "period"
    assert "run until 4 July 2026" in refused.value.message
    assert not HealthcareUse.objects.exists()
    saved = record(case, link_worker, period="after", gp=2, ae=0, today=date(2026, 7, 5))
    assert (saved.starts_on, saved.ends_on) == (date(2026, 1, 5), date(2026, 7, 4))


@pytest.mark.parametrize("who", ["commissioner", "provider", "referrer", "directory_editor"])
def test_only_service_staff_may_record(request, case, who):
    with at(DURING), pytest.raises(PermissionDenied):
        record(case, request.getfixturevalue(who))
    assert not HealthcareUse.objects.exists()


def test_a_link_worker_cannot_record_as_imported(case, link_worker):
    with at(DURING), pytest.raises(PermissionDenied):
        record(case, link_worker, source=HealthcareUse.Source.IMPORTED)
    assert not HealthcareUse.objects.exists()


def test_the_next_refresh_puts_the_figures_in_the_facts(case, link_worker):
    with at(DURING, hour=9):
        refresh.rebuild_all()
    fact = ReferralFact.objects.get(pk=case.pk)
    assert (fact.gp_before, fact.ae_before) == (None, None)
    with at(DURING, hour=10):
        record(case, link_worker, gp=6, ae=1)
    with at(DURING, hour=11):
        assert refresh.refresh()["referrals"] >= 1
    fact = ReferralFact.objects.get(pk=case.pk)
    assert (fact.gp_before, fact.ae_before) == (6, 1)


# Recording for one person (the page)


def url(referral):
    return reverse("outcomes:healthcare_use", args=[referral.pk])


def post(client, referral, data, day=DURING):
    with at(day):
        return client.post(url(referral), data)


@pytest.fixture
def signed_in(client, link_worker):
    client.force_login(link_worker)
    return client


def test_the_page_shows_both_windows_and_that_after_is_not_open_yet(signed_in, case):
    with at(DURING):
        body = page(signed_in.get(url(case)))
    assert "5 July 2025 to 4 January 2026" in body
    assert "5 January 2026 to 4 July 2026" in body
    assert "These 6 months end on 4 July 2026: record them after that." in body
    assert 'name="before-gp_consultations"' in body
    assert 'name="after-gp_consultations"' not in body


def test_saving_before_on_the_page(signed_in, case):
    response = post(signed_in, case, {"before-gp_consultations": "6", "before-ae_attendances": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case", args=[case.pk])
    saved = HealthcareUse.objects.get(referral=case)
    assert (saved.period, saved.gp_consultations, saved.ae_attendances) == ("before", 6, 1)
    with at(DURING):
        assert "GP and A&E use saved." in page(signed_in.get(response["Location"]))


def test_saving_both_once_the_after_window_has_passed(signed_in, case):
    response = post(
        signed_in,
        case,
        {
            "before-gp_consultations": "6",
            "before-ae_attendances": "1",
            "after-gp_consultations": "3",
            "after-ae_attendances": "0",
        },
        day=LATER,
    )
    assert response.status_code == 302
    saved = {u.period: (u.gp_consultations, u.ae_attendances) for u in HealthcareUse.objects.all()}
    assert saved == {"before": (6, 1), "after": (3, 0)}


def test_the_page_shows_what_was_recorded_and_corrects_it(signed_in, case, link_worker):
    with at(DURING):
        record(case, link_worker, gp=6, ae=1)
        body = signed_in.get(url(case)).content.decode()
    assert 'name="before-gp_consultations" type="text" value="6"' in body
    assert 'name="before-ae_attendances" type="text" value="1"' in body
    assert 'name="before-version" value="1"' in body
    response = post(
        signed_in,
        case,
        {"before-gp_consultations": "5", "before-ae_attendances": "1", "before-version": "1"},
    )
    assert response.status_code == 302
    saved = HealthcareUse.objects.get(referral=case)
    assert (saved.gp_consultations, saved.version) == (5, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"before-gp_consultations": "-1", "before-ae_attendances": "0"},
            "GP consultations cannot be below 0",
        ),
        (
            {"before-gp_consultations": "three", "before-ae_attendances": "0"},
            "Enter GP consultations as a whole number, like 3",
        ),
        (
            {"before-gp_consultations": "2.5", "before-ae_attendances": "0"},
            "Enter GP consultations as a whole number, like 3",
        ),
        (
            {"before-gp_consultations": "151", "before-ae_attendances": "0"},
            "GP consultations must be 150 or fewer",
        ),
        (
            {"before-gp_consultations": "99999999999", "before-ae_attendances": "0"},
            "GP consultations must be 150 or fewer",
        ),
        (
            {"before-gp_consultations": "1", "before-ae_attendances": "-3"},
            "A&E attendances cannot be below 0",
        ),
        (
            {"before-gp_consultations": "1", "before-ae_attendances": "lots"},
            "Enter A&E attendances as a whole number, like 0",
        ),
        (
            {"before-gp_consultations": "1", "before-ae_attendances": "101"},
            "A&E attendances must be 100 or fewer",
        ),
        (
            {"before-gp_consultations": "4", "before-ae_attendances": ""},
            "Enter both numbers (0 if none), or leave both empty",
        ),
        (
            {"before-gp_consultations": "", "before-ae_attendances": "0"},
            "Enter both numbers (0 if none), or leave both empty",
        ),
        (
            {"before-gp_consultations": "", "before-ae_attendances": ""},
            "Enter the figures for at least one period",
        ),
    ],
)
def test_bad_figures_on_the_page_are_explained_and_nothing_is_saved(signed_in, case, data, message):
    response = post(signed_in, case, data)
    assert response.status_code == 200
    body = page(response)
    assert "There is a problem" in body
    assert message in body
    assert not HealthcareUse.objects.exists()
    assert not ReferralEvent.objects.filter(kind=ReferralEvent.Kind.HEALTHCARE_USE).exists()


def test_after_figures_posted_before_the_window_has_passed_are_not_saved(signed_in, case):
    response = post(signed_in, case, {"after-gp_consultations": "3", "after-ae_attendances": "0"})
    assert response.status_code == 200
    assert "Enter the figures for at least one period" in page(response)
    assert not HealthcareUse.objects.exists()


def test_a_bad_after_keeps_a_good_before_from_being_saved(signed_in, case):
    response = post(
        signed_in,
        case,
        {
            "before-gp_consultations": "6",
            "before-ae_attendances": "1",
            "after-gp_consultations": "-2",
            "after-ae_attendances": "0",
        },
        day=LATER,
    )
    assert response.status_code == 200
    assert "GP consultations cannot be below 0" in page(response)
    assert not HealthcareUse.objects.exists()


def test_a_refused_after_rolls_back_the_before_saved_with_it(signed_in, case, team_lead):
    with at(LATER):
        record(case, team_lead, period="after", gp=3, ae=0)
        record(case, team_lead, period="after", gp=4, ae=0, version=1)  # now version 2
    response = post(
        signed_in,
        case,
        {
            "before-gp_consultations": "6",
            "before-ae_attendances": "1",
            "after-gp_consultations": "1",
            "after-ae_attendances": "0",
            "after-version": "1",  # what the link worker saw, before the team lead's change
        },
        day=LATER,
    )
    assert response.status_code == 200
    assert "Someone else recorded these figures while you were typing" in page(response)
    assert not HealthcareUse.objects.filter(period="before").exists()
    assert HealthcareUse.objects.get(period="after").gp_consultations == 4


def test_a_referral_not_yet_allocated_goes_back_to_its_page(signed_in, referrer, service):
    with at(RECEIVED):
        referral = factories.referral(by=referrer, service=service)
    response = post(
        signed_in, referral, {"before-gp_consultations": "6", "before-ae_attendances": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case", args=[referral.pk])
    assert not HealthcareUse.objects.exists()


def test_the_team_lead_may_record_on_the_page(client, case, team_lead):
    client.force_login(team_lead)
    response = post(client, case, {"before-gp_consultations": "2", "before-ae_attendances": "0"})
    assert response.status_code == 302
    assert HealthcareUse.objects.get().recorded_by == team_lead


@pytest.fixture
def same_area_link_worker(area):
    return factories.user(organisation=factories.service(area), role="link_worker")


@pytest.mark.parametrize("who", ["same_area_link_worker", "other_area_link_worker"])
def test_another_services_link_worker_cannot_see_or_record(request, client, case, who):
    client.force_login(request.getfixturevalue(who))
    with at(DURING):
        assert client.get(url(case)).status_code == 404
    response = post(client, case, {"before-gp_consultations": "6", "before-ae_attendances": "1"})
    assert response.status_code == 404
    assert not HealthcareUse.objects.exists()


@pytest.mark.parametrize("who", ["commissioner", "provider", "referrer", "directory_editor"])
def test_other_roles_are_forbidden_the_page(request, client, case, who):
    client.force_login(request.getfixturevalue(who))
    with at(DURING):
        assert client.get(url(case)).status_code == 403
    response = post(client, case, {"before-gp_consultations": "6", "before-ae_attendances": "1"})
    assert response.status_code == 403
    assert not HealthcareUse.objects.exists()


def test_signed_out_goes_to_sign_in(client, case):
    response = post(client, case, {"before-gp_consultations": "6", "before-ae_attendances": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not HealthcareUse.objects.exists()


# Importing from a practice's CSV


def csv_text(*rows, header=HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def line(referral_or_number, before=("6", "1"), after=("", ""), referral_date=""):
    number = getattr(getattr(referral_or_number, "person", None), "nhs_number", referral_or_number)
    return ",".join([number, referral_date, *before, *after])


def problems(result):
    return [(p["line"], p["column"], p["message"]) for p in result.problems]


def check(by, content, today=LATER):
    return check_import(by=by, content=content, today=today)


@pytest.fixture
def two_cases(case, referrer, service, team_lead, link_worker):
    return case, referred(referrer, service, team_lead, link_worker)


def test_the_template_names_the_columns_and_has_a_valid_example(client, team_lead):
    client.force_login(team_lead)
    response = client.get(reverse("reporting:import_use_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == IMPORT_COLUMNS
    example = dict(zip(rows[0], rows[1], strict=True))
    # The example is only refused because nobody has that number: its check digit is right.
    result = check(team_lead, response.content.decode())
    assert problems(result) == [
        (2, "nhs_number", "Nobody with this NHS number has been referred to your service")
    ]
    assert date.fromisoformat(example["referral_date"])


def test_a_good_file_imports_every_row(two_cases, team_lead):
    first, second = two_cases
    content = csv_text(
        line(first, before=("6", "1"), after=("3", "0")),
        line(second, before=("2", "0")),
    )
    with at(LATER):
        result = import_healthcare_use(by=team_lead, content=content, filename="practice.csv")
    assert result.ok and len(result.planned) == 3
    saved = {
        (u.referral_id, u.period): (u.gp_consultations, u.ae_attendances, u.source)
        for u in HealthcareUse.objects.all()
    }
    assert saved == {
        (first.pk, "before"): (6, 1, "imported"),
        (first.pk, "after"): (3, 0, "imported"),
        (second.pk, "before"): (2, 0, "imported"),
    }
    assert ReferralEvent.objects.filter(kind=ReferralEvent.Kind.HEALTHCARE_USE).count() == 3
    audit = AuditEvent.objects.get(verb="import_healthcare_use")
    assert audit.actor == team_lead
    assert audit.detail == {"filename": "practice.csv", "rows": 3}


def test_nhs_numbers_may_have_spaces_and_the_file_a_byte_order_mark(case, team_lead, client):
    number = case.person.nhs_number
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    client.force_login(team_lead)
    with at(LATER):
        response = client.post(
            reverse("reporting:import_use"),
            {"file": SimpleUploadedFile("p.csv", csv_text(line(spaced)).encode("utf-8-sig"))},
        )
    assert response.status_code == 302
    assert HealthcareUse.objects.get(referral=case).gp_consultations == 6


def test_the_upload_page_imports_and_says_how_many(client, two_cases, team_lead):
    first, second = two_cases
    client.force_login(team_lead)
    content = csv_text(line(first), line(second, before=("0", "0")))
    with at(LATER):
        response = client.post(
            reverse("reporting:import_use"),
            {"file": SimpleUploadedFile("practice.csv", content.encode())},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("reporting:import_use")
        body = page(client.get(response["Location"]))
    assert "Imported 2 sets of figures from practice.csv." in body
    assert HealthcareUse.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            lambda c: line("9449305552"),
            ("nhs_number", "Nobody with this NHS number has been referred to your service"),
        ),
        (
            lambda c: line("9449305553"),
            ("nhs_number", "Not a valid NHS number (the check digit is wrong)"),
        ),
        (lambda c: line("944930555"), ("nhs_number", "Enter a 10-digit NHS number")),
        (lambda c: line("94493O5552"), ("nhs_number", "Enter a 10-digit NHS number")),
        (lambda c: line(""), ("nhs_number", "Enter a 10-digit NHS number")),
        (
            lambda c: line(c, before=("six", "1")),
            ("gp_consultations_before", "GP consultations must be a whole number from 0 to 150"),
        ),
        (
            lambda c: line(c, before=("2.5", "1")),
            ("gp_consultations_before", "GP consultations must be a whole number from 0 to 150"),
        ),
        (
            lambda c: line(c, before=("-1", "1")),
            ("gp_consultations_before", "GP consultations must be a whole number from 0 to 150"),
        ),
        (
            lambda c: line(c, before=("151", "1")),
            ("gp_consultations_before", "GP consultations must be a whole number from 0 to 150"),
        ),
        (
            lambda c: line(c, before=("6", "-2")),
            ("ae_attendances_before", "A&E attendances must be a whole number from 0 to 100"),
        ),
        (
            lambda c: line(c, before=("6", "101")),
            ("ae_attendances_before", "A&E attendances must be a whole number from 0 to 100"),
        ),
        (
            lambda c: line(c, before=("6", "")),
            ("ae_attendances_before", "Enter the number of A&E attendances (0 if none)"),
        ),
        (
            lambda c: line(c, before=("", "")),
            ("gp_consultations_before", "Give the figures before, after, or both"),
        ),
        (
            lambda c: line(c, after=("x", "0")),
            ("gp_consultations_after", "GP consultations must be a whole number from 0 to 150"),
        ),
        (
            lambda c: line(c, referral_date="5/1/2026"),
            ("referral_date", "Write the date as YYYY-MM-DD, for example 2026-03-14"),
        ),
        (
            lambda c: line(c, referral_date="2026-01-06"),
            ("referral_date", "No referral of this person was received on that date"),
        ),
    ],
    ids=[
        "unknown-nhs-number",
        "bad-check-digit",
        "nine-digits",
        "letter-in-number",
        "no-number",
        "gp-not-a-number",
        "gp-not-whole",
        "gp-negative",
        "gp-too-many",
        "ae-negative",
        "ae-too-many",
        "ae-missing",
        "no-figures",
        "after-not-a-number",
        "bad-date",
        "no-referral-that-day",
    ],
)
def test_each_bad_row_is_named_by_line_and_column(case, team_lead, row, expected):
    result = check(team_lead, csv_text(row(case)))
    assert problems(result) == [(2, *expected)]
    assert not result.ok


def test_after_figures_before_the_window_has_passed_are_refused(case, team_lead):
    result = check(team_lead, csv_text(line(case, after=("3", "0"))), today=date(2026, 7, 4))
    assert problems(result) == [
        (
            2,
            "gp_consultations_after",
            "The 6 months after this referral run until 4 July 2026: leave 'after' empty "
            "until then",
        )
    ]


def test_the_line_number_counts_the_header(two_cases, team_lead):
    first, second = two_cases
    result = check(team_lead, csv_text(line(first), line(second, before=("1", "-1"))))
    assert problems(result) == [
        (3, "ae_attendances_before", "A&E attendances must be a whole number from 0 to 100")
    ]


def test_every_problem_is_listed_not_only_the_first(two_cases, team_lead):
    first, second = two_cases
    result = check(
        team_lead,
        csv_text(line(first, before=("-1", "999")), line("1234567890"), line(second)),
    )
    assert problems(result) == [
        (2, "gp_consultations_before", "GP consultations must be a whole number from 0 to 150"),
        (2, "ae_attendances_before", "A&E attendances must be a whole number from 0 to 100"),
        (3, "nhs_number", "Not a valid NHS number (the check digit is wrong)"),
    ]


def test_the_same_referral_twice_is_refused(two_cases, team_lead):
    first, second = two_cases
    result = check(team_lead, csv_text(line(first), line(second), line(first, before=("2", "0"))))
    assert problems(result) == [(4, "nhs_number", "The same referral is already on line 2")]


def test_someone_referred_twice_needs_the_referral_date(referrer, service, team_lead, link_worker):
    with at(RECEIVED):
        first = factories.referral(by=referrer, service=service)
        decline_referral(
            by=team_lead,
            referral=first,
            version=first.version,
            reason=Referral.DeclineReason.WRONG_SERVICE,
        )
    details = factories.PersonDetailsFactory(nhs_number=first.person.nhs_number)
    again = referred(
        referrer, service, team_lead, link_worker, day=date(2026, 2, 9), details=details
    )
    assert again.person_id == first.person_id
    result = check(team_lead, csv_text(line(first)))
    assert problems(result) == [
        (
            2,
            "referral_date",
            "This person has been referred more than once: give the referral date",
        )
    ]
    with at(LATER):
        result = import_healthcare_use(
            by=team_lead,
            content=csv_text(line(first, referral_date="2026-02-09")),
            filename="p.csv",
        )
    assert result.ok
    assert HealthcareUse.objects.get().referral_id == again.pk


def test_an_empty_file_is_refused(case, team_lead):
    result = check(team_lead, "")
    assert problems(result) == [
        (
            1,
            "",
            "The first row must name the columns, like the template: " + ", ".join(IMPORT_COLUMNS),
        )
    ]


def test_a_file_without_the_nhs_number_column_is_refused(case, team_lead):
    content = csv_text("6,1", header="gp_consultations_before,ae_attendances_before")
    result = check(team_lead, content)
    assert [(p[0], p[1]) for p in problems(result)] == [(1, "")]
    assert "The first row must name the columns" in result.problems[0]["message"]


def test_a_file_with_data_but_no_header_is_refused(case, team_lead):
    result = check(team_lead, line(case) + "\n")
    assert [(p[0], p[1]) for p in problems(result)] == [(1, "")]
    assert "The first row must name the columns" in result.problems[0]["message"]


def test_a_missing_column_is_named_on_each_row(case, team_lead):
    content = csv_text(f"{case.person.nhs_number},6", header="nhs_number,gp_consultations_before")
    result = check(team_lead, content)
    assert problems(result) == [
        (2, "ae_attendances_before", "Enter the number of A&E attendances (0 if none)")
    ]


def test_an_unknown_column_is_named(case, team_lead):
    result = check(team_lead, csv_text(line(case) + ",4", header=HEADER + ",gp_visits"))
    assert problems(result) == [(1, "gp_visits", "Not a column linkwork knows: remove it")]


def test_a_row_with_more_values_than_columns_is_refused(two_cases, team_lead):
    first, second = two_cases
    content = csv_text(line(first), line(second) + ",4")
    with at(LATER):
        result = import_healthcare_use(by=team_lead, content=content, filename="p.csv")
    assert problems(result) == [
        (
            3,
            "",
            f"This row has more values than the first row has columns ({len(IMPORT_COLUMNS)}): "
            "check for a stray comma",
        )
    ]
    assert not HealthcareUse.objects.exists()


def test_one_bad_row_means_nothing_is_imported(two_cases, team_lead):
    first, second = two_cases
    content = csv_text(line(first), line(second, before=("-1", "0")))
    with at(LATER):
        result = import_healthcare_use(by=team_lead, content=content, filename="p.csv")
    assert not result.ok
    assert not HealthcareUse.objects.exists()
    assert not ReferralEvent.objects.filter(kind=ReferralEvent.Kind.HEALTHCARE_USE).exists()
    assert not AuditEvent.objects.filter(verb="import_healthcare_use").exists()


def test_the_upload_page_lists_the_problems_and_imports_nothing(client, two_cases, team_lead):
    first, second = two_cases
    client.force_login(team_lead)
    content = csv_text(line(first), line(second, before=("lots", "0")), line("9449305553"))
    with at(LATER):
        response = client.post(
            reverse("reporting:import_use"),
            {"file": SimpleUploadedFile("practice.csv", content.encode())},
        )
    assert response.status_code == 200
    body = page(response)
    assert "Error: Import GP and A&E use" in body
    assert "Nothing was imported: 2 problems to fix" in body
    cells = [
        '<td class="nhsuk-table__cell">3</td><td class="nhsuk-table__cell">'
        'gp_consultations_before</td><td class="nhsuk-table__cell">GP consultations must '
        "be a whole number from 0 to 150</td>",
        '<td class="nhsuk-table__cell">4</td><td class="nhsuk-table__cell">nhs_number</td>'
        '<td class="nhsuk-table__cell">Not a valid NHS number (the check digit is wrong)</td>',
    ]
    for cell in cells:
        assert cell in body
    assert not HealthcareUse.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choose a CSV file to upload"),
        (
            SimpleUploadedFile("practice.xlsx", b"nhs_number\n"),
            "The file must be a CSV (.csv), like the template",
        ),
        (
            SimpleUploadedFile("practice.csv", "nhs_number\n£".encode("latin-1")),
            "The file must be a CSV saved as UTF-8 (in Excel: CSV UTF-8)",
        ),
    ],
    ids=["no-file", "not-csv", "not-utf8"],
)
def test_the_upload_page_refuses_what_is_not_a_csv(client, team_lead, upload, message):
    client.force_login(team_lead)
    response = client.post(reverse("reporting:import_use"), {"file": upload} if upload else {})
    assert response.status_code == 200
    body = page(response)
    assert "Error: Import GP and A&E use" in body and message in body
    assert not HealthcareUse.objects.exists()


def test_importing_again_replaces_the_figures_not_adds_to_them(case, team_lead):
    with at(LATER):
        import_healthcare_use(by=team_lead, content=csv_text(line(case)), filename="a.csv")
        import_healthcare_use(
            by=team_lead, content=csv_text(line(case, before=("2", "0"))), filename="b.csv"
        )
    saved = HealthcareUse.objects.get(referral=case)
    assert (saved.gp_consultations, saved.ae_attendances, saved.version) == (2, 0, 2)


def test_importing_replaces_figures_entered_by_hand(case, link_worker, team_lead):
    with at(DURING):
        record(case, link_worker, gp=9, ae=3)
    with at(LATER):
        import_healthcare_use(by=team_lead, content=csv_text(line(case)), filename="a.csv")
    saved = HealthcareUse.objects.get(referral=case)
    assert (saved.gp_consultations, saved.ae_attendances) == (6, 1)
    assert saved.source == "imported" and saved.recorded_by == team_lead


def test_a_person_of_another_service_is_never_matched(case, team_lead, area, referrer):
    elsewhere = factories.service(area)
    with at(RECEIVED):
        theirs = factories.referral(by=referrer, service=elsewhere)
    content = csv_text(line(case), line(theirs))
    with at(LATER):
        result = import_healthcare_use(by=team_lead, content=content, filename="p.csv")
    assert problems(result) == [
        (3, "nhs_number", "Nobody with this NHS number has been referred to your service")
    ]
    assert not HealthcareUse.objects.exists()


def test_a_link_worker_cannot_import(client, case, link_worker):
    with pytest.raises(PermissionDenied):
        check(link_worker, csv_text(line(case)))
    client.force_login(link_worker)
    with at(LATER):
        response = client.post(
            reverse("reporting:import_use"),
            {"file": SimpleUploadedFile("p.csv", csv_text(line(case)).encode())},
        )
        template = client.get(reverse("reporting:import_use_template"))
    assert response.status_code == 403
    assert template.status_code == 403
    assert not HealthcareUse.objects.exists()


@pytest.mark.parametrize("who", ["commissioner", "referrer", "provider"])
def test_other_roles_cannot_import(request, client, case, who):
    client.force_login(request.getfixturevalue(who))
    with at(LATER):
        response = client.post(
            reverse("reporting:import_use"),
            {"file": SimpleUploadedFile("p.csv", csv_text(line(case)).encode())},
        )
    assert response.status_code == 403
    assert not HealthcareUse.objects.exists()


@pytest.mark.parametrize("value", ["²", "½"])
def test_a_digit_python_cannot_read_as_a_number_is_a_problem_not_a_crash(case, team_lead, value):
    # "²".isdigit() is true but int("²") fails: the row must be refused, not a server error.
    result = check(team_lead, csv_text(line(case, before=(value, "0"))))
    assert problems(result) == [
        (2, "gp_consultations_before", "GP consultations must be a whole number from 0 to 150")
    ]


def test_an_nhs_number_of_odd_digits_is_a_problem_not_a_crash(case, team_lead):
    result = check(team_lead, csv_text(line("²" * 10)))
    assert problems(result) == [(2, "nhs_number", "Enter a 10-digit NHS number")]


def test_a_blank_line_does_not_shift_the_line_numbers(two_cases, team_lead):
    first, second = two_cases
    content = HEADER + "\n" + line(first) + "\n\n" + line(second, before=("-1", "0")) + "\n"
    assert problems(check(team_lead, content))[0][0] == 4


def test_spaces_around_column_names_do_not_lose_figures(case, team_lead):
    # The "after" columns added by hand, with a space after each comma.
    header = ",".join(IMPORT_COLUMNS[:4]) + ", " + ", ".join(IMPORT_COLUMNS[4:])
    with at(LATER):
        result = import_healthcare_use(
            by=team_lead,
            content=csv_text(line(case, after=("3", "0")), header=header),
            filename="p.csv",
        )
    saved = {u.period for u in HealthcareUse.objects.all()}
    assert not result.ok or saved == {"before", "after"}
