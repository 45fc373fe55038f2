"""`make demo` again, or the fake GOV.UK Notify restarted: the delivery checks the last run
booked are answered, not met with 404 "No result found" (a warning each, at every start, and
the messages "sent" for ever). The fake learns, from the database, what was sent before it
started (nonprod/fake_notify_memory.py)."""

import logging
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from nonprod.fake_notify_memory import remember_sent_messages
from notifications.actions import message_person
from notifications.fakes import DEMO_API_KEY, FakeNotify, templates_from_database
from notifications.models import Message
from tests import factories

pytestmark = pytest.mark.django_db
# A Thursday morning, outside quiet hours.
SENDING = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.get_default_timezone())


def sent_by_the_last_run(service, referrer, run_tasks, phone="07700900982") -> Message:
    """A text sent through the fake (the `notify` fixture), its delivery not yet checked."""
    person = factories.PersonDetailsFactory(texts_allowed=True, phone=phone)
    referral = factories.referral(by=referrer, service=service, person=person)
    with time_machine.travel(SENDING, tick=False):
        message = message_person(
            by=None,
            person=referral.person,
            referral=referral,
            template_code="how_did_it_go",
            personalisation={
                "name": person.given_name,
                "activity": "Happy Cafe",
                "service": "Linkwork",
                "phone": "01604 496000",
                "worker": "Lin",
            },
            reference=f"test:{referral.pk}",
        )
        run_tasks()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.notify_id
    return message


@pytest.fixture
def restart(notify, settings):
    """Stop the fake and start a new one with nothing in memory, as the next demo does."""
    started = []

    def restart():
        notify.stop()
        fresh = FakeNotify(templates=templates_from_database(), api_key=DEMO_API_KEY).start()
        settings.NOTIFY_BASE_URL = fresh.base_url
        started.append(fresh)
        return fresh

    yield restart
    for fake in started:
        fake.stop()


def check(run_tasks):
    with time_machine.travel(SENDING + timedelta(minutes=2), tick=False):
        run_tasks()


def test_a_fake_that_forgot_answers_no_result_found(service, referrer, run_tasks, restart, caplog):
    # The cause: without remembering, each check is a 404 and a warning, and never ends.
    message = sent_by_the_last_run(service, referrer, run_tasks)
    restart()
    with caplog.at_level(logging.WARNING, logger="notifications.tasks"):
        check(run_tasks)
    assert [r for r in caplog.records if "No result found" in r.getMessage()]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_restarted_fake_remembers_what_was_sent_and_answers_its_checks(
    service, referrer, run_tasks, restart, caplog
):
    message = sent_by_the_last_run(service, referrer, run_tasks)
    wrong = sent_by_the_last_run(service, referrer, run_tasks, phone="07700900002")
    restarted = restart()
    assert remember_sent_messages(restarted) == 2
    with caplog.at_level(logging.WARNING, logger="notifications.tasks"):
        check(run_tasks)
    assert not [r for r in caplog.records if r.name == "notifications.tasks"]
    message.refresh_from_db()
    wrong.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    # Its test recipients still act out their failures.
    assert wrong.status == Message.Status.PERMANENT_FAILURE


def test_it_learns_only_messages_still_waiting_for_their_status(
    service, referrer, run_tasks, notify
):
    message = sent_by_the_last_run(service, referrer, run_tasks)
    check(run_tasks)  # delivered: nothing more will be asked about it
    queued = sent_by_the_last_run(service, referrer, run_tasks)
    Message.objects.filter(pk=queued.pk).update(status=Message.Status.QUEUED, notify_id="")
    fresh = FakeNotify(templates=templates_from_database(), api_key=DEMO_API_KEY).start()
    try:
        assert remember_sent_messages(fresh) == 0
        message.refresh_from_db()
        assert message.status == Message.Status.DELIVERED and not fresh.notifications
        # Learning twice adds nothing twice.
        Message.objects.filter(pk=queued.pk).update(status=Message.Status.SENT, notify_id="n-1")
        assert remember_sent_messages(fresh) == 1
        assert remember_sent_messages(fresh) == 0
        assert list(fresh.notifications) == ["n-1"]
    finally:
        fresh.stop()
