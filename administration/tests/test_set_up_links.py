"""create_admin and the one-time set-up link."""

import re
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.actions import complete_set_up, create_administrator, issue_set_up_link
from accounts.models import SetUpLink, User
from accounts.setup_links import NOT_VALID, hash_token
from core.errors import ActionError
from core.models import AuditEvent
from core.permissions import Role
from organisations.models import Area, Organisation

pytestmark = pytest.mark.django_db
STRONG = "tangerine lighthouse velvet orbit"


def run_create_admin(*args):
    from io import StringIO

    out = StringIO()
    call_command("create_admin", *args, stdout=out)
    text = out.getvalue()
    link = re.search(r"(https?://\S+/accounts/set-up/\S+/)", text).group(1)
    return text, link


def path_of(link):
    return "/" + link.split("/", 3)[3]


def test_create_admin_makes_a_system_administrator_with_no_password(settings):
    settings.SITE_URL = "https://linkwork.example.nhs.uk"
    text, link = run_create_admin("Ada@Example.NHS.uk", "--name", "Ada Admin")
    user = User.objects.get(email="ada@example.nhs.uk")
    assert user.role == Role.SYSTEM_ADMIN
    assert not user.has_usable_password()
    assert user.organisation.kind == Organisation.Kind.OPERATOR
    assert user.organisation.area.operator
    assert link.startswith("https://linkwork.example.nhs.uk/accounts/set-up/")
    assert "24 hours" in text
    # Only the hash is stored: the token itself is nowhere in the database.
    token = link.rstrip("/").rsplit("/", 1)[1]
    stored = SetUpLink.objects.get(user=user)
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash


def test_two_system_administrators_share_one_operator_area():
    run_create_admin("one@example.nhs.uk", "--name", "One")
    run_create_admin("two@example.nhs.uk", "--name", "Two")
    assert Area.objects.filter(operator=True).count() == 1
    assert Organisation.objects.filter(kind=Organisation.Kind.OPERATOR).count() == 1


def test_create_admin_with_area_makes_a_service_administrator_of_the_icb(area):
    run_create_admin("svc@example.nhs.uk", "--name", "Sue Service", "--area", area.code)
    user = User.objects.get(email="svc@example.nhs.uk")
    assert user.role == Role.SERVICE_ADMIN
    assert user.organisation.area == area
    assert user.organisation.kind == Organisation.Kind.COMMISSIONER


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x@example.nhs.uk"], "Give the person's name"),
        (["x@example.nhs.uk", "--name", "X", "--area", "NOPE"], "no area with the code NOPE"),
        (["not-an-email", "--name", "X"], "correct format"),
        (["x@example.nhs.uk", "--new-link"], "no administrator account"),
    ],
)
def test_create_admin_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_admin", *args)
    assert not User.objects.exists()


def test_create_admin_refuses_an_existing_account():
    run_create_admin("ada@example.nhs.uk", "--name", "Ada")
    with pytest.raises(CommandError, match="already an account"):
        call_command("create_admin", "ADA@example.nhs.uk", "--name", "Ada again")


def test_create_admin_refuses_the_operator_area_as_an_area():
    run_create_admin("ada@example.nhs.uk", "--name", "Ada")
    with pytest.raises(CommandError, match="no area"):
        call_command("create_admin", "b@example.nhs.uk", "--name", "B", "--area", "OPERATOR")


def test_new_link_replaces_the_old_one(client):
    _, first = run_create_admin("ada@example.nhs.uk", "--name", "Ada")
    _, second = run_create_admin("ada@example.nhs.uk", "--new-link")
    assert client.get(path_of(first)).status_code == 404
    assert client.get(path_of(second)).status_code == 302


def test_the_link_sets_a_password_and_signs_in(client):
    _, link = run_create_admin("ada@example.nhs.uk", "--name", "Ada Admin")
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:set_up")  # the token leaves the address
    page = client.get(reverse("accounts:set_up"))
    assert page.status_code == 200 and "ada@example.nhs.uk" in page.content.decode()
    response = client.post(
        reverse("accounts:set_up"), {"new_password1": STRONG, "new_password2": STRONG}
    )
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.nhs.uk")
    assert user.check_password(STRONG)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(verb="set_up_account", actor=user).exists()
    # Single use: the same link again is refused, as is the session's copy.
    client.logout()
    assert client.get(path_of(link)).status_code == 404


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "too short"),
        ("password1234", "too common"),
        ("ada@example.nhs.uk", "too similar"),
    ],
)
def test_the_link_refuses_weak_passwords(client, password, message):
    _, link = run_create_admin("ada@example.nhs.uk", "--name", "Ada Admin")
    client.get(path_of(link))
    response = client.post(
        reverse("accounts:set_up"), {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not User.objects.get(email="ada@example.nhs.uk").has_usable_password()


def test_mismatched_passwords_are_refused(client):
    _, link = run_create_admin("ada@example.nhs.uk", "--name", "Ada Admin")
    client.get(path_of(link))
    response = client.post(
        reverse("accounts:set_up"), {"new_password1": STRONG, "new_password2": STRONG + "x"}
    )
    assert "The passwords differ" in response.content.decode()


def test_expired_used_and_unknown_links_get_the_same_page(client, time_machine):
    _, expired = run_create_admin("old@example.nhs.uk", "--name", "Old")
    time_machine.move_to(timezone.now() + timedelta(hours=24, seconds=1))
    _, used = run_create_admin("used@example.nhs.uk", "--name", "Used")
    client.get(path_of(used))
    client.post(reverse("accounts:set_up"), {"new_password1": STRONG, "new_password2": STRONG})
    client.logout()
    pages = [
        client.get(path_of(expired)),
        client.get(path_of(used)),
        client.get(reverse("accounts:set_up_start", args=["made-up-token"])),
        client.get(reverse("accounts:set_up")),  # no link in the session
    ]
    assert {p.status_code for p in pages} == {404}
    assert {p.content.decode().count(NOT_VALID) for p in pages} == {1}


def test_a_link_that_expires_while_the_page_is_open_is_refused(client, time_machine):
    _, link = run_create_admin("ada@example.nhs.uk", "--name", "Ada")
    client.get(path_of(link))
    time_machine.move_to(timezone.now() + timedelta(hours=25))
    response = client.post(
        reverse("accounts:set_up"), {"new_password1": STRONG, "new_password2": STRONG}
    )
    assert response.status_code == 404 and NOT_VALID in response.content.decode()
    assert not User.objects.get(email="ada@example.nhs.uk").has_usable_password()


def test_a_switched_off_account_cannot_use_its_link(client):
    user, token = create_administrator(by=None, email="a@example.nhs.uk", full_name="A")
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(ActionError, match="expired"):
        complete_set_up(token=token, password=STRONG)


@pytest.mark.django_db(transaction=True)
def test_two_uses_of_one_link_at_once_only_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    user, token = create_administrator(by=None, email="a@example.nhs.uk", full_name="A")
    results = []

    def use(password):
        try:
            complete_set_up(token=token, password=password)
            results.append(password)
        except ActionError:
            results.append(None)
        finally:
            connection.close()

    threads = [threading.Thread(target=use, args=(STRONG + str(i),)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r]
    assert len(winners) == 1
    user.refresh_from_db()
    assert user.check_password(winners[0])


def test_no_command_or_migration_makes_an_account():
    assert not User.objects.exists()


def test_issue_set_up_link_is_audited():
    user, _ = create_administrator(by=None, email="a@example.nhs.uk", full_name="A")
    issue_set_up_link(by=None, user=user)
    assert AuditEvent.objects.filter(verb="issue_set_up_link", object_id=str(user.pk)).count() == 2


def test_service_admin_only_in_their_area_office(area):
    user, _ = create_administrator(by=None, email="a@example.nhs.uk", full_name="A", area=area)
    again, _ = create_administrator(by=None, email="b@example.nhs.uk", full_name="B", area=area)
    assert user.organisation == again.organisation
