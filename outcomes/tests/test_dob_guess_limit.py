"""Five wrong dates of birth lock a questionnaire request, however the guesses arrive: in
parallel (each guess takes an attempt with one conditional UPDATE before it is compared),
through the reminder's new link, or with the right date after the lock.

The threaded tests commit for real (transaction=True) so that each thread has its own
connection; run them on PostgreSQL too (DATABASE_URL=postgres://…)."""

import re
import threading
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from outcomes import actions
from outcomes.models import QuestionnaireRequest
from referrals.models import ReferralEvent

DOB = date(1960, 5, 17)  # the factory's
WRONG = date(1970, 1, 1)
PARALLEL = 20


def fill_dob(day):
    return {
        "date_of_birth[day]": day.day,
        "date_of_birth[month]": day.month,
        "date_of_birth[year]": day.year,
    }


def at_once(count, call):
    """`call(index)` from `count` threads released together; the results (or errors)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = call(index)
        except Exception as error:  # noqa: BLE001 - the outcome is what we assert on
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_locked_once(request):
    request.refresh_from_db()
    assert request.locked_at is not None
    assert request.failed_dob_attempts == actions.MAX_DOB_ATTEMPTS
    locks = ReferralEvent.objects.filter(
        referral_id=request.referral_id, summary__contains="link locked"
    )
    assert locks.count() == 1
    assert AuditEvent.objects.filter(verb="lock_questionnaire_link").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_guesses_get_no_more_than_five(baseline):
    link = actions.find_link(actions.send_link(by=None, request=baseline))
    results = at_once(
        PARALLEL, lambda _: actions.verify_date_of_birth(link=link, date_of_birth=WRONG)
    )
    assert results == [False] * PARALLEL, results
    assert_locked_once(baseline)
    # The right date after the lock is refused: not compared, not let in.
    assert actions.verify_date_of_birth(link=link, date_of_birth=DOB) is False
    baseline.refresh_from_db()
    assert baseline.failed_dob_attempts == actions.MAX_DOB_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_through_the_page_get_no_more_than_five(baseline):
    token = actions.send_link(by=None, request=baseline)
    start = reverse("outcomes:answer_start", args=[token])
    pages = at_once(PARALLEL, lambda _: Client().post(start, fill_dob(WRONG)))
    statuses = [p.status_code if hasattr(p, "status_code") else p for p in pages]
    assert set(statuses) <= {200, 410}, statuses
    # At most four are told "does not match"; the fifth locks it; the rest are refused.
    told_wrong = [p for p in pages if p.status_code == 200]
    assert len(told_wrong) <= actions.MAX_DOB_ATTEMPTS - 1
    assert all("does not match" in unescape(p.content.decode()) for p in told_wrong)
    assert_locked_once(baseline)
    right = Client().post(start, fill_dob(DOB))
    assert right.status_code == 410
    assert "This link cannot be used" in re.sub(r"\s+", " ", right.content.decode())


@pytest.mark.django_db
def test_the_right_date_after_the_lock_is_refused(client, baseline):
    token = actions.send_link(by=None, request=baseline)
    link = actions.find_link(token)
    for _ in range(actions.MAX_DOB_ATTEMPTS):
        assert actions.verify_date_of_birth(link=link, date_of_birth=WRONG) is False
    assert actions.verify_date_of_birth(link=link, date_of_birth=DOB) is False
    assert (
        client.post(reverse("outcomes:answer_start", args=[token]), fill_dob(DOB)).status_code
        == 410
    )
    assert_locked_once(baseline)


@pytest.mark.django_db
def test_a_reminders_new_link_brings_no_new_guesses(baseline):
    first = actions.find_link(actions.send_link(by=None, request=baseline))
    for _ in range(3):
        actions.verify_date_of_birth(link=first, date_of_birth=WRONG)
    second = actions.find_link(actions.send_link(by=None, request=baseline, reminder=True))
    for _ in range(2):
        actions.verify_date_of_birth(link=second, date_of_birth=WRONG)
    assert_locked_once(baseline)
    assert actions.verify_date_of_birth(link=second, date_of_birth=DOB) is False


@pytest.mark.django_db
def test_a_right_answer_uses_up_no_guess_and_a_new_link_starts_again(baseline, link_worker):
    link = actions.find_link(actions.send_link(by=None, request=baseline))
    for _ in range(actions.MAX_DOB_ATTEMPTS - 1):
        actions.verify_date_of_birth(link=link, date_of_birth=WRONG)
    assert actions.verify_date_of_birth(link=link, date_of_birth=DOB) is True
    baseline.refresh_from_db()
    assert baseline.failed_dob_attempts == actions.MAX_DOB_ATTEMPTS - 1
    actions.verify_date_of_birth(link=link, date_of_birth=WRONG)
    assert_locked_once(baseline)
    # The link worker checks with them and sends a new link: it works.
    sent = actions.send_link_now(by=link_worker, request=baseline)
    baseline.refresh_from_db()
    assert baseline.locked_at is None and baseline.failed_dob_attempts == 0
    fresh = actions.find_link(sent.token)
    assert actions.verify_date_of_birth(link=fresh, date_of_birth=DOB) is True
    assert QuestionnaireRequest.objects.get(pk=baseline.pk).locked_at is None
