"""One normal form of an email address, for finding the account and for counting tries
(issue 13, the lockout bypass with `ｇp18@…`; the sign-in side is in
test_sign_in_throttle.py::test_fullwidth_failures_count_against_the_real_account)."""

from importlib import import_module

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.actions import create_staff_user
from accounts.identifiers import normalise_email
from accounts.models import User
from core.errors import ActionError
from tests.factories import PASSWORD

migration = import_module("accounts.migrations.0004_sign_in_throttling_and_normal_emails")


@pytest.mark.parametrize(
    "typed",
    [
        "gp18@example.nhs.uk",
        "ｇp18@example.nhs.uk",  # fullwidth g
        "ＧＰ１８＠ＥＸＡＭＰＬＥ．ＮＨＳ．ＵＫ",  # all fullwidth, @ and dots too
        "GP18@Example.NHS.uk",
        "  gp18@example.nhs.uk\u3000",
        "\uff47p18@example.nhs.uk",
    ],
)
def test_compatibility_and_case_variants_have_one_form(typed):
    assert normalise_email(typed) == "gp18@example.nhs.uk"


def test_casefolding_goes_beyond_lower_case():
    assert normalise_email("STRASSE@example.org") == normalise_email("straße@example.org")
    assert normalise_email("ﬁona@example.org") == "fiona@example.org"  # the ﬁ ligature


@given(st.text())
def test_the_normal_form_is_stable(text):
    once = normalise_email(text)
    assert normalise_email(once) == once


@pytest.mark.django_db
def test_accounts_are_stored_and_found_in_the_normal_form(practice):
    user = create_staff_user(
        by=None,
        email=" ＧＰ18@Example.NHS.uk ",
        full_name="Dr Fullwidth",
        organisation=practice,
        role="referrer",
        password=PASSWORD,
    )
    assert user.email == "gp18@example.nhs.uk"
    assert User.objects.get_by_natural_key("ｇp18@EXAMPLE.nhs.uk") == user
    assert User.objects.find("ＧＰ１８＠ｅｘａｍｐｌｅ．ｎｈｓ．ｕｋ") == user
    with pytest.raises(ActionError, match="already an account"):
        create_staff_user(
            by=None,
            email="ｇｐ18@example.nhs.uk",
            full_name="Dr Again",
            organisation=practice,
            role="referrer",
            password=PASSWORD,
        )


def variants_of(email):
    """The address with each character kept, upper-cased, made fullwidth or replaced."""

    def forms(c):
        options = [st.just(c), st.just(c.upper()), st.characters(codec="utf-8")]
        if "!" <= c <= "~":
            options.append(st.just(chr(ord(c) + 0xFEE0)))
        return st.one_of(options)

    padding = st.sampled_from(["", " ", "\u3000", "\t"])
    return st.tuples(padding, st.tuples(*[forms(c) for c in email]), padding).map(
        lambda parts: parts[0] + "".join(parts[1]) + parts[2]
    )


@pytest.fixture
def gp18(practice):
    return create_staff_user(
        by=None,
        email="gp18@example.nhs.uk",
        full_name="Dr Eighteen",
        organisation=practice,
        role="referrer",
        password=PASSWORD,
    )


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # gp18 is only read
@given(typed=variants_of("gp18@example.nhs.uk"))
def test_an_address_finds_the_account_only_if_its_normal_form_is_the_accounts(typed, gp18):
    found = User.objects.find(typed)
    assert (found == gp18) == (normalise_email(typed) == gp18.email)


@pytest.mark.django_db
def test_the_migration_normalises_stored_addresses(practice, link_worker):
    User.objects.filter(pk=link_worker.pk).update(email="ＬＷ@Example.NHS.uk")
    migration.normalise_stored_emails(apps, None)
    link_worker.refresh_from_db()
    assert link_worker.email == "lw@example.nhs.uk"


@pytest.mark.django_db
def test_the_migration_stops_on_addresses_that_become_the_same(link_worker, team_lead):
    User.objects.filter(pk=link_worker.pk).update(email="Same@example.nhs.uk")
    User.objects.filter(pk=team_lead.pk).update(email="ｓame@example.nhs.uk")
    with pytest.raises(RuntimeError, match="same once normalised"):
        migration.normalise_stored_emails(apps, None)
