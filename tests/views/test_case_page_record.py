"""The case page reads its lists through casework/case_page.py (only the columns it prints,
and only the sections that have rows). Its HTML must be byte for byte what the page rendered
from the referral's relations as they are, lazily and in full, for a case with something in
every section, including text typed by people with <, & and quotes in it."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from casework import case_page
from casework.actions import record_what_matters, set_goal, suggest_activity
from onward.actions import refer_to_activity, signpost
from outcomes import instruments
from outcomes import presenters as outcome_presenters
from outcomes.actions import send_message_back
from outcomes.healthcare_use import record_healthcare_use
from outcomes.models import HealthcareUse
from referrals.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db

TYPED = 'Walks <b>"Tom\'s" dog</b> & sees Ann'


def body(html: str) -> str:
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.fixture
def rich_case(active_referral, link_worker, area, provider_listing):
    referral = active_referral
    record_what_matters(by=link_worker, referral=referral, text=TYPED, replaces=None)
    set_goal(by=link_worker, referral=referral, description=TYPED)
    second = factories.activity(area=area, name='Chess & "Chat" <club>', owner=None)
    suggest_activity(by=link_worker, referral=referral, service=second)
    refer_to_activity(by=link_worker, referral=referral, service=provider_listing)
    signpost(by=link_worker, referral=referral, description=TYPED)
    signpost(by=link_worker, referral=referral, service=second)
    # Its first contact scheduled the questionnaires.
    send_message_back(by=link_worker, referral=referral, reason="update")
    record_healthcare_use(
        by=link_worker,
        referral=referral,
        period=HealthcareUse.Period.values[0],
        gp_consultations=3,
        ae_attendances=1,
    )
    return Referral.objects.get(pk=referral.pk)


def as_the_relations_give_it(referral, request) -> str:
    """The page rendered from the referral's relations as they are, lazily and in full: what
    the view passed before casework/case_page.py."""
    referral = Referral.objects.select_related(
        "person", "service", "referring_organisation", "referrer", "allocated_to"
    ).get(pk=referral.pk)
    availability = getattr(referral, "availability", None)
    return render_to_string(
        "casework/case.jinja",
        {
            "referral": referral,
            "person": referral.person,
            "needs": referral.needs.all(),
            "what_matters": referral.what_matters.select_related("by").first(),
            "availability": availability,
            "availability_text": "",
            "goals": referral.goals.all(),
            "suggestions": referral.suggestions.select_related("service"),
            "onward": referral.onward_referrals.select_related("service", "provider"),
            "signposts": referral.signposts.select_related("service"),
            "sent_messages": referral.messages.filter(person__isnull=False).select_related(
                "template"
            )[:20],
            "questionnaires": referral.questionnaire_requests.exclude(status="cancelled")
            .prefetch_related("responses")
            .order_by("due_on"),
            "open_alerts": referral.safety_alerts.filter(acknowledged_at__isnull=True),
            "progress": outcome_presenters.progress(referral),
            "links_waiting": outcome_presenters.links_waiting(referral),
            "messages_back": referral.messages_back.all()[:5],
            "instrument_names": {c: i.name for c, i in instruments.instruments().items()},
            "today": request_today(),
            "events": referral.events.select_related("by", "concept"),
            "can_work": True,
            "can_discharge": True,
            "healthcare_use": referral.healthcare_use.all(),
            "can_record_use": True,
            "can_allocate": False,
            "can_triage": False,
        },
        request=request,
    )


def request_today():
    return timezone.localdate()


def test_every_section_has_something(rich_case):
    has = case_page.relations_with_rows(rich_case)
    expected = {
        "onward_referrals",
        "signposts",
        "suggestions",
        "questionnaire_requests",
        "messages_back",
        "healthcare_use",
    }
    assert expected <= has
    # …and it agrees with asking each relation on its own.
    for name in case_page.OFTEN_EMPTY:
        relation = Referral._meta.get_field(name)
        rows = relation.related_model.objects.filter(**{relation.field.name: rich_case})
        assert (name in has) == rows.exists(), name


def test_nothing_found_before_first_contact(allocated_referral):
    assert case_page.relations_with_rows(allocated_referral) == frozenset()
    record = case_page.record(allocated_referral)
    assert record["onward"] == [] and record["questionnaires"] == []


def test_rich_case_page_identical_to_rendering_the_relations(client, link_worker, rich_case):
    client.force_login(link_worker)
    response = client.get(reverse("casework:case", args=[rich_case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    # The typed text is there, escaped, in what matters, the goal and the signposting.
    escaped = "Walks &lt;b&gt;&#34;Tom&#39;s&#34; dog&lt;/b&gt; &amp; sees Ann"
    assert page.count(escaped) >= 3
    assert "Chess &amp; &#34;Chat&#34; &lt;club&gt;" in page
    assert "Provider cafe" in page
    before = as_the_relations_give_it(rich_case, response.wsgi_request)
    assert body(page) == body(before)


def _rows_read(client, url) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return " ".join(q["sql"] for q in queries.captured_queries)


def test_empty_sections_are_not_read(client, link_worker, active_referral):
    client.force_login(link_worker)
    url = reverse("casework:case", args=[active_referral.pk])
    read = _rows_read(client, url)
    for table in ("casework_activitysuggestion", "onward_signpost", "outcomes_messageback"):
        assert f'SELECT "{table}"."id"' not in read
    set_goal(by=link_worker, referral=active_referral, description="Walk daily")
    suggest_activity(
        by=link_worker,
        referral=active_referral,
        service=factories.activity(area=active_referral.service.area, name="Walks"),
    )
    read = _rows_read(client, url)
    assert 'SELECT "casework_activitysuggestion"."id"' in read
