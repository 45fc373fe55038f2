""" "Send them a link now": in quiet hours the text waits for the morning, and the link
worker is told when it will go instead of "on its way"; the person's page says the same
instead of "Sent". The time comes from the one quiet-hours rule (notifications)."""

import re
from datetime import datetime, time, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message
from outcomes import actions, presenters
from referrals.models import Person

pytestmark = pytest.mark.django_db
LONDON = timezone.get_default_timezone()


def at(days, hour, minute=0):
    """A London time `days` after the day the fixtures were built."""
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute), LONDON)


def press(client, user, referral, request):
    client.force_login(user)
    response = client.post(
        reverse("outcomes:send_link", args=[referral.pk, request.pk]), follow=True
    )
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def test_in_the_evening_it_says_the_text_goes_tomorrow_morning(
    client, link_worker, texting, baseline
):
    evening, morning = at(1, 21, 30), at(2, 8)
    with time_machine.travel(evening, tick=False):
        body = press(client, link_worker, texting, baseline)
    message = Message.objects.get(template__code="questionnaire_link")
    assert message.status == "queued" and message.send_after == morning
    assert "The text will be sent at 08:00 tomorrow, after quiet hours." in body
    assert "on its way" not in body
    # The person's page: not "Sent", but when it will go.
    assert "Link goes at 08:00 tomorrow, after quiet hours" in body
    assert "Sent " not in body


def test_after_midnight_it_says_today(client, link_worker, texting, baseline):
    with time_machine.travel(at(1, 0, 30), tick=False):
        body = press(client, link_worker, texting, baseline)
    assert "The text will be sent at 08:00 today, after quiet hours." in body


def test_in_the_day_it_is_on_its_way(client, link_worker, texting, baseline):
    with time_machine.travel(at(1, 10), tick=False):
        body = press(client, link_worker, texting, baseline)
    assert "A new link is on its way to them by text." in body
    assert "after quiet hours" not in body


def test_the_quiet_hours_setting_decides(client, settings, link_worker, texting, baseline):
    settings.QUIET_HOURS = "21:00-07:30"
    with time_machine.travel(at(1, 22), tick=False):
        body = press(client, link_worker, texting, baseline)
    assert "The text will be sent at 07:30 tomorrow, after quiet hours." in body


def test_an_email_says_email(client, link_worker, texting, baseline):
    Person.objects.filter(pk=texting.person_id).update(
        texts_allowed=False, emails_allowed=True, email="them@example.com"
    )
    with time_machine.travel(at(1, 23), tick=False):
        body = press(client, link_worker, texting, baseline)
    assert "The email will be sent at 08:00 tomorrow, after quiet hours." in body


def test_a_locked_link_is_unlocked_and_the_time_still_said(client, link_worker, texting, baseline):
    with time_machine.travel(at(1, 21), tick=False):
        link = actions.find_link(actions.send_link(by=None, request=baseline))
        for _ in range(actions.MAX_DOB_ATTEMPTS):
            actions.verify_date_of_birth(link=link, date_of_birth=at(0, 0).date())
        baseline.refresh_from_db()
        assert baseline.locked_at is not None
        body = press(client, link_worker, texting, baseline)
    assert "The text will be sent at 08:00 tomorrow, after quiet hours." in body
    baseline.refresh_from_db()
    assert baseline.locked_at is None


def test_further_days_are_named():
    now = at(0, 12)
    later = at(3, 8)
    assert presenters.at_time(later, now) == f"08:00 on {later:%A} {later.day} {later:%B}"
    assert presenters.at_time(at(0, 13, 5), now) == "13:05 today"
