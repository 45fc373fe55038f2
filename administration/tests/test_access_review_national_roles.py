"""The access review shows, for each account, the national RBAC roles (NHS CIS2) presented
at their last single sign-on, on the page and in the CSV (accounts/oidc/rbac.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.oidc.models import SingleSignOnIdentity
from administration.views import access_review as review_view

pytestmark = pytest.mark.django_db
ROLE = {
    "org_code": "X26",
    "role_name": '"Admin and Clerical":"Admin and Clerical":"Privacy Officer"',
    "role_code": "S8002:G8003:R0001",
}


def bind(user, issuer, roles, when):
    # As accounts.oidc.actions.sign_in_with_single_sign_on leaves it.
    return SingleSignOnIdentity.objects.create(
        user=user,
        name="NHS CIS2",
        issuer=issuer,
        subject=f"s-{user.pk}-{issuer}",
        bound_at=when,
        last_used_at=when,
        confirmed=True,
        national_rbac_roles=roles,
    )


def test_the_roles_of_the_last_sign_in_are_a_column_and_a_csv_column(
    client, service_admin, link_worker, team_lead
):
    now = timezone.now()
    bind(
        link_worker,
        "https://old.example.nhs.uk",
        [{**ROLE, "org_code": "OLD"}],
        now - timedelta(days=365),
    )
    bind(link_worker, "https://cis2.example.nhs.uk", [ROLE, {**ROLE, "org_code": "Y51"}], now)
    client.force_login(service_admin)

    page = client.get(reverse("administration:access_review")).content.decode()
    assert "NHS roles at last single sign-on" in page
    assert "Privacy Officer (X26); Privacy Officer (Y51)" in page
    assert "(OLD)" not in page

    response = client.get(reverse("administration:access_review_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    column = review_view.HEADER.index("NHS roles at last single sign-on")
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[link_worker.email][column] == "Privacy Officer (X26); Privacy Officer (Y51)"
    assert by_email[team_lead.email][column] == ""  # never signed in through a provider


def test_a_role_name_that_looks_like_a_formula_is_neutralised(client, service_admin, link_worker):
    bind(
        link_worker,
        "https://cis2.example.nhs.uk",
        [{**ROLE, "role_name": "=HYPERLINK(1)"}],
        timezone.now(),
    )
    client.force_login(service_admin)

    response = client.get(reverse("administration:access_review_csv"))
    text = b"".join(response.streaming_content).decode()

    assert "'=HYPERLINK(1) (X26)" in text
