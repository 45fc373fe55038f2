"""After discharge, a questionnaire link sent before it no longer works: voided at
discharge, and checked against the referral when used. The page says so plainly, says how
to get in touch, shows nothing about the person, and looks the same as for any unusable
link. Only the discharge questionnaire (asked at discharge) is still answered by link."""

import re
from datetime import date, datetime, time, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework.actions import discharge_case
from core.errors import ActionError
from notifications.models import Message
from outcomes import actions
from outcomes.models import QuestionnaireLink
from referrals.models import DischargeReason

pytestmark = pytest.mark.django_db
LONDON = timezone.get_default_timezone()
DOB = date(1960, 5, 17)  # the factory's


def discharge(referral, by):
    referral.refresh_from_db()
    return discharge_case(
        by=by,
        referral=referral,
        version=referral.version,
        reason=DischargeReason.objects.get(code="goals-met"),
    )


def page(response):
    text = re.sub(r'nonce="[^"]+"', "", unescape(response.content.decode()))
    return re.sub(r"\s+", " ", text)


def fill_dob(day=DOB):
    return {
        "date_of_birth[day]": day.day,
        "date_of_birth[month]": day.month,
        "date_of_birth[year]": day.year,
    }


def test_a_link_sent_before_discharge_stops_working(client, texting, baseline, link_worker):
    token = actions.send_link(by=None, request=baseline)
    start = reverse("outcomes:answer_start", args=[token])
    assert client.get(start).status_code == 200
    discharge(texting, link_worker)
    response = client.get(start)
    assert response.status_code == 410
    body = page(response)
    assert "This link no longer works" in body
    assert "contact the social prescribing service" in body
    person = texting.person
    for private in (person.given_name, person.family_name, texting.service.name, "1960"):
        assert private not in body
    # The right date of birth gets nowhere either.
    assert client.post(start, fill_dob()).status_code == 410
    # The same page as an unknown link: it tells whoever holds it nothing.
    unknown = client.get(reverse("outcomes:answer_start", args=["x" * 43]))
    assert page(unknown) == body


def test_a_link_already_open_on_their_phone_stops_at_discharge(
    client, texting, baseline, link_worker
):
    token = actions.send_link(by=None, request=baseline)
    client.post(reverse("outcomes:answer_start", args=[token]), fill_dob())
    question = reverse("outcomes:answer_question", args=[token, "ons4", 1])
    assert client.get(question).status_code == 200
    discharge(texting, link_worker)
    assert client.get(question).status_code == 410
    assert client.post(question, {"answer": "5"}).status_code == 410
    assert not baseline.responses.exists()


def test_discharge_voids_the_links_it_can(texting, baseline, link_worker):
    actions.send_link(by=None, request=baseline)
    discharge(texting, link_worker)
    link = QuestionnaireLink.objects.get(request=baseline)
    assert link.expires_at <= timezone.now()


def test_checked_when_used_even_if_a_link_was_not_voided(client, texting, baseline, link_worker):
    token = actions.send_link(by=None, request=baseline)
    discharge(texting, link_worker)
    # However it happened (a link made outside discharge, a restored backup), a live link
    # to a discharged person's questionnaire is refused when used.
    QuestionnaireLink.objects.filter(request=baseline).update(
        expires_at=timezone.now() + timedelta(days=7)
    )
    assert client.get(reverse("outcomes:answer_start", args=[token])).status_code == 410
    with pytest.raises(actions.LinkUnusable):
        actions.find_link(token)


def test_a_text_waiting_for_the_morning_does_not_go_after_discharge(texting, baseline, link_worker):
    evening = datetime.combine(timezone.localdate() + timedelta(days=1), time(21, 30), LONDON)
    with time_machine.travel(evening, tick=False):
        actions.send_link(by=None, request=baseline)
        queued = Message.objects.get(template__code="questionnaire_link")
        assert queued.status == "queued" and queued.send_after > timezone.now()
        discharge(texting, link_worker)
    queued.refresh_from_db()
    assert queued.status == "not_sent"


def test_no_reminders_and_no_new_links_after_discharge(client, texting, baseline, link_worker):
    actions.send_link(by=None, request=baseline)
    discharge(texting, link_worker)
    assert actions.run_clock()["sent"] == 1  # the discharge questionnaire, and only that
    week = timezone.now() + timedelta(days=7, minutes=1)
    assert actions.run_clock(now=week)["reminded"] == 1  # the discharge questionnaire's
    baseline.refresh_from_db()
    assert baseline.reminders == 0
    assert not Message.objects.filter(reference__startswith=f"questionnaire:{baseline.pk}:1:")
    with pytest.raises(ActionError, match="discharged"):
        actions.send_link_now(by=link_worker, request=baseline)
    client.force_login(link_worker)
    client.post(reverse("outcomes:send_link", args=[texting.pk, baseline.pk]))
    assert Message.objects.filter(template__code="questionnaire_link").count() == 2
    assert "a link would no longer work" in page(
        client.get(reverse("casework:case", args=[texting.pk]))
    )


def test_the_discharge_questionnaire_is_still_answered_by_link(client, texting, link_worker):
    discharge(texting, link_worker)
    request = texting.questionnaire_requests.get(timepoint="discharge")
    token = actions.send_link(by=None, request=request)
    start = reverse("outcomes:answer_start", args=[token])
    assert client.get(start).status_code == 200
    assert client.post(start, fill_dob()).status_code == 302
