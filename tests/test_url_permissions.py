"""Walks every URL as every persona and checks each gets exactly what it should:
200 where allowed, a redirect to sign-in when anonymous, 403 for a role without the
permission, 404 for a record outside the persona's organisation."""

from html import escape

import pytest
from django.db.models import Max
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casework.actions import set_goal
from core import audit
from core.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC = {
    "refer_yourself",  # public by design: tested in tests/views/test_self_referral.py
    "outcomes:answer_start",  # the person's one-time link: tested in outcomes/tests
    "outcomes:answer_done",
    "outcomes:answer_support",
    "outcomes:answer_question",
    "accounts:login",
    "accounts:logout",
    # One-time set-up links: public by design, tested in administration/tests/test_set_up_links.py.
    "accounts:set_up",
    "accounts:set_up_start",
    # Forgotten password: public by design, tested in accounts/tests/test_password_reset.py.
    "accounts:password_reset",
    "accounts:password_reset_sent",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "directory:find",
    "directory:activity",
    "directory:report",
    # Single sign-on: start and the provider's answer, for people not yet signed in
    # (accounts/tests/test_oidc.py).
    "accounts:oidc_start",
    "accounts:oidc_callback",
    # …and what the provider's servers call: our public keys and back-channel logout
    # (accounts/tests/test_oidc_private_key_jwt.py, test_oidc_back_channel_logout.py).
    "accounts:oidc_jwks",
    "accounts:oidc_back_channel_logout",
    # Every area's notices, public by law: administration/tests/test_public_information.py.
    "privacy_notice",
    "accessibility_statement",
}
PERSONAS = [
    "referrer",
    "other_practice_referrer",
    "team_lead",
    "link_worker",
    "other_area_link_worker",
    "commissioner",
    "provider",
    "other_provider",
    "directory_editor",
]
REFERRERS = {"referrer": 200, "other_practice_referrer": 404}
SERVICE_STAFF = {"team_lead": 200, "link_worker": 200, "other_area_link_worker": 404}
# Figures: each sees their own service's (scope is tested in reporting/tests).
FIGURES_STAFF = {"team_lead": 200, "link_worker": 200, "other_area_link_worker": 200}

# url name -> status per persona; anyone not listed gets 403. Anonymous always goes to sign-in.
EXPECTED = {
    "core:home": dict.fromkeys(PERSONAS, 302),
    # Administration: none of these personas; who may is tested in administration/tests.
    "administration:areas": {},
    "administration:new_area": {},
    "administration:area": {},
    "administration:organisations": {},
    "administration:new_organisation": {},
    "administration:organisation": {},
    "administration:new_pcn": {},
    "administration:pcn": {},
    "administration:import_practices": {},
    "administration:single_sign_on": {},  # the area's service administrator only (test_oidc.py)
    "administration:public_information": {},  # the area's service administrator only
    # Staff list and invitations: administrators only (administration/tests/test_staff_invites.py).
    "administration:staff": {},
    "administration:invitations": {},
    "administration:invite_staff": {},
    "administration:bulk_invite": {},
    "administration:bulk_invite_template": {},
    "administration:resend_invitation": dict.fromkeys(PERSONAS, 405),  # POST only
    "administration:cancel_invitation": dict.fromkeys(PERSONAS, 405),  # POST only
    # A member of staff's page and lifecycle, the access review: administrators only
    # (administration/tests/test_staff_lifecycle.py, test_access_review.py).
    "administration:staff_member": {},
    "administration:change_role": {},
    "administration:switch_off": {},
    "administration:switch_on": dict.fromkeys(PERSONAS, 405),  # POST only
    "administration:access_review": {},
    "administration:access_review_csv": {},
    # The second factor: a verified session is sent on from set-up and the code page; fresh
    # recovery codes exist only just after they are made (accounts/tests/test_second_factor_*).
    "accounts:second_factor_verify": dict.fromkeys(PERSONAS, 302),
    "accounts:second_factor_set_up": dict.fromkeys(PERSONAS, 302),
    "accounts:recovery_codes": dict.fromkeys(PERSONAS, 200),
    "accounts:recovery_codes_download": dict.fromkeys(PERSONAS, 404),
    "accounts:new_recovery_codes": dict.fromkeys(PERSONAS, 200),
    "accounts:reset_second_factor": dict.fromkeys(PERSONAS, 405),  # POST only, STAFF_MANAGE
    "accounts:password_change": dict.fromkeys(PERSONAS, 200),
    "accounts:confirm_its_you": dict.fromkeys(PERSONAS, 200),
    "directory_manage:provider_listings": {"provider": 200, "other_provider": 200},
    "directory_manage:provider_listing": {"provider": 200, "other_provider": 404},
    "directory_manage:provider_verify": dict.fromkeys(PERSONAS, 405),
    "directory_manage:provider_places": dict.fromkeys(PERSONAS, 405),
    "directory_manage:editor_changes": {"directory_editor": 200},
    "directory_manage:taxonomies": {"directory_editor": 200},
    "directory_manage:editor_change": {"directory_editor": 200},
    "directory_manage:resolve_flag": dict.fromkeys(PERSONAS, 405),
    "directory_manage:synonyms": {"directory_editor": 200},
    "directory_manage:synonym": {"directory_editor": 200},
    "reporting:dashboard": {"commissioner": 200, **FIGURES_STAFF},
    "reporting:outcomes": {"commissioner": 200, **FIGURES_STAFF},
    "reporting:value": {"commissioner": 200, **FIGURES_STAFF},
    "reporting:equity": {"commissioner": 200, **FIGURES_STAFF},
    "reporting:england": {},  # national analysts only: tested in reporting/tests
    "reporting:settings": {"commissioner": 200},
    "reporting:import_use": {"team_lead": 200},
    "reporting:import_use_template": {"team_lead": 200},
    "reporting:extracts": {"team_lead": 200},
    "reporting:extract_download": {"team_lead": 200},
    "reporting:extract_revoke": dict.fromkeys(PERSONAS, 405),
    "casework:about": SERVICE_STAFF,
    "outcomes:healthcare_use": SERVICE_STAFF,
    "referrals:sent": {"referrer": 200, "other_practice_referrer": 200},
    "referrals:new": {"referrer": 200, "other_practice_referrer": 200},
    # Each finds among their own organisation's referrals (tests/views/test_find_by_reference.py).
    "referrals:find": {"referrer": 200, "other_practice_referrer": 200, **FIGURES_STAFF},
    "referrals:uploads": {"referrer": 200, "other_practice_referrer": 200},
    "referrals:upload_template": {"referrer": 200, "other_practice_referrer": 200},
    "referrals:upload": REFERRERS,
    "referrals:detail": REFERRERS,
    "referrals:triage": {"team_lead": 200},
    "referrals:triage_referral": {"team_lead": 200},
    "referrals:allocate": {"team_lead": 200},
    "casework:caseload": {"link_worker": 200, "other_area_link_worker": 200, "team_lead": 302},
    "casework:team": {"team_lead": 200},
    "casework:case": SERVICE_STAFF,
    "casework:record_contact": SERVICE_STAFF,
    "casework:what_matters": SERVICE_STAFF,
    "casework:new_goal": SERVICE_STAFF,
    "casework:review_goal": SERVICE_STAFF,
    "casework:discharge": SERVICE_STAFF,
    "casework:find_activities": SERVICE_STAFF,
    "casework:availability": SERVICE_STAFF,
    "casework:suggest_activity": dict.fromkeys(PERSONAS, 405),  # POST only: see below
    "casework:consent": SERVICE_STAFF,
    "casework:contact_details": SERVICE_STAFF,
    "onward:refer": SERVICE_STAFF,
    "onward:signpost": SERVICE_STAFF,
    "onward:case_onward": SERVICE_STAFF,
    # POST only (GET is 405 for all): who may post is tested in onward/tests.
    "onward:case_cancel": dict.fromkeys(PERSONAS, 405),
    "onward:case_stop": dict.fromkeys(PERSONAS, 405),
    "onward:case_note": dict.fromkeys(PERSONAS, 405),
    "onward:provider_referrals": {"provider": 200, "other_provider": 200},
    "onward:provider_referral": {"provider": 200, "other_provider": 404},
    "onward:provider_answer": dict.fromkeys(PERSONAS, 405),
    "onward:provider_attendance": dict.fromkeys(PERSONAS, 405),
    "onward:provider_finish": dict.fromkeys(PERSONAS, 405),
    "onward:provider_note": dict.fromkeys(PERSONAS, 405),
    "outcomes:new": SERVICE_STAFF,
    "outcomes:complete": SERVICE_STAFF,
    "outcomes:complete_other": SERVICE_STAFF,
    "outcomes:send_link": dict.fromkeys(PERSONAS, 405),
    "outcomes:message_back": dict.fromkeys(PERSONAS, 405),
    "outcomes:response_fhir": SERVICE_STAFF,
    "outcomes:alert": SERVICE_STAFF,
    # Lists in the user's own scope; the questionnaire definitions hold no personal data.
    "outcomes:alerts": {"team_lead": 200, "link_worker": 200, "other_area_link_worker": 200},
    "outcomes:questionnaire_fhir": {
        "team_lead": 200,
        "link_worker": 200,
        "other_area_link_worker": 200,
    },
    "outcomes:message_back_pdf": {**SERVICE_STAFF, **REFERRERS},
    "outcomes:message_back_fhir": {**SERVICE_STAFF, **REFERRERS},
}


def url_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", str(entry.pattern)


# The public APIs (no sign-in, no personal data) have their own tests in api/tests.
PUBLIC_API_NAMESPACES = ("api-v1:", "openreferral:", "fhir:")  # fhir: bearer tokens, own tests
ROUTES = {
    name: route for name, route in url_patterns() if not name.startswith(PUBLIC_API_NAMESPACES)
}


def test_every_url_has_an_expectation():
    assert set(ROUTES) == set(EXPECTED) | PUBLIC


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_url_access_by_persona(
    client,
    request,
    name,
    active_referral,
    referrer,
    link_worker,
    team_lead,
    provider,
    provider_listing,
):
    from directory.actions import propose_change
    from directory.models import Synonym
    from onward.actions import refer_to_activity
    from referrals.actions import upload_referrals
    from reporting.actions import add_extract_recipient

    referral = active_referral
    onward = refer_to_activity(by=link_worker, referral=active_referral, service=provider_listing)
    from outcomes import actions as outcome_actions

    questionnaire = active_referral.questionnaire_requests.get(timepoint="baseline")
    response = outcome_actions.save_answers(
        by=link_worker,
        referral=active_referral,
        code="phq9",
        answers={"self_harm": 1},
        timepoint="other",
        submit=True,
    )
    message_back = outcome_actions.send_message_back(
        by=link_worker, referral=active_referral, reason="update"
    )
    pks = {
        "directory_manage:provider_listing": provider_listing.pk,
        "directory_manage:provider_verify": provider_listing.pk,
        "directory_manage:provider_places": provider_listing.pk,
        "directory_manage:editor_change": propose_change(
            by=provider, service=provider_listing, proposed={"name": "New name"}
        ).pk,
        "directory_manage:resolve_flag": provider_listing.pk,
        "directory_manage:synonym": Synonym.objects.first().pk,
        **{
            f"onward:provider_{v}": onward.pk
            for v in ("referral", "answer", "attendance", "finish", "note")
        },
        "outcomes:alert": response.alerts.get().pk,
        "referrals:upload": upload_referrals(by=referrer, filename="r.csv", content="x").pk,
        **{
            f"reporting:extract_{v}": add_extract_recipient(
                by=team_lead, name="Evaluators", purpose="Evaluation", agreement_reference="DSA1"
            ).pk
            for v in ("download", "revoke")
        },
    }
    if name == "referrals:triage_referral":
        referral = factories.referral(by=referrer, service=active_referral.service)
    goal = set_goal(by=link_worker, referral=active_referral, description="Get out more")
    kwargs = {}
    if "<uuid:pk>" in ROUTES[name]:
        kwargs["pk"] = pks.get(name, referral.pk)
    if "<uuid:goal_pk>" in ROUTES[name]:
        kwargs["goal_pk"] = goal.pk
    if "<uuid:onward_pk>" in ROUTES[name]:
        kwargs["onward_pk"] = onward.pk
    if "<uuid:service_pk>" in ROUTES[name]:
        kwargs["service_pk"] = provider_listing.pk
    if "<uuid:request_pk>" in ROUTES[name]:
        kwargs["request_pk"] = questionnaire.pk
    if "<slug:code>" in ROUTES[name]:
        kwargs["code"] = "swemwbs"
    if "<slug:timepoint>" in ROUTES[name]:
        kwargs["timepoint"] = "other"
    if "<uuid:response_pk>" in ROUTES[name]:
        kwargs["response_pk"] = response.pk
    if "<uuid:message_pk>" in ROUTES[name]:
        kwargs["message_pk"] = message_back.pk
    url = reverse(name, kwargs=kwargs or None)

    response = client.get(url)
    assert response.status_code == 302, "anonymous"
    assert response["Location"].startswith(reverse("accounts:login")), "anonymous"

    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        client.force_login(user)
        expected = EXPECTED[name].get(persona, 403)
        seen_before = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
        response = client.get(url)
        assert response.status_code == expected, f"{persona} GET {name}"
        if expected == 200:
            assert_read_audited(response, user, active_referral.person, seen_before, name)
        if expected in (403, 404):
            assert client.post(url, {}).status_code == expected, f"{persona} POST {name}"


def assert_read_audited(response, user, person, seen_before, name):
    """A page that shows a person's name recorded that this user saw this person."""
    if "html" not in response.get("Content-Type", ""):
        return
    if escape(person.full_name) not in response.content.decode():
        return
    events = audit.seen_by(person.pk).filter(id__gt=seen_before, actor=user)
    assert events.exists(), f"{name} showed {person.full_name} to {user.role} without an audit row"


def test_public_pages_open_to_everyone(client, area, referrer):
    service = factories.activity(area=area)
    for url in [reverse("directory:find"), reverse("directory:activity", args=[service.pk])]:
        assert client.get(url).status_code == 200
        client.force_login(referrer)
        assert client.get(url).status_code == 200
        client.logout()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("referrer", 403),
        ("commissioner", 403),
        ("other_area_link_worker", 404),
        ("link_worker", 302),
    ],
)
def test_shortlisting_post_only_for_service_staff(
    client, request, persona, expected, active_referral, area
):
    service = factories.activity(area=area)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("casework:suggest_activity", args=[active_referral.pk])
    assert client.post(url, {"service": service.pk}).status_code == expected
