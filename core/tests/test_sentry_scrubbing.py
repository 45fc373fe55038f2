"""Errors go to Sentry without personal data: no request body, cookies, query string or
identifying headers; of the user only the id; no local variables; personal data masked in
what is left.

No event ever leaves the machine: the first test calls `before_send` directly, the second
starts Sentry with a transport that keeps events in memory (the DSN names no real host)."""

import json
from unittest import mock

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

from config.observability import before_breadcrumb, before_send, init_sentry, scrub_url
from referrals import self_referral
from tests import factories

SECRETS = [
    "Margaret",
    "Fenton",
    "9449305552",
    "07700 900461",
    "margaret.fenton@example.com",
    "NN1 5BD",
    "sessionid-value-5f1c0e7a",
    "Bearer abc123",
    "203.0.113.9",
    "reset-token-QWxhZGRpbjpvcGVuIHNlc2FtZQ",
]


def fake_event() -> dict:
    return {
        "event_id": "e1",
        "level": "error",
        "request": {
            "url": "https://linkwork.example/accounts/reset/MQ/reset-token-QWxhZGRpbjpvcGVuIHNlc2FtZQ/"
            "?postcode=NN1+5BD",
            "method": "POST",
            "query_string": "postcode=NN1+5BD&name=Margaret",
            "data": {"given_name": "Margaret", "family_name": "Fenton", "phone": "07700 900461"},
            "cookies": {"sessionid": "sessionid-value-5f1c0e7a"},
            "headers": {
                "Authorization": "Bearer abc123",
                "Cookie": "sessionid=sessionid-value-5f1c0e7a",
                "X-Forwarded-For": "203.0.113.9",
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Request-ID": "5f1c0e7a2b0b4c349d1e6a5a0c6f1e01",
            },
            "env": {"REMOTE_" + "ADDR": "203.0.113.9", "SERVER_NAME": "web-1"},
        },
        "user": {
            "id": "01a24e64-5795-70c8-9e08-c94bcb6eeeb3",
            "email": "margaret.fenton@example.com",
            "username": "Margaret Fenton",
            "ip_address": "203.0.113.9",
        },
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": "Key (nhs_number)=(9449305552) already exists",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "create_referral",
                                "module": "referrals.actions",
                                "context_line": "    person.save()",
                                "vars": {"given_name": "'Margaret'", "postcode": "'NN1 5BD'"},
                            }
                        ]
                    },
                }
            ]
        },
        "logentry": {"message": "Failed for %s", "params": ["margaret.fenton@example.com"]},
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": "SELECT … WHERE postcode = 'NN1 5BD'"},
                {"category": "x", "message": "ok", "data": {"phone": "07700 900461"}},
            ]
        },
        "extra": {"person": {"full_name": "Margaret Fenton"}},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.7"}},
        "tags": {"request_id": "5f1c0e7a2b0b4c349d1e6a5a0c6f1e01"},
    }


def test_before_send_removes_personal_data_from_an_event():
    event = before_send(fake_event(), {})
    sent = json.dumps(event, default=str)
    leaks = [s for s in SECRETS if s.lower() in sent.lower()]
    assert not leaks, leaks
    assert event["user"] == {"id": "01a24e64-5795-70c8-9e08-c94bcb6eeeb3"}
    assert set(event["request"]) == {"method", "url", "headers"}
    assert event["request"]["url"] == "https://linkwork.example/accounts/reset/MQ/[token]/"
    assert event["request"]["headers"] == {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Request-ID": "5f1c0e7a2b0b4c349d1e6a5a0c6f1e01",
    }
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert "vars" not in frame and frame["function"] == "create_referral"
    assert (
        event["exception"]["values"][0]["value"] == "Key (nhs_number)=([nhs-number]) already exists"
    )
    # What helps to find the fault is kept.
    assert event["tags"]["request_id"] == "5f1c0e7a2b0b4c349d1e6a5a0c6f1e01"
    assert event["contexts"]["runtime"] == {"name": "CPython", "version": "3.11.7"}


def test_before_breadcrumb_masks_personal_data():
    crumb = before_breadcrumb({"message": "texted 07700 900461", "data": {"to": "x"}}, {})
    assert crumb == {"message": "texted [phone]", "data": {"to": "[redacted]"}}


def test_scrub_url_keeps_record_ids_and_drops_tokens_and_queries():
    url = "https://l.example/cases/0190f2e1-9d1c-7a3b-8c4d-123456789012/?q=NN1+5BD#top"
    assert scrub_url(url) == "https://l.example/cases/0190f2e1-9d1c-7a3b-8c4d-123456789012/"


def test_no_dsn_no_sentry():
    assert init_sentry(dsn="", environment="production", release=None) is False
    assert not sentry_sdk.get_client().is_active()


class KeepInMemory(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry():
    transport = KeepInMemory()
    init_sentry(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        release="linkwork@test",
        transport=transport,
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.django_db
def test_an_error_in_a_view_reaches_sentry_scrubbed(sentry, area, service):
    browser = Client(raise_request_exception=False)
    browser.cookies["sessionid"] = "sessionid-value-5f1c0e7a"
    factories.practice(area=area, name="Abington Park Surgery")
    form = {
        "given_name": "Margaret",
        "family_name": "Fenton",
        "date_of_birth[day]": "14",
        "date_of_birth[month]": "3",
        "date_of_birth[year]": "1948",
        "postcode": "NN1 5BD",
        "phone": "07700 900461",
        "email": "margaret.fenton@example.com",
        "preferred_contact": "text",
        "texts_allowed": "on",
        "needs": ["loneliness"],
        "words": "lonely",
        "practice_search": "Abington",
        "consent_to_contact": "on",
        "website": "",
        "started": self_referral.form_token(),
    }
    failing = ValueError("no need found for margaret.fenton@example.com in NN1 5BD")
    with (
        mock.patch.object(self_referral, "too_fast_or_stale", return_value=None),
        mock.patch.object(self_referral, "needs_from_words", side_effect=failing),
    ):
        response = browser.post(
            "/refer-yourself/?postcode=NN1+5BD",
            form,
            HTTP_AUTHORIZATION="Bearer abc123",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    assert response.status_code == 500
    sentry_sdk.get_client().flush()
    assert sentry.events, "the error reached the (in-memory) transport"
    event = sentry.events[0]
    sent = json.dumps(event, default=str)
    leaks = [s for s in SECRETS if s.lower() in sent.lower()]
    assert not leaks, leaks
    assert event["environment"] == "test" and event["release"] == "linkwork@test"
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert "data" not in event["request"] and "cookies" not in event["request"]
