"""Every administration page, as the system administrator and as a service administrator
see it with some data in the area, passes axe: lists, forms, the same forms with their
error summaries, and the pages that answer an upload with the problems found."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.actions import invite_staff
from administration.tests.conftest import administrator
from organisations.actions import add_organisation, create_icb_area, create_pcn
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.sign_in import sign_in
from tests.second_factor import authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# An epraccur file of the area's (QZX) with problems: a malformed practice code, an unknown
# status and a postcode that is not one, and a row that is too short.
BAD_EPRACCUR = (
    '"Y9900","BROKEN CODE SURGERY","Y61","QZX","1 ROAD","","TOWN","","","NN1 1AA","19740401",'
    '"","A","B","99Z","20130401","","01632 960100","","","","0","","99Z","","4",""\r\n'
    '"Y99005","ODD SURGERY","Y61","QZX","1 ROAD","","TOWN","","","NOT A CODE","19740401",'
    '"","X","B","99Z","20130401","","01632 960100","","","","0","","99Z","","4",""\r\n'
    '"Y99006","SHORT ROW SURGERY"\r\n'
)
BAD_INVITES = (
    "email,full name,organisation,role,job title\r\n"
    "not-an-address,Ann Example,Nowhere Surgery,referrer,\r\n"
    "bob@example.nhs.uk,,MEADOWBANK SURGERY,wizard,\r\n"
)


@pytest.fixture
def icb(db):
    return create_icb_area(
        by=None, name="NHS Fictional Shire ICB", code="QZX", commissioner_codes="99Z"
    )


@pytest.fixture
def some_data(icb):
    """An area with a PCN, two practices, a service covering one, a provider, a referring
    partner, staff, and an invitation waiting."""
    pcn = create_pcn(by=None, area=icb, name="Fictional North PCN", ods_code="U99001")
    practice = factories.practice(area=icb, name="MEADOWBANK SURGERY", pcn=pcn)
    factories.practice(area=icb, name="RIVERSIDE MEDICAL CENTRE", pcn=pcn)
    service = add_organisation(
        by=None,
        area=icb,
        kind="link_worker_service",
        name="Fictional Shire Social Prescribing",
        opening_hours="Monday to Friday, 9am to 5pm",
        covers_practices=[practice],
    )
    add_organisation(by=None, area=icb, kind="provider", name="Walk and Talk CIC")
    add_organisation(by=None, area=icb, kind="referring_partner", name="Fictional Fire Service")
    admin = administrator("svc@example.nhs.uk", "Sid Service", icb)
    authenticator(admin)
    lead = factories.user(organisation=service, role="team_lead", full_name="Tess Lead")
    worker = factories.user(organisation=service, role="link_worker", full_name="Lin Worker")
    gp = factories.user(organisation=practice, role="referrer", full_name="Dr Gita Rao")
    invite_staff(
        by=admin,
        email="new.worker@example.nhs.uk",
        full_name="Nia Newcomer",
        organisation=service,
        role="link_worker",
    )
    return {
        "admin": admin,
        "pcn": pcn,
        "practice": practice,
        "service": service,
        "lead": lead,
        "worker": worker,
        "gp": gp,
    }


def check(page, path, heading=None):
    """Open the page, see that it is the page meant, and run axe on it."""
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    if heading:
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    assert_accessible(page)


def error_summary(page, text):
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(text)
    assert_accessible(page)


def upload(page, label, name, text):
    with page.expect_file_chooser() as chooser:
        page.get_by_label(label).click()
    chooser.value.set_files({"name": name, "mimeType": "text/csv", "buffer": text.encode()})


def test_system_administrator_pages(page, some_data, icb):
    admin = administrator("sys@example.nhs.uk", "Sam System")
    authenticator(admin)
    sign_in(page, admin, next_path=reverse("administration:areas"))

    check(page, reverse("administration:areas"), "Areas")
    expect(page.get_by_role("link", name=icb.name)).to_be_visible()

    check(page, reverse("administration:new_area"))
    page.get_by_role("button", name="Add area").click()
    error_summary(page, "Enter the ICB's name")
    page.get_by_label("ICB name").fill("NHS Another ICB")
    page.get_by_label("ICB code").fill("not a code")
    page.get_by_role("button", name="Add area").click()
    error_summary(page, "Enter the ICB's ODS code")

    check(page, reverse("administration:area", args=[icb.pk]), icb.name)
    expect(page.get_by_text("Sid Service (svc@example.nhs.uk)")).to_be_visible()
    page.get_by_role("button", name="Add and show set-up link").click()
    error_summary(page, "Enter their full name")
    page.get_by_label("Full name").fill("Ola Second")
    page.get_by_label("Email address").fill("ola.second@example.nhs.uk")
    page.get_by_role("button", name="Add and show set-up link").click()
    expect(page.locator("[data-set-up-link]")).to_contain_text("/accounts/set-up/")
    assert_accessible(page)

    check(page, reverse("administration:staff"), "Staff")
    check(page, reverse("administration:invitations"))
    check(page, reverse("administration:invite_staff"), "Invite someone")
    page.get_by_role("button", name="Send invitation").click()
    error_summary(page, "Enter their full name")
    check(
        page,
        reverse("administration:staff_member", args=[some_data["admin"].pk]),
        "Sid Service",
    )


def test_service_administrator_pages(page, some_data, icb):
    admin, service = some_data["admin"], some_data["service"]
    sign_in(page, admin, next_path=reverse("administration:organisations"))

    # Organisations: every tab, adding and editing each kind, and PCNs.
    organisations = reverse("administration:organisations")
    check(page, organisations, "Organisations")
    expect(page.get_by_role("link", name="MEADOWBANK SURGERY")).to_be_visible()
    for kind in ("link_worker_service", "referring_partner", "provider", "pcn"):
        check(page, f"{organisations}?kind={kind}", "Organisations")
    check(page, f"{organisations}?q=meadow", "Organisations")
    for kind in ("link_worker_service", "referring_partner", "provider"):
        check(page, f"{reverse('administration:new_organisation')}?kind={kind}")
    page.get_by_role("button", name="Save").click()
    error_summary(page, "Enter the name")
    check(page, reverse("administration:organisation", args=[service.pk]), service.name)
    expect(page.get_by_label("MEADOWBANK SURGERY")).to_be_checked()
    page.get_by_label("Safe caseload per link worker: to").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
    check(
        page,
        reverse("administration:organisation", args=[some_data["practice"].pk]),
        "MEADOWBANK SURGERY",
    )
    check(page, reverse("administration:new_pcn"))
    page.get_by_role("button", name="Save").click()
    error_summary(page, "Enter the name")
    check(page, reverse("administration:pcn", args=[some_data["pcn"].pk]), "Fictional North PCN")

    # Importing practices: the page, then a file with problems, listed by line.
    check(page, reverse("administration:import_practices"), "Import practices from NHS ODS")
    page.get_by_role("button", name="Check and import").click()
    error_summary(page, "Choose a CSV file to upload")
    upload(page, "GP practices file (epraccur)", "epraccur.csv", BAD_EPRACCUR)
    page.get_by_role("button", name="Check and import").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Nothing was imported")
    summary.get_by_role("link", name="See the problems, by line and column").click()
    assert page.url.endswith("#problems")
    expect(page.get_by_role("heading", name="Problems found")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Problems"))).to_contain_text(
        "is not a GP practice code"
    )
    assert_accessible(page)

    # Settings of the area.
    check(page, reverse("administration:single_sign_on"))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
    check(page, reverse("administration:public_information"), "Public information")

    # Staff: the list, invitations, inviting one and many, a person, their role.
    check(page, reverse("administration:staff"), "Staff")
    check(page, f"{reverse('administration:staff')}?q=lin&role=link_worker", "Staff")
    check(page, reverse("administration:invitations"))
    expect(page.get_by_role("row", name=re.compile("Nia Newcomer"))).to_contain_text("Waiting")
    check(page, reverse("administration:invite_staff"), "Invite someone")
    page.get_by_role("button", name="Send invitation").click()
    error_summary(page, "Enter their full name")
    check(page, reverse("administration:bulk_invite"), "Invite staff from a spreadsheet")
    page.get_by_role("button", name="Check and send invitations").click()
    error_summary(page, "Choose a CSV file to upload")
    upload(page, "The CSV file", "invite-staff.csv", BAD_INVITES)
    page.get_by_role("button", name="Check and send invitations").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Nobody was invited")
    expect(page.get_by_role("heading", name="Problems found")).to_be_visible()
    assert_accessible(page)

    worker = some_data["worker"]
    check(page, reverse("administration:staff_member", args=[worker.pk]), worker.full_name)
    check(page, reverse("administration:change_role", args=[worker.pk]))
    expect(page.get_by_label("Link worker")).to_be_checked()
    check(page, reverse("administration:switch_off", args=[worker.pk]))
    check(page, reverse("administration:access_review"), "Access review")
    check(page, f"{reverse('administration:access_review')}?q=tess", "Access review")
