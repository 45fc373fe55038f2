"""Inviting staff by email (one at a time and by CSV), resending, cancelling, accepting, and
the area's staff list.

Which test proves which requirement (issue 14, "Staff"):
- invite by email through GOV.UK Notify, link valid 7 days, accept → password → second
  factor: test_an_invitation_is_emailed_and_accepted_through_to_the_second_factor
- the email's one normal form: test_the_email_address_is_normalised
- bad input named on the form: test_bad_input_is_refused_and_nothing_made,
  test_a_role_the_organisation_cannot_have_is_refused
- an address in use; another area's never revealed: test_an_address_in_use_in_the_area,
  test_another_areas_address_is_refused_without_saying_where,
  test_an_address_already_invited_is_refused
- expired and used links: test_an_expired_link_is_refused, test_a_used_link_is_refused
- resend kills the old link: test_resending_sends_a_new_link_and_kills_the_old_one
- cancel: test_cancelling_kills_the_link_and_switches_the_account_off,
  test_an_expired_or_cancelled_invitation_can_be_made_again
- the list shows waiting/expired/accepted/cancelled: test_the_invitations_list_shows_each_state
- bulk CSV, all or nothing, every problem by line and column:
  test_bulk_invite_sends_every_row, test_bulk_invite_names_every_problem_and_sends_nothing,
  test_bulk_invite_refuses_files_it_cannot_read, test_the_template_is_a_valid_file
- permissions: test_staff_pages_refuse_other_roles, test_another_areas_administrator_gets_404,
  test_system_administrator_invites_service_administrators_only
- concurrency: test_two_administrators_inviting_one_address_at_once_make_one_account
- re-authentication: test_inviting_asks_a_stale_session_to_confirm_first
- audit: test_every_change_is_audited
- staff list: test_staff_list_search_filters_and_pages, test_staff_list_shows_invitation_states
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.actions import cancel_invitation, invite_staff, resend_invitation
from accounts.models import Invitation, SetUpLink, User
from accounts.setup_links import NOT_VALID
from accounts.tests.test_sign_in_throttle import race
from core import csv_safe
from core.errors import ActionError
from core.models import AuditEvent
from core.permissions import Role
from notifications.models import Message
from organisations.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db
STRONG = "tangerine lighthouse velvet orbit"


def invitation_emails(email):
    return Message.objects.filter(to=email, template__code="staff_invitation").order_by(
        "created_at"
    )


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/set-up/[^\s]+/)", unescape(message.body))
    assert match, message.body
    return match.group(1)


def invite_page(client, **data):
    return client.post(reverse("administration:invite_staff"), data)


def person(service, **overrides):
    return {
        "full_name": "Jo Bloggs",
        "email": "jo.bloggs@example.nhs.net",
        "job_title": "Social prescribing link worker",
        "organisation": str(service.pk),
        "role": Role.LINK_WORKER,
        **overrides,
    }


def accept(client, link, password=STRONG):
    landing = client.get(link)
    assert landing.status_code == 302 and landing["Location"] == reverse("accounts:set_up")
    return client.post(
        reverse("accounts:set_up"), {"new_password1": password, "new_password2": password}
    )


def upload(text, name="staff.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# Inviting one person


def test_an_invitation_is_emailed_and_accepted_through_to_the_second_factor(
    client, service_admin, service, notify, run_tasks
):
    client.force_login(service_admin)
    response = invite_page(client, **person(service))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("administration:invitations")

    user = User.objects.get(email="jo.bloggs@example.nhs.net")
    assert (user.organisation, user.role, user.job_title) == (
        service,
        Role.LINK_WORKER,
        "Social prescribing link worker",
    )
    assert user.is_active and not user.has_usable_password()  # nobody can sign in yet
    invitation = Invitation.objects.get(user=user)
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.expires_at - invitation.invited_at == timedelta(days=7)

    run_tasks()
    [sent] = notify.sent_to("jo.bloggs@example.nhs.net")
    assert sent["subject"] == "You have been invited to linkwork"
    assert "as a link worker for " + service.name in sent["body"]
    assert "Sid Service" in sent["body"]
    link = link_in(invitation_emails(user.email).get())
    assert link in sent["body"]

    client.logout()
    response = accept(client, link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    # Signed in, the next page is setting up the authenticator app.
    home = client.get(reverse("core:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("accounts:second_factor_set_up"))
    # Only a hash of the token is stored.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not SetUpLink.objects.filter(token_hash=token).exists()


def test_the_email_address_is_normalised(client, service_admin, service):
    client.force_login(service_admin)
    invite_page(client, **person(service, email="  Jo.Bloggs@EXAMPLE.nhs.net "))
    assert User.objects.filter(email="jo.bloggs@example.nhs.net").exists()
    assert invitation_emails("jo.bloggs@example.nhs.net").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"full_name": ""}, "Enter their full name"),
        ({"email": ""}, "Enter their email address"),
        ({"email": "not an address"}, "Enter an email address in the correct format"),
        ({"role": ""}, "Choose their role"),
        ({"role": Role.SYSTEM_ADMIN}, "Choose their role"),
        ({"role": Role.NATIONAL}, "Choose their role"),
        ({"organisation": ""}, "Choose the organisation they work for"),
        ({"job_title": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_made(client, service_admin, service, overrides, message):
    client.force_login(service_admin)
    response = invite_page(client, **person(service, **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in unescape(page)
    assert not Invitation.objects.exists()
    assert not Message.objects.filter(template__code="staff_invitation").exists()


def test_a_role_the_organisation_cannot_have_is_refused(client, service_admin, service, area):
    client.force_login(service_admin)
    response = invite_page(client, **person(service, role=Role.REFERRER))
    assert "cannot be a referrer" in unescape(response.content.decode())
    practice = factories.practice(area=area)
    response = invite_page(client, **person(practice, role=Role.TEAM_LEAD))
    assert "cannot be a team lead" in unescape(response.content.decode())
    assert not Invitation.objects.exists()


def test_organisations_of_another_area_or_closed_cannot_be_chosen(client, service_admin, area):
    elsewhere = factories.service(area=factories.area())
    closed = factories.practice(area=area)
    Organisation.objects.filter(pk=closed.pk).update(active=False)  # as an ODS import would
    closed.refresh_from_db()
    client.force_login(service_admin)
    for organisation, role in ((elsewhere, Role.LINK_WORKER), (closed, Role.REFERRER)):
        response = invite_page(client, **person(organisation, role=role))
        assert "Choose an organisation in your area" in unescape(response.content.decode())
    # The action refuses them too, whatever a page sends.
    with pytest.raises(ActionError, match="in your area"):
        invite_staff(
            by=service_admin,
            email="x@example.nhs.net",
            full_name="X",
            organisation=elsewhere,
            role=Role.LINK_WORKER,
        )
    with pytest.raises(ActionError, match="is closed"):
        invite_staff(
            by=service_admin,
            email="x@example.nhs.net",
            full_name="X",
            organisation=closed,
            role=Role.REFERRER,
        )
    assert not Invitation.objects.exists()


def test_an_address_in_use_in_the_area(client, service_admin, link_worker, service):
    client.force_login(service_admin)
    response = invite_page(client, **person(service, email=link_worker.email.upper()))
    assert f"There is already an account for {link_worker.email}" in response.content.decode()
    assert not Invitation.objects.exists()


def test_another_areas_address_is_refused_without_saying_where(
    client, service_admin, other_area_link_worker, service
):
    client.force_login(service_admin)
    response = invite_page(client, **person(service, email=other_area_link_worker.email))
    page = unescape(response.content.decode())
    assert invitations.CANNOT_INVITE in page
    assert other_area_link_worker.organisation.name not in page
    assert "already" not in page
    other_area_link_worker.refresh_from_db()
    assert other_area_link_worker.organisation.area != service_admin.organisation.area
    assert not Invitation.objects.exists()


def test_an_address_already_invited_is_refused(client, service_admin, service):
    client.force_login(service_admin)
    invite_page(client, **person(service))
    response = invite_page(client, **person(service, full_name="Jo Again"))
    assert "has already been invited" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert User.objects.get(email="jo.bloggs@example.nhs.net").full_name == "Jo Bloggs"


# Links: expiry, single use, resend, cancel


def invited(service_admin, service, email="jo.bloggs@example.nhs.net", role=Role.LINK_WORKER):
    return invite_staff(
        by=service_admin, email=email, full_name="Jo Bloggs", organisation=service, role=role
    )


def test_an_expired_link_is_refused(client, service_admin, service, time_machine):
    invitation = invited(service_admin, service)
    link = link_in(invitation_emails(invitation.user.email).get())
    time_machine.move_to(timezone.now() + timedelta(days=7, seconds=1))
    response = client.get(link)
    assert response.status_code == 404 and NOT_VALID in response.content.decode()
    assert invitations.state(invitation) == invitations.Shown.EXPIRED


def test_a_link_still_works_on_the_seventh_day(client, service_admin, service, time_machine):
    invitation = invited(service_admin, service)
    link = link_in(invitation_emails(invitation.user.email).get())
    time_machine.move_to(timezone.now() + timedelta(days=6, hours=23))
    assert accept(client, link).status_code == 302


def test_a_used_link_is_refused(client, service_admin, service):
    invitation = invited(service_admin, service)
    link = link_in(invitation_emails(invitation.user.email).get())
    accept(client, link)
    client.logout()
    response = client.get(link)
    assert response.status_code == 404 and NOT_VALID in response.content.decode()
    with pytest.raises(ActionError, match="already accepted"):
        resend_invitation(by=service_admin, invitation=invitation)


def test_resending_sends_a_new_link_and_kills_the_old_one(client, service_admin, service):
    invitation = invited(service_admin, service)
    old = link_in(invitation_emails(invitation.user.email).get())
    client.force_login(service_admin)
    response = client.post(reverse("administration:resend_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    first, second = invitation_emails(invitation.user.email)
    new = link_in(second)
    assert new != old
    invitation.refresh_from_db()
    assert invitation.times_sent == 2
    client.logout()
    assert client.get(old).status_code == 404
    assert accept(client, new).status_code == 302


def test_resending_an_expired_invitation_gives_seven_more_days(
    client, service_admin, service, time_machine
):
    invitation = invited(service_admin, service)
    time_machine.move_to(timezone.now() + timedelta(days=10))
    invitation = resend_invitation(by=service_admin, invitation=invitation)
    assert invitations.state(invitation) == invitations.Shown.PENDING
    assert invitation.expires_at - timezone.now() == pytest.approx(
        timedelta(days=7), abs=timedelta(seconds=5)
    )
    assert (
        accept(client, link_in(invitation_emails(invitation.user.email).last())).status_code == 302
    )


def test_cancelling_kills_the_link_and_switches_the_account_off(client, service_admin, service):
    invitation = invited(service_admin, service)
    link = link_in(invitation_emails(invitation.user.email).get())
    client.force_login(service_admin)
    response = client.post(reverse("administration:cancel_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELLED
    assert not User.objects.get(pk=invitation.user_id).is_active
    client.logout()
    assert client.get(link).status_code == 404
    with pytest.raises(ActionError, match="cancelled"):
        resend_invitation(by=service_admin, invitation=invitation)
    with pytest.raises(ActionError, match="already cancelled"):
        cancel_invitation(by=service_admin, invitation=invitation)


def test_an_expired_or_cancelled_invitation_can_be_made_again(
    client, service_admin, service, area, time_machine
):
    first = invited(service_admin, service)
    cancel_invitation(by=service_admin, invitation=first)
    practice = factories.practice(area=area)
    again = invite_staff(
        by=service_admin,
        email="jo.bloggs@example.nhs.net",
        full_name="Jo  Bloggs-Smith",
        organisation=practice,
        role=Role.REFERRER,
    )
    assert again.user_id == first.user_id  # one account per address
    user = User.objects.get(pk=again.user_id)
    assert user.is_active and user.organisation == practice and user.role == Role.REFERRER
    assert user.full_name == "Jo Bloggs-Smith"
    time_machine.move_to(timezone.now() + timedelta(days=8))
    third = invited(service_admin, service)
    assert third.user_id == first.user_id
    assert Invitation.objects.filter(status=Invitation.Status.PENDING).get() == third
    assert accept(client, link_in(invitation_emails(user.email).last())).status_code == 302


def test_the_invitations_list_shows_each_state(client, service_admin, service, time_machine):
    expired = invited(service_admin, service, email="expired@example.nhs.net")
    time_machine.move_to(timezone.now() + timedelta(days=8))
    waiting = invited(service_admin, service, email="waiting@example.nhs.net")
    accepted = invited(service_admin, service, email="accepted@example.nhs.net")
    accept(client, link_in(invitation_emails(accepted.user.email).get()))
    cancelled = invited(service_admin, service, email="cancelled@example.nhs.net")
    cancel_invitation(by=service_admin, invitation=cancelled)
    client.force_login(service_admin)
    url = reverse("administration:invitations")
    page = client.get(url).content.decode()
    for invitation, label in [
        (expired, "Expired"),
        (waiting, "Waiting"),
        (accepted, "Accepted"),
        (cancelled, "Cancelled"),
    ]:
        row = re.search(
            rf'data-invitation="{re.escape(invitation.user.email)}">(.*?)</tr>', page, re.S
        ).group(1)
        assert re.search(rf"nhsuk-tag[^>]*>\s*{label}\s*<", row), label
        shown = client.get(url, {"show": getattr(invitations.Shown, label.upper(), label)})
        emails = re.findall(r'data-invitation="([^"]+)"', shown.content.decode())
        if label != "Waiting":
            assert emails == [invitation.user.email], label
    waiting_only = client.get(url, {"show": invitations.Shown.PENDING}).content.decode()
    assert re.findall(r'data-invitation="([^"]+)"', waiting_only) == [waiting.user.email]
    found = client.get(url, {"q": "EXPIRED@"}).content.decode()
    assert re.findall(r'data-invitation="([^"]+)"', found) == [expired.user.email]


# Bulk invitations by CSV


def csv_text(rows, header=invitations.COLUMNS):
    return csv_safe.text([header, *rows])


def test_bulk_invite_sends_every_row(client, service_admin, service, area):
    practice = factories.practice(area=area, name="Elm Surgery")
    client.force_login(service_admin)
    text = csv_text(
        [
            ["one@example.nhs.net", "One Person", service.name.upper(), "Link worker", ""],
            [
                "two@example.nhs.net",
                "Two Person",
                practice.ods_code.lower(),
                "referrer",
                "GP partner",
            ],
            ["Three@Example.nhs.net", "Three Person", "Elm Surgery", "REFERRER", ""],
        ]
    )
    response = client.post(reverse("administration:bulk_invite"), {"file": upload(text)})
    assert response.status_code == 302, response.content.decode()
    assert User.objects.get(email="one@example.nhs.net").organisation == service
    two = User.objects.get(email="two@example.nhs.net")
    assert (two.organisation, two.role, two.job_title) == (practice, Role.REFERRER, "GP partner")
    assert User.objects.filter(email="three@example.nhs.net").exists()
    assert Message.objects.filter(template__code="staff_invitation").count() == 3
    assert AuditEvent.objects.filter(verb="invite_staff_in_bulk", actor=service_admin).exists()


def test_bulk_invite_names_every_problem_and_sends_nothing(
    client, service_admin, service, link_worker, other_area_link_worker, area
):
    factories.service(area=area, name="Twin")
    factories.service(area=area, name="Twin")
    client.force_login(service_admin)
    text = csv_text(
        [
            ["good@example.nhs.net", "Good Person", service.name, "Link worker", ""],  # 2
            ["not an email", "", service.name, "Link worker", ""],  # 3
            ["a@example.nhs.net", "A", "Nowhere Surgery", "Link worker", ""],  # 4
            ["b@example.nhs.net", "B", service.name, "Wizard", ""],  # 5
            ["c@example.nhs.net", "C", service.name, "Referrer", ""],  # 6
            [link_worker.email, "D", service.name, "Link worker", ""],  # 7
            [other_area_link_worker.email, "E", service.name, "Link worker", ""],  # 8
            ["GOOD@example.nhs.net", "F", service.name, "Link worker", ""],  # 9
            ["g@example.nhs.net", "G", "Twin", "Link worker", ""],  # 10
            ["h@example.nhs.net", "H", service.name, "", "x" * 101],  # 11
        ]
    )
    response = client.post(reverse("administration:bulk_invite"), {"file": upload(text)})
    assert response.status_code == 200
    page = unescape(response.content.decode())
    rows = re.findall(
        r'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">(\d+)</td>'
        r'<td class="nhsuk-table__cell">([^<]*)</td><td class="nhsuk-table__cell">([^<]*)</td>',
        page,
    )
    found = {(int(line), column): message for line, column, message in rows}
    assert set(found) == {
        (3, "email"),
        (3, "full name"),
        (4, "organisation"),
        (5, "role"),
        (6, "role"),
        (7, "email"),
        (8, "email"),
        (9, "email"),
        (10, "organisation"),
        (11, "role"),
        (11, "job title"),
    }
    assert "Enter an email address in the correct format" in found[(3, "email")]
    assert "“Nowhere Surgery”" in found[(4, "organisation")]
    assert "“Wizard” is not a role" in found[(5, "role")]
    assert "cannot be a referrer" in found[(6, "role")]
    assert "There is already an account" in found[(7, "email")]
    assert found[(8, "email")] == invitations.CANNOT_INVITE
    assert "also on line 2" in found[(9, "email")]
    assert "More than one organisation is called “Twin”" in found[(10, "organisation")]
    assert "Nobody was invited: 11 problems to fix" in page
    assert not Invitation.objects.exists()
    assert not User.objects.filter(email="good@example.nhs.net").exists()
    assert not Message.objects.filter(template__code="staff_invitation").exists()
    assert AuditEvent.objects.filter(verb="invite_staff_in_bulk_refused").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("", "staff.csv", "The file is empty"),
        ("email,full name\n", "staff.xlsx", "The file must be a CSV"),
        ("email,full name,role\nx@example.nhs.net,X,referrer\n", "staff.csv", "“organisation”"),
        (",".join(invitations.COLUMNS) + "\n", "staff.csv", "no rows below the header"),
        (
            ",".join(invitations.COLUMNS) + "\n" + "a,b,c,d,e\n" * (invitations.MAX_ROWS + 1),
            "staff.csv",
            "more than 500 rows",
        ),
    ],
)
def test_bulk_invite_refuses_files_it_cannot_read(client, service_admin, content, name, message):
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:bulk_invite"), {"file": upload(content, name=name)}
    )
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not Invitation.objects.exists()


def test_bulk_invite_refuses_a_file_that_is_too_big(client, service_admin, settings):
    client.force_login(service_admin)
    big = ",".join(invitations.COLUMNS) + "\n" + "x" * (invitations.MAX_BYTES + 1)
    response = client.post(reverse("administration:bulk_invite"), {"file": upload(big)})
    assert "The file must be smaller than 256 KB" in response.content.decode()


def test_the_template_is_a_valid_file(client, service_admin, area):
    client.force_login(service_admin)
    response = client.get(reverse("administration:bulk_invite_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(f'"{c}"' for c in invitations.COLUMNS)
    # Its example rows name organisations that do not exist here, and nothing else.
    rows, problems = invitations.read_rows(by=service_admin, text=text)
    assert len(rows) == 2
    assert {p.column for p in problems} == {"organisation"}


# Who may do what


STAFF_PAGES = [
    "administration:staff",
    "administration:invitations",
    "administration:invite_staff",
    "administration:bulk_invite",
    "administration:bulk_invite_template",
]


@pytest.mark.parametrize("persona", ["link_worker", "team_lead", "referrer", "commissioner"])
def test_staff_pages_refuse_other_roles(client, request, persona, service_admin, service):
    invitation = invited(service_admin, service)
    client.force_login(request.getfixturevalue(persona))
    for name in STAFF_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert invite_page(client, **person(service, email="new@example.nhs.net")).status_code == 403
    for name in ("administration:resend_invitation", "administration:cancel_invitation"):
        assert client.post(reverse(name, args=[invitation.pk])).status_code == 403, name
    assert Invitation.objects.get().times_sent == 1
    assert not User.objects.filter(email="new@example.nhs.net").exists()


def test_another_areas_administrator_gets_404(
    client, service_admin, other_area_service_admin, service
):
    invitation = invited(service_admin, service)
    client.force_login(other_area_service_admin)
    for name in ("administration:resend_invitation", "administration:cancel_invitation"):
        assert client.post(reverse(name, args=[invitation.pk])).status_code == 404, name
    assert (
        invitation.user.email
        not in client.get(reverse("administration:invitations")).content.decode()
    )
    # Nor can they invite into this area's organisations, even by posting its id.
    response = invite_page(client, **person(service, email="new@example.nhs.net"))
    assert "Choose an organisation in your area" in unescape(response.content.decode())
    with pytest.raises(ActionError):
        cancel_invitation(by=other_area_service_admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_system_administrator_invites_service_administrators_only(
    client, system_admin, service_admin, service, area
):
    client.force_login(system_admin)
    page = client.get(reverse("administration:invite_staff")).content.decode()
    assert area.name in page and 'name="organisation"' not in page
    response = client.post(
        reverse("administration:invite_staff"),
        {"full_name": "Val Admin", "email": "val@example.nhs.net", "area": str(area.pk)},
    )
    assert response.status_code == 302
    val = User.objects.get(email="val@example.nhs.net")
    assert val.role == Role.SERVICE_ADMIN and val.organisation.area == area
    assert invitation_emails("val@example.nhs.net").count() == 1
    # Service administrators' invitations only, of every area; never a link worker's.
    worker = invited(service_admin, service, email="worker@example.nhs.net")
    listed = client.get(reverse("administration:invitations")).content.decode()
    assert "val@example.nhs.net" in listed and "worker@example.nhs.net" not in listed
    assert (
        client.post(reverse("administration:cancel_invitation", args=[worker.pk])).status_code
        == 404
    )
    assert client.get(reverse("administration:bulk_invite")).status_code == 403
    with pytest.raises(ActionError, match="cannot be a link worker"):
        invite_staff(
            by=system_admin,
            email="x@example.nhs.net",
            full_name="X",
            organisation=service,
            role=Role.LINK_WORKER,
        )
    # An address in use anywhere: the system administrator may be told so.
    response = client.post(
        reverse("administration:invite_staff"),
        {"full_name": "W", "email": "worker@example.nhs.net", "area": str(area.pk)},
    )
    assert "There is already an account for worker@example.nhs.net" in response.content.decode()


def test_service_administrator_may_invite_another_for_the_area(service_admin):
    office = service_admin.organisation
    invitation = invite_staff(
        by=service_admin,
        email="deputy@example.nhs.net",
        full_name="Dee Deputy",
        organisation=office,
        role=Role.SERVICE_ADMIN,
    )
    assert invitation.user.role == Role.SERVICE_ADMIN


@pytest.mark.django_db(transaction=True)
def test_two_administrators_inviting_one_address_at_once_make_one_account(area):
    from administration.tests.conftest import administrator

    service = factories.service(area=area)
    admins = [administrator(f"admin{i}@example.nhs.uk", f"Admin {i}", area) for i in range(2)]
    results = race(
        [
            lambda by=by: invite_staff(
                by=by,
                email="jo.bloggs@example.nhs.net",
                full_name="Jo Bloggs",
                organisation=service,
                role=Role.LINK_WORKER,
            )
            for by in admins
        ]
    )
    made = [r for r in results if isinstance(r, Invitation)]
    refused = [r for r in results if isinstance(r, ActionError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "invited" in refused[0].message
    assert User.objects.filter(email="jo.bloggs@example.nhs.net").count() == 1
    assert Invitation.objects.count() == 1
    assert invitation_emails("jo.bloggs@example.nhs.net").count() == 1


def test_inviting_asks_a_stale_session_to_confirm_first(
    client, service_admin, service, time_machine
):
    invitation = invited(service_admin, service)
    client.force_login(service_admin)
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    for url in (reverse("administration:invite_staff"), reverse("administration:bulk_invite")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:confirm_its_you"))
    response = invite_page(client, **person(service, email="new@example.nhs.net"))
    assert response["Location"].startswith(reverse("accounts:confirm_its_you"))
    assert not User.objects.filter(email="new@example.nhs.net").exists()
    response = client.post(reverse("administration:resend_invitation", args=[invitation.pk]))
    assert response["Location"].startswith(reverse("accounts:confirm_its_you"))
    assert Invitation.objects.get().times_sent == 1


def test_every_change_is_audited(client, service_admin, service):
    invitation = invited(service_admin, service)
    resend_invitation(by=service_admin, invitation=invitation)
    cancel_invitation(by=service_admin, invitation=invitation)
    verbs = set(
        AuditEvent.objects.filter(
            actor=service_admin, object_id=str(invitation.user_id)
        ).values_list("verb", flat=True)
    )
    assert {"invite_staff", "resend_invitation", "cancel_invitation"} <= verbs
    again = invited(service_admin, service)
    accept(client, link_in(invitation_emails(again.user.email).last()))
    assert AuditEvent.objects.filter(verb="accept_invitation", actor=again.user).exists()


# The staff list


def test_staff_list_search_filters_and_pages(client, service_admin, service, area):
    practice = factories.practice(area=area)
    for i in range(52):
        factories.user(organisation=service, role="link_worker", full_name=f"Worker {i:02d}")
    factories.user(organisation=practice, role="referrer", full_name="Dr Referrer")
    factories.user(
        organisation=factories.service(area=factories.area()),
        role="link_worker",
        full_name="Worker Elsewhere",
    )
    client.force_login(service_admin)
    url = reverse("administration:staff")
    first = client.get(url).content.decode()
    assert "Dr Referrer" in first and "Worker 00" in first and "Page 1 of 2" in first
    assert "Worker Elsewhere" not in first
    assert "Worker 51" in client.get(url, {"page": 2}).content.decode()
    found = client.get(url, {"q": "worker 07"}).content.decode()
    assert "Worker 07" in found and "Worker 08" not in found
    referrers = client.get(url, {"role": "referrer"}).content.decode()
    assert "Dr Referrer" in referrers and "Worker 00" not in referrers
    at_practice = client.get(url, {"organisation": str(practice.pk)}).content.decode()
    assert "Dr Referrer" in at_practice and "Worker 00" not in at_practice
    assert "Worker Elsewhere" not in client.get(url, {"q": "elsewhere"}).content.decode()
    # Nonsense filters are ignored, not errors.
    assert client.get(url, {"role": "wizard", "organisation": "nope"}).status_code == 200
    worker = User.objects.get(full_name="Worker 00")
    assert reverse("administration:staff_member", args=[worker.pk]) in first


def test_staff_list_shows_invitation_states(client, service_admin, service):
    invited(service_admin, service, email="waiting@example.nhs.net")
    cancelled = invited(service_admin, service, email="cancelled@example.nhs.net")
    cancel_invitation(by=service_admin, invitation=cancelled)
    client.force_login(service_admin)
    page = client.get(reverse("administration:staff")).content.decode()
    assert "Invited" in page and "Invitation cancelled" in page


def test_the_navigation_leads_administrators_to_staff(client, service_admin):
    client.force_login(service_admin)
    page = client.get(reverse("administration:invitations")).content.decode()
    assert f'href="{reverse("administration:staff")}"' in page
