"""The signed-in account is loaded with its organisation in one query
(accounts.sessions.get_user), with everything django.contrib.auth.get_user checks kept."""

import pytest
from django.contrib import auth
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import sessions

pytestmark = pytest.mark.django_db


def _request(client):
    request = RequestFactory().get("/")
    request.session = client.session
    return request


def test_a_page_loads_the_account_and_its_organisation_in_one_query(client, link_worker):
    client.force_login(link_worker)
    client.get(reverse("accounts:password_change"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 200
    assert link_worker.organisation.name.encode() in response.content
    users = [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(users) == 1 and '"organisations_organisation"' in users[0]
    assert not any(
        q["sql"].lstrip().startswith("SELECT") and 'FROM "organisations_organisation"' in q["sql"]
        for q in queries
    )


def test_it_finds_the_account_django_finds(client, link_worker):
    client.force_login(link_worker)
    ours = sessions.get_user(_request(client))
    assert ours == auth.get_user(_request(client)) == link_worker
    with CaptureQueriesContext(connection) as queries:
        assert ours.organisation == link_worker.organisation
    assert not queries


def test_a_changed_password_ends_the_session_as_django_does(client, link_worker):
    client.force_login(link_worker)
    link_worker.set_password("another-long-password-entirely")
    link_worker.save()
    request = _request(client)
    assert not sessions.get_user(request).is_authenticated
    assert SESSION_KEY not in request.session  # flushed
    assert not auth.get_user(_request(client)).is_authenticated


def test_a_session_under_an_old_secret_key_is_moved_to_the_new_one(client, link_worker, settings):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    client.force_login(link_worker)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    request = _request(client)
    old_key = request.session.session_key
    assert sessions.get_user(request) == link_worker
    assert request.session.session_key != old_key
    assert request.session[HASH_SESSION_KEY] == link_worker.get_session_auth_hash()


def test_a_switched_off_account_is_not_signed_in(client, link_worker):
    client.force_login(link_worker)
    link_worker.is_active = False
    link_worker.save()
    assert not sessions.get_user(_request(client)).is_authenticated
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302


def test_the_copy_follows_djangos_own_get_user():
    """accounts.sessions.get_user repeats django.contrib.auth.get_user's checks. A Django
    release that changes them (a security fix, say) fails here until the copy is compared
    with it and this fingerprint updated."""
    import hashlib
    import inspect

    source = inspect.getsource(auth.get_user)
    assert hashlib.sha256(source.encode()).hexdigest() == (
        "08a852f701f765bc91f251764cc682d2d3f59d5d0fdfa2e1fc6fb9bba45ba960"
    ), "django.contrib.auth.get_user changed: bring accounts.sessions.get_user in line"
