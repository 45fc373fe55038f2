"""NHS CIS2 national RBAC: an area may ask for the `nationalrbacaccess` scope, keep the roles
a person presents at sign-in (`nhsid_nrbac_roles`, which CIS2, and the fake, answer from
userinfo only) on their identity, and refuse someone none of whose roles is at their
organisation. Bad or odd role data is reduced to what is well formed."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.oidc import rbac
from accounts.oidc.models import SingleSignOnIdentity, SingleSignOnProvider
from accounts.oidc.presenters import national_rbac_roles_text
from accounts.tests import oidc_support
from accounts.tests.oidc_support import failures, sign_in, signed_in_as
from core.errors import ActionError
from core.models import AuditEvent
from core.permissions import Role
from organisations.actions import create_organisation, create_pcn
from tests import factories

pytestmark = pytest.mark.django_db


def role(org_code, name="Privacy Officer", **more):
    return {
        "person_orgid": "555057897107",
        "person_roleid": "555057898108",
        "org_code": org_code,
        "role_name": f'"Admin and Clerical":"Admin and Clerical":"{name}"',
        "role_code": "S8002:G8003:R0001",
        "activities": ["Receive Self Claimed LR Alerts"],
        "activity_codes": ["B0016"],
        **more,
    }


idp = oidc_support.idp
service_admin = oidc_support.service_admin
configure_sso = oidc_support.configure_sso


@pytest.fixture
def practice(area):
    return factories.practice(area)


@pytest.fixture
def gp(practice):
    return factories.user(organisation=practice, role=Role.REFERRER)


def authorize_scope(idp):
    return next(r for r in reversed(idp.requests) if r["path"] == "/authorize")["query"]


# Asking for and keeping the roles


def test_the_roles_are_asked_for_and_kept_on_the_identity(client, configure_sso, idp, gp, practice):
    sso = configure_sso(national_rbac=True)
    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role("X26")])

    sign_in(client, sso.area)

    assert signed_in_as(client) == str(gp.pk)
    assert "nationalrbacaccess" in authorize_scope(idp)
    assert any(r["path"] == "/userinfo" for r in idp.requests)  # not in the id_token
    identity = SingleSignOnIdentity.objects.get(user=gp)
    assert identity.national_rbac_roles == [role("X26")]
    event = AuditEvent.objects.get(verb="sign_in", actor=gp)
    assert event.detail["national_rbac_roles"] == ["Privacy Officer (X26)"]


def test_without_the_option_no_roles_are_asked_for_or_kept(client, configure_sso, idp, gp):
    sso = configure_sso()
    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role("X26")])

    sign_in(client, sso.area)

    assert signed_in_as(client) == str(gp.pk)
    assert "nationalrbacaccess" not in authorize_scope(idp)
    assert not any(r["path"] == "/userinfo" for r in idp.requests)
    assert SingleSignOnIdentity.objects.get(user=gp).national_rbac_roles == []


def test_the_roles_of_the_last_sign_in_replace_the_earlier_ones(client, configure_sso, idp, gp):
    sso = configure_sso(national_rbac=True)
    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role("X26")])
    sign_in(client, sso.area)
    client.logout()

    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role("Y51")])
    sign_in(client, sso.area)

    assert [
        r["org_code"] for r in SingleSignOnIdentity.objects.get(user=gp).national_rbac_roles
    ] == ["Y51"]


def test_userinfo_about_someone_else_is_refused(client, configure_sso, idp, gp):
    sso = configure_sso(national_rbac=True)
    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role("X26")])
    idp.issue_next("userinfo_other_subject")

    response = sign_in(client, sso.area)

    assert response.status_code == 400
    assert "could not be trusted" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SingleSignOnIdentity.objects.exists()
    assert failures("userinfo_subject").exists()


@pytest.mark.parametrize(
    ("presented", "kept"),
    [
        ("not a list", []),
        ([], []),
        (["a string", 42, None], []),
        ([{"role_name": "No organisation"}], []),
        ([{"org_code": "X26"}], []),  # an organisation but no role
        (
            [{"org_code": " x26 ", "role_code": "R1", "person_roleid": 7}],
            [{"org_code": "X26", "role_code": "R1"}],
        ),
        (
            [{"org_code": "X26", "role_code": "R1", "activities": "all", "unknown": "dropped"}],
            [{"org_code": "X26", "role_code": "R1"}],
        ),
        (
            [{"org_code": "X26", "role_code": "R1", "activities": ["a", 1, "b"]}],
            [{"org_code": "X26", "role_code": "R1", "activities": ["a", "b"]}],
        ),
    ],
)
def test_odd_role_data_is_reduced_to_what_is_well_formed(
    client, configure_sso, idp, gp, presented, kept
):
    sso = configure_sso(national_rbac=True)
    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=presented)

    sign_in(client, sso.area)

    assert signed_in_as(client) == str(gp.pk)
    assert SingleSignOnIdentity.objects.get(user=gp).national_rbac_roles == kept


def test_roles_are_cut_to_a_sane_size():
    many = [role("X26", name="x" * 1000) for _ in range(rbac.MAX_ROLES + 5)]
    kept = rbac.roles_from(many)
    assert len(kept) == rbac.MAX_ROLES
    assert len(kept[0]["role_name"]) == rbac.MAX_TEXT


# Refusing someone with no role at their organisation


def test_a_role_at_their_organisation_lets_them_in(client, configure_sso, idp, gp, practice):
    sso = configure_sso(national_rbac=True, require_rbac_organisation=True)
    idp.sign_in_as(
        sub="cis2-0001",
        email=gp.email,
        amr=["mfa"],
        nhsid_nrbac_roles=[role("Y51"), role(practice.ods_code.lower())],
    )

    sign_in(client, sso.area)

    assert signed_in_as(client) == str(gp.pk)


@pytest.mark.parametrize("presented", [[role("Y51")], [], "nonsense"])
def test_no_role_at_their_organisation_keeps_them_out(client, configure_sso, idp, gp, presented):
    sso = configure_sso(national_rbac=True, require_rbac_organisation=True)
    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=presented)

    response = sign_in(client, sso.area)

    assert response.status_code == 403
    assert "None of the roles on your NHS CIS2 account" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SingleSignOnIdentity.objects.exists()  # not bound either
    refusal = failures("no_role_here").get()
    assert refusal.detail["account"] == str(gp.pk)
    assert refusal.detail["role_org_codes"] == (["Y51"] if presented == [role("Y51")] else [])


def test_a_bound_person_who_loses_their_role_is_kept_out(client, configure_sso, idp, gp, practice):
    sso = configure_sso(national_rbac=True, require_rbac_organisation=True)
    idp.sign_in_as(
        sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role(practice.ods_code)]
    )
    sign_in(client, sso.area)
    client.logout()

    idp.sign_in_as(sub="cis2-0001", email=gp.email, amr=["mfa"], nhsid_nrbac_roles=[role("Y51")])
    assert sign_in(client, sso.area).status_code == 403
    assert signed_in_as(client) is None


def test_which_codes_count_as_an_organisations_own(area, practice):
    """The rule the area documents (accounts/oidc/rbac.py)."""
    assert rbac.accepted_org_codes(practice) == {practice.ods_code, practice.pcn.ods_code}

    pcn = create_pcn(by=None, area=area, name="North PCN", ods_code="U99991")
    covered = factories.practice(area, pcn=pcn)
    service = factories.service(area)
    service.covers_pcns.add(pcn)
    service.covers_practices.add(practice)
    assert rbac.accepted_org_codes(service) == {"U99991", practice.ods_code}
    assert covered.ods_code not in rbac.accepted_org_codes(service)  # its PCN, not itself

    area.ods_commissioner_codes = ["QKS", "91Q"]
    area.save()
    icb = factories.commissioner_org(area)
    assert rbac.accepted_org_codes(icb) == {"QKS", "91Q"}

    vcse = create_organisation(by=None, area=area, kind="provider", name="Friends of the Park")
    assert rbac.accepted_org_codes(vcse) == set()


def test_a_link_worker_with_a_role_at_a_covered_pcn_signs_in(client, configure_sso, idp, area):
    pcn = create_pcn(by=None, area=area, name="South PCN", ods_code="U88881")
    service = factories.service(area)
    service.covers_pcns.add(pcn)
    worker = factories.user(organisation=service, role=Role.LINK_WORKER)
    sso = configure_sso(national_rbac=True, require_rbac_organisation=True)
    idp.sign_in_as(
        sub="cis2-0005", email=worker.email, amr=["mfa"], nhsid_nrbac_roles=[role("u88881")]
    )

    sign_in(client, sso.area)

    assert signed_in_as(client) == str(worker.pk)


# The settings


def test_checking_roles_needs_the_roles(configure_sso, service_admin, area):
    with pytest.raises(ActionError, match="also ask the provider"):
        configure_sso(require_rbac_organisation=True)
    assert not SingleSignOnProvider.objects.exists()


def test_the_database_also_refuses_a_check_without_the_roles(configure_sso):
    sso = configure_sso()
    with pytest.raises(IntegrityError), transaction.atomic():
        SingleSignOnProvider.objects.filter(pk=sso.pk).update(require_rbac_organisation=True)


def test_an_unknown_client_authentication_is_refused(configure_sso):
    with pytest.raises(ActionError, match="proves who it is"):
        configure_sso(client_auth_method="none")


def test_the_settings_page_saves_the_new_options(client, idp, area, service_admin, settings):
    settings.LINKWORK_NONPROD = True
    client.force_login(service_admin)
    url = reverse("administration:single_sign_on")
    response = client.post(
        url,
        {
            "name": "NHS CIS2",
            "issuer": idp.issuer,
            "client_id": "abc",
            "scopes": "openid profile email",
            "subject_claim": "sub",
            "email_claim": "email",
            "client_auth_method": "private_key_jwt",
            "national_rbac": "on",
            "require_rbac_organisation": "on",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    provider = SingleSignOnProvider.objects.get(area=area)
    assert provider.client_auth_method == "private_key_jwt"
    assert provider.national_rbac and provider.require_rbac_organisation
    assert provider.requested_scopes == "openid profile email nationalrbacaccess"
    page = client.get(url).content.decode()
    for shown in (
        reverse("accounts:oidc_jwks", args=[area.code]),
        reverse("accounts:oidc_back_channel_logout", args=[area.code]),
        f"LINKWORK_OIDC_PRIVATE_KEY_{area.code}",
    ):
        assert shown in page


def test_the_settings_page_names_a_missing_check_in_the_error_summary(
    client, idp, area, service_admin, settings
):
    settings.LINKWORK_NONPROD = True
    client.force_login(service_admin)
    response = client.post(
        reverse("administration:single_sign_on"),
        {
            "name": "NHS CIS2",
            "issuer": idp.issuer,
            "client_id": "abc",
            "scopes": "openid",
            "subject_claim": "sub",
            "email_claim": "email",
            "client_auth_method": "made_up",
            "require_rbac_organisation": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "nhsuk-error-summary" in page
    assert "Choose how linkwork proves who it is" in page
    assert not SingleSignOnProvider.objects.exists()


# How roles read


def test_a_role_reads_as_its_job_and_where():
    assert rbac.describe(role("X26")) == "Privacy Officer (X26)"
    assert rbac.describe({"org_code": "RWA", "role_name": "Nurse"}) == "Nurse (RWA)"
    assert rbac.describe({"org_code": "RWA", "role_code": "R8001"}) == "R8001 (RWA)"
    assert national_rbac_roles_text([role("X26"), role("RWA", name="Nurse")]) == (
        "Privacy Officer (X26); Nurse (RWA)"
    )
    assert national_rbac_roles_text(None) == ""
