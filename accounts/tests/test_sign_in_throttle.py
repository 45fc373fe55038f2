"""Sign-in throttling: per account for untrusted browsers, per trusted browser, per client
address and overall; race-free under parallel guesses; every failure audited.

Which test proves which finding (issue 13, "Sign-in and abuse"):
- lockout bypass with compatibility characters:
  test_fullwidth_failures_count_against_the_real_account
- strangers locking a named person out:
  test_a_strangers_failures_do_not_lock_out_the_real_users_browser
- password spraying from one address:
  test_spraying_many_accounts_from_one_address_limits_the_address
- parallel guesses past the limit:
  test_parallel_wrong_passwords_for_one_account_evaluate_at_most_the_limit
  (and test_parallel_spraying_from_one_address_... for the address limit)
- failed sign-ins audited:
  test_a_failed_sign_in_is_audited_with_account_and_address_never_the_password
"""

import json
import re
import threading
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from accounts.actions import forget_old_sign_in_attempts
from accounts.models import SignInAttempt, User
from core import periodic
from core.models import AuditEvent
from tests import factories
from tests.concurrency import race
from tests.factories import PASSWORD

LIMIT = 5  # failures per account from browsers it has never signed in from (the limit)
STRANGER = "198.51.100.7"
HOME = "192.0.2.10"
SPRAYER = "203.0.113.9"


def sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def refused(response) -> bool:
    return response.status_code == 200 and "Too many failed attempts" in unescape(
        response.content.decode()
    )


def signed_in(response) -> bool:
    return response.status_code == 302


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was actually checked against an account."""
    calls = []
    lock = threading.Lock()
    original = User.check_password

    def counting(self, raw_password):
        with lock:
            calls.append(self.pk)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    return calls


def fullwidth(text: str) -> str:
    """ASCII letters and digits as their fullwidth compatibility forms (ａ, ｂ, １, ...)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@pytest.mark.django_db
def test_fullwidth_failures_count_against_the_real_account(link_worker, password_checks):
    first, rest = link_worker.email[0], link_worker.email[1:]
    variants = [
        fullwidth(first) + rest,
        fullwidth(link_worker.email),
        fullwidth(first).upper() + rest.upper(),
        " " + fullwidth(first) + rest + "\u3000",  # ideographic space, stripped after NFKC
        link_worker.email.upper(),
    ]
    stranger = Client(REMOTE_ADDR=STRANGER)
    for variant in variants:
        assert not signed_in(sign_in(stranger, variant, "wrong"))
    assert refused(sign_in(stranger, link_worker.email, PASSWORD))
    assert refused(sign_in(stranger, fullwidth(link_worker.email), PASSWORD))
    assert len(password_checks) == LIMIT


@pytest.mark.django_db
def test_a_fullwidth_email_still_signs_in_to_the_real_account(link_worker):
    response = sign_in(Client(REMOTE_ADDR=HOME), fullwidth(link_worker.email), PASSWORD)
    assert signed_in(response)
    assert AuditEvent.objects.filter(actor=link_worker, verb="sign_in").exists()


@pytest.mark.django_db
def test_a_strangers_failures_do_not_lock_out_the_real_users_browser(link_worker):
    own = Client(REMOTE_ADDR=HOME)
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))
    own.post(reverse("accounts:logout"))

    stranger = Client(REMOTE_ADDR=STRANGER)
    for _ in range(LIMIT * 2):
        sign_in(stranger, link_worker.email, "wrong")
    assert refused(sign_in(stranger, link_worker.email, PASSWORD))
    # Another browser that has never signed in to this account is a stranger too...
    assert refused(sign_in(Client(REMOTE_ADDR=HOME), link_worker.email, PASSWORD))
    # ...but the browser the real user signs in from is not.
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))


@pytest.mark.django_db
def test_a_trusted_browser_is_still_limited_for_its_own_account(link_worker, password_checks):
    own = Client(REMOTE_ADDR=HOME)
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))
    own.post(reverse("accounts:logout"))
    for _ in range(LIMIT):
        assert not signed_in(sign_in(own, link_worker.email, "wrong"))
    assert refused(sign_in(own, link_worker.email, PASSWORD))
    assert len(password_checks) == 1 + LIMIT


@pytest.mark.django_db
def test_a_browser_trusted_for_one_account_is_a_stranger_to_another(link_worker, team_lead):
    own = Client(REMOTE_ADDR=HOME)
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))
    own.post(reverse("accounts:logout"))
    for _ in range(LIMIT):
        sign_in(own, team_lead.email, "wrong")
    assert refused(sign_in(own, team_lead.email, PASSWORD))
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))


@pytest.mark.django_db
def test_a_forged_device_cookie_is_not_trusted(link_worker):
    stranger = Client(REMOTE_ADDR=STRANGER)
    stranger.cookies["linkwork_device"] = "forged"
    for _ in range(LIMIT):
        sign_in(stranger, link_worker.email, "wrong")
    assert refused(sign_in(stranger, link_worker.email, PASSWORD))


@pytest.mark.django_db
def test_the_refusal_does_not_say_whether_the_account_exists(link_worker):
    stranger = Client(REMOTE_ADDR=STRANGER)
    for email in [link_worker.email, "nobody@example.nhs.uk"]:
        for _ in range(LIMIT):
            sign_in(stranger, email, "wrong")
    known = sign_in(stranger, link_worker.email, PASSWORD)
    unknown = sign_in(stranger, "nobody@example.nhs.uk", PASSWORD)
    assert refused(known) and refused(unknown)

    def shown(response, email):
        # The page less what differs anyway: the address typed back, the CSRF token and the
        # script nonce.
        text = response.content.decode().replace(email, "")
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
        return re.sub(r'nonce="[^"]*"', "", text)

    assert shown(known, link_worker.email) == shown(unknown, "nobody@example.nhs.uk")


@pytest.mark.django_db
def test_spraying_many_accounts_from_one_address_limits_the_address(practice, password_checks):
    people = [factories.user(organisation=practice, role="referrer") for _ in range(30)]
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for person in people:
        sign_in(sprayer, person.email, "Winter2026!")
    assert len(password_checks) < 30
    # The address is limited: even a right password is not tried from it...
    assert refused(sign_in(sprayer, people[0].email, PASSWORD))
    assert refused(sign_in(Client(REMOTE_ADDR=SPRAYER), people[1].email, PASSWORD))
    # ...while the same people sign in from anywhere else.
    assert signed_in(sign_in(Client(REMOTE_ADDR=HOME), people[1].email, PASSWORD))


@pytest.mark.django_db
def test_colleagues_on_trusted_browsers_behind_a_sprayed_address_still_sign_in(practice):
    colleague = factories.user(organisation=practice, role="referrer")
    desk = Client(REMOTE_ADDR=SPRAYER)
    assert signed_in(sign_in(desk, colleague.email, PASSWORD))
    desk.post(reverse("accounts:logout"))
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    for i in range(30):
        sign_in(sprayer, f"someone{i}@example.nhs.uk", "Winter2026!")
    assert refused(sign_in(Client(REMOTE_ADDR=SPRAYER), colleague.email, PASSWORD))
    assert signed_in(sign_in(desk, colleague.email, PASSWORD))


@pytest.mark.django_db
def test_many_failures_overall_refuse_untrusted_browsers_only(link_worker, practice, monkeypatch):
    monkeypatch.setattr(throttle, "OVERALL_LIMIT", 10)
    own = Client(REMOTE_ADDR=HOME)
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))
    own.post(reverse("accounts:logout"))
    for i in range(12):  # a botnet: every guess from its own address, at its own account
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{i + 1}"), f"someone{i}@example.nhs.uk", "x")
    newcomer = factories.user(organisation=practice, role="referrer")
    assert refused(sign_in(Client(REMOTE_ADDR="192.0.2.99"), newcomer.email, PASSWORD))
    assert signed_in(sign_in(own, link_worker.email, PASSWORD))


@pytest.mark.django_db
def test_a_failed_sign_in_is_audited_with_account_and_address_never_the_password(link_worker):
    sign_in(Client(REMOTE_ADDR=SPRAYER), link_worker.email, "hunter2-not-it")
    sign_in(Client(REMOTE_ADDR=SPRAYER), "nobody@example.nhs.uk", "hunter3-not-it")
    failures = AuditEvent.objects.filter(kind=AuditEvent.Kind.AUTH, verb="sign_in_failed")
    assert failures.count() == 2
    by_account = {e.detail.get("account"): e for e in failures}
    assert by_account[str(link_worker.pk)].detail["address"] == SPRAYER
    assert by_account[None].detail["address"] == SPRAYER
    everything = json.dumps([e.detail for e in failures]) + str(
        list(failures.values_list("verb", "reason", "object_id"))
    )
    assert "hunter" not in everything
    assert "nobody@" not in everything  # an unknown "email" may be a mistyped password


@pytest.mark.django_db
def test_a_refused_sign_in_is_audited(link_worker):
    stranger = Client(REMOTE_ADDR=STRANGER)
    for _ in range(LIMIT + 1):
        sign_in(stranger, link_worker.email, "wrong")
    reasons = list(
        AuditEvent.objects.filter(verb="sign_in_failed").values_list("detail__outcome", flat=True)
    )
    assert reasons.count("refused") == 1 and len(reasons) == LIMIT + 1


@pytest.mark.django_db
def test_sign_in_and_out_are_audited_with_the_client_address(link_worker):
    own = Client(REMOTE_ADDR=HOME)
    sign_in(own, link_worker.email, PASSWORD)
    own.post(reverse("accounts:logout"))
    events = AuditEvent.objects.filter(actor=link_worker, kind=AuditEvent.Kind.AUTH)
    assert {e.verb: e.detail["address"] for e in events} == {"sign_in": HOME, "sign_out": HOME}


@pytest.mark.django_db
def test_behind_trusted_proxies_each_client_is_counted_by_its_own_address(practice, settings):
    settings.LINKWORK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    people = [factories.user(organisation=practice, role="referrer") for _ in range(30)]
    behind_lb = {"REMOTE_ADDR": "10.0.0.5"}
    sprayer = Client(**behind_lb, HTTP_X_FORWARDED_FOR=SPRAYER)
    for person in people:
        sign_in(sprayer, person.email, "Winter2026!")
    assert refused(sign_in(sprayer, people[0].email, PASSWORD))
    colleague = Client(**behind_lb, HTTP_X_FORWARDED_FOR=f"{SPRAYER}, {HOME}")
    assert signed_in(sign_in(colleague, people[1].email, PASSWORD))
    event = AuditEvent.objects.get(verb="sign_in")
    assert event.detail["address"] == HOME


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_for_one_account_evaluate_at_most_the_limit(
    link_worker, password_checks
):
    email = link_worker.email
    results = race(
        [
            lambda i=i: sign_in(Client(REMOTE_ADDR=f"198.51.100.{i + 1}"), email, f"guess-{i}")
            for i in range(40)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert not any(signed_in(r) for r in results)
    assert len(password_checks) <= LIMIT
    # Tries refused in the crowd do not count: what is left of the limit is still there,
    # and no more.
    for _ in range(LIMIT):
        sign_in(Client(REMOTE_ADDR=STRANGER), email, "one-more")
    assert len(password_checks) == LIMIT
    assert refused(sign_in(Client(REMOTE_ADDR=STRANGER), email, PASSWORD))


@pytest.mark.django_db(transaction=True)
def test_parallel_spraying_from_one_address_evaluates_at_most_the_address_limit(
    practice, password_checks
):
    people = [factories.user(organisation=practice, role="referrer") for _ in range(40)]
    results = race(
        [lambda p=p: sign_in(Client(REMOTE_ADDR=SPRAYER), p.email, "Winter2026!") for p in people]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(password_checks) <= throttle.PER_ADDRESS_LIMIT


@pytest.mark.django_db
def test_old_sign_in_tries_are_forgotten_by_the_periodic_sweep(link_worker):
    assert ("accounts.actions.forget_old_sign_in_attempts", timedelta(hours=23)) in (
        periodic.DUTIES
    )
    start = timezone.now()
    sign_in(Client(REMOTE_ADDR=STRANGER), link_worker.email, "wrong")
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        sign_in(Client(REMOTE_ADDR=STRANGER), link_worker.email, "wrong")
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        assert forget_old_sign_in_attempts() == 1
    assert SignInAttempt.objects.count() == 1
