"""A referrer's own pages (the sent list and one referral) show each referral's row from
its few columns: its own person, NHS number, reasons in the needs' order and status, and
nothing of another practice's referrals."""

import re
from html import unescape

import pytest
from django.urls import reverse

from referrals.actions import accept_referral
from referrals.models import Need
from referrals.states import Status
from tests import factories

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    assert response.status_code == 200
    html = unescape(response.content.decode())
    return re.findall(r'<tr class="nhsuk-table__row">\s*<td.*?</tr>', html, re.S)


def test_sent_list_rows(client, referrer, other_practice_referrer, service, team_lead):
    first = factories.referral(by=referrer, service=service, needs=("carer", "loneliness"))
    second = factories.referral(by=referrer, service=service, needs=("loneliness",))
    second = accept_referral(by=team_lead, referral=second, version=second.version)
    theirs = factories.referral(by=other_practice_referrer, service=service)
    client.force_login(referrer)

    shown = rows(client.get(reverse("referrals:sent")))

    assert len(shown) == 2  # newest first
    newest, oldest = shown
    assert reverse("referrals:detail", kwargs={"pk": second.pk}) in newest
    assert second.person.full_name in newest
    waiting, accepted = Status.RECEIVED.label, Status.ACCEPTED.label
    assert accepted in newest and waiting not in newest
    labels = [
        n.label for n in Need.objects.filter(code__in=["carer", "loneliness"])
    ]  # the needs' own order (position, then label)
    assert ", ".join(labels) in oldest
    assert reverse("referrals:detail", kwargs={"pk": first.pk}) in oldest
    number = first.person.nhs_number
    assert f"{number[:3]} {number[3:6]} {number[6:]}" in oldest
    assert waiting in oldest and accepted not in oldest
    assert theirs.person.full_name not in "".join(shown)


def test_referral_page_shows_its_timeline(client, referrer, service, team_lead):
    referral = factories.referral(by=referrer, service=service, needs=("carer", "loneliness"))
    accept_referral(by=team_lead, referral=referral, version=referral.version)
    client.force_login(referrer)

    response = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk}))

    html = unescape(response.content.decode())
    labels = [n.label for n in Need.objects.filter(code__in=["carer", "loneliness"])]
    assert ", ".join(labels) in html
    timeline = html[html.index('<ol class="lw-timeline">') :]
    assert (
        timeline.count('<li class="lw-timeline__item">')
        == referral.events.filter(kind__in=["received", "status"]).count()
    )
    assert timeline.count('<li class="lw-timeline__item">') >= 2
