"""Given an empty database (only what migrations load), when an ICB follows go-live, then it
reaches its first referral through the pages alone: `create_admin` prints a set-up link;
the system administrator sets a password and an authenticator app, creates the area and
invites its service administrator (by email, through GOV.UK Notify: the fake); the service
administrator imports GP practices from an NHS ODS file, creates a link-worker service and
invites a team lead, a link worker and a GP; each accepts from their emailed link and sets
up their second factor; the GP refers, the team lead allocates, and the link worker sees
the case in their caseload. Each person has their own browser; every page passes axe.

Nothing is made with factories: the codes come from the secrets the set-up pages show, as an
authenticator app would compute them."""

import io
import re
import time
from base64 import b32decode
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django_otp.oath import hotp
from playwright.sync_api import expect

from accounts.models import User
from organisations.models import Area, Organisation
from tests.browser.conftest import accept_and_allocate, assert_accessible, send_referral
from tests.browser.sign_in import sign_in
from tests.factories import valid_nhs_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ICB_CODE = "QZX"
ICB_NAME = "NHS Fictional Shire Integrated Care Board"
SUB_ICB = "99Z"
SERVICE_NAME = "Fictional Shire Social Prescribing"


def epraccur_row(code, name, *, icb=ICB_CODE, commissioner=SUB_ICB, postcode, status="A"):
    """One row of NHS ODS's `epraccur` GP practice file (27 columns, no header row)."""
    cells = [
        code, name, "Y61", icb, "1 FICTION STREET", "", "NORTHAMPTON", "", "", postcode,
        "19740401", "", status, "B", commissioner, "20130401", "", "01632 960100", "", "",
        "", "0", "", commissioner, "", "4", "",
    ]  # fmt: skip
    return ",".join(f'"{cell}"' for cell in cells)


# Two practices of the area, and one of another ICB (skipped, as in the national file).
EPRACCUR = "".join(
    row + "\r\n"
    for row in (
        epraccur_row("Y99001", "MEADOWBANK SURGERY", postcode="NN1 1AA"),
        epraccur_row("Y99002", "RIVERSIDE MEDICAL CENTRE", postcode="NN2 6AB"),
        epraccur_row(
            "Y99003", "ELSEWHERE HEALTH CENTRE", icb="QAA", commissioner="00A", postcode="LS1 1AA"
        ),
    )
)


@dataclass
class Person:
    name: str
    email: str
    password: str
    page: object = None
    key: bytes = b""
    last_step: int = field(default=-1)

    def code(self) -> str:
        """What their authenticator app shows now, never a time step already accepted
        (each works once; the next step is inside django-otp's tolerance)."""
        for _ in range(70):
            now = int(time.time() // 30)
            for step in (now, now + 1):
                if step > self.last_step:
                    self.last_step = step
                    return f"{hotp(self.key, step, 6):06d}"
            time.sleep(1)
        raise AssertionError("no unused authenticator code: is the clock stopped?")


@pytest.fixture
def new_page(browser, live_server):
    """A browser of one's own for each person (separate cookies), failing the test on any
    error in any of their consoles."""
    contexts, problems = [], []

    def open_page():
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == [], "errors in the browser console"


def menu(page, name):
    """Follow a link in the header's menu."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()
    assert_accessible(page)


def path_of(link: str, start="/accounts/set-up/") -> str:
    return link[link.index(start) :].strip()


def emailed_link(notify, run_tasks, email) -> str:
    """The set-up link in the newest email the worker sent through Notify to `email`."""
    run_tasks()
    sent = notify.sent_to(email)
    assert sent, f"no email to {email}"
    body = sent[-1]["body"]
    return path_of(re.search(r"https?://\S+/accounts/set-up/\S+", body).group(0))


def accept_and_set_up(person: Person, link_path: str, role_text: str):
    """Follow a set-up link, choose a password, set up the authenticator app from the key
    shown, and save the recovery codes."""
    page = person.page
    page.goto(link_path)
    expect(page.get_by_role("heading", name="Set up your account")).to_be_visible()
    assert "/set-up/" in page.url and link_path not in page.url, "token kept out of history"
    expect(page.get_by_text(f"you are a {role_text}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Choose a password").fill(person.password)
    page.get_by_label("Type the password again").fill(person.password)
    page.get_by_role("button", name="Set password and sign in").click()

    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    person.key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code", exact=True).fill(person.code())
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)


def sign_out(person: Person):
    person.page.get_by_role("button", name="Sign out").click()
    expect(person.page.get_by_role("heading", name="Sign in to linkwork")).to_be_visible()
    assert_accessible(person.page)


def sign_in_as(person: Person):
    """With their own password and the authenticator app they set up, on accessible pages."""
    sign_in(person.page, person, password=person.password, code=person.code, axe=True)


def confirm_its_you_if_asked(person: Person):
    """Sensitive pages ask for the password again when the last sign-in is not recent."""
    page = person.page
    if page.get_by_role("heading", name="Confirm it's you").count():
        assert_accessible(page)
        page.get_by_label("Password").fill(person.password)
        page.get_by_role("button", name="Continue").click()


def invite(admin: Person, person: Person, *, organisation, role):
    page = admin.page
    menu(page, "Staff")
    page.get_by_role("link", name="Invite someone").click()
    confirm_its_you_if_asked(admin)
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill(person.name)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Organisation").select_option(label=organisation)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {person.name}")).to_be_visible()
    assert_accessible(page)


def test_an_icb_goes_live_from_an_empty_database(new_page, notify, run_tasks):
    # Given an empty database: no area of ours, no organisation, no account.
    assert not Area.objects.filter(operator=False).exists()
    assert not Organisation.objects.exists()
    assert not User.objects.exists()

    # When the installer runs create_admin, then it prints a one-time set-up link.
    out = io.StringIO()
    call_command("create_admin", "sam.system@example.nhs.uk", name="Sam System", stdout=out)
    printed = out.getvalue()
    assert "System administrator Sam System" in printed
    system_admin = Person("Sam System", "sam.system@example.nhs.uk", "lanterns over quiet harbours")
    system_admin.page = new_page()

    # The system administrator follows it: a password, an authenticator, recovery codes.
    accept_and_set_up(system_admin, path_of(printed), "system administrator")
    page = system_admin.page
    expect(page.get_by_role("heading", name="Areas", level=1)).to_be_visible()
    expect(page.get_by_text("There are no areas yet.")).to_be_visible()

    # They create the area: an empty form names each problem first.
    page.get_by_role("button", name="Add an area").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add area").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the ICB's name")
    assert_accessible(page)
    page.get_by_label("ICB name").fill(ICB_NAME)
    page.get_by_label("ICB code").fill(ICB_CODE.lower())
    page.get_by_label("Sub-ICB location codes (optional)").fill(SUB_ICB)
    page.get_by_role("button", name="Add area").click()
    expect(page.get_by_role("heading", name=ICB_NAME, level=1)).to_be_visible()
    expect(page.get_by_text(f"Area {ICB_CODE}")).to_be_visible()
    assert_accessible(page)

    # They invite its service administrator, who is emailed a link through GOV.UK Notify.
    service_admin = Person(
        "Sid Service", "sid.service@example.nhs.uk", "copper kettles sing at dawn"
    )
    menu(page, "Staff")
    page.get_by_role("link", name="Invite someone").click()
    confirm_its_you_if_asked(system_admin)
    assert_accessible(page)
    page.get_by_label("Full name").fill(service_admin.name)
    page.get_by_label("Email address").fill(service_admin.email)
    page.get_by_label("Area").select_option(label=ICB_NAME)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {service_admin.name}")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_role("row", name=re.compile(service_admin.name))).to_contain_text("Waiting")
    menu(page, "Areas")
    page.get_by_role("link", name=ICB_NAME).click()
    expect(page.get_by_text(f"{service_admin.name} ({service_admin.email})")).to_be_visible()
    assert_accessible(page)

    # The service administrator accepts from the email, in a browser of their own.
    service_admin.page = new_page()
    link = emailed_link(notify, run_tasks, service_admin.email)
    accept_and_set_up(service_admin, link, "service administrator")
    page = service_admin.page

    # They import the area's practices from the NHS ODS file, through the upload page.
    menu(page, "Organisations")
    expect(page.get_by_text("None.")).to_be_visible()
    page.get_by_role("link", name="Import practices from NHS ODS").click()
    expect(page.get_by_role("heading", name="Import practices from NHS ODS")).to_be_visible()
    assert_accessible(page)
    with page.expect_file_chooser() as chooser:
        page.get_by_label("GP practices file (epraccur)").click()
    chooser.value.set_files(
        {"name": "epraccur.csv", "mimeType": "text/csv", "buffer": EPRACCUR.encode()}
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Practices imported: 2 added")).to_be_visible()
    expect(page.get_by_role("link", name="MEADOWBANK SURGERY")).to_be_visible()
    expect(page.get_by_role("link", name="RIVERSIDE MEDICAL CENTRE")).to_be_visible()
    expect(page.get_by_text("ELSEWHERE HEALTH CENTRE")).to_have_count(0)
    assert_accessible(page)

    # They create the link-worker service, covering one of the practices.
    page.get_by_role("link", name="Link-worker services").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(
        page.get_by_role("heading", name="Add social prescribing link worker service")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill(SERVICE_NAME)
    page.get_by_label("Phone number (optional)").fill("01632 960200")
    page.get_by_label("Opening hours").fill("Monday to Friday, 9am to 5pm")
    page.get_by_label("MEADOWBANK SURGERY").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"{SERVICE_NAME} added.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=SERVICE_NAME).click()
    expect(page.get_by_label("MEADOWBANK SURGERY")).to_be_checked()
    expect(page.get_by_label("RIVERSIDE MEDICAL CENTRE")).not_to_be_checked()
    assert_accessible(page)

    # They invite a team lead, a link worker and a GP at an imported practice.
    team_lead = Person("Tess Lead", "tess.lead@example.nhs.uk", "violet kites above the moor")
    link_worker = Person("Lin Worker", "lin.worker@example.nhs.uk", "seven herons wade the fen")
    gp = Person("Dr Gita Rao", "gita.rao@example.nhs.uk", "marble staircase of old libraries")
    service_label = f"{SERVICE_NAME} (Social prescribing link worker service)"
    practice_label = "MEADOWBANK SURGERY (GP practice, Y99001)"
    for person, organisation, role in (
        (team_lead, service_label, "Team lead"),
        (link_worker, service_label, "Link worker"),
        (gp, practice_label, "Referrer"),
    ):
        invite(service_admin, person, organisation=organisation, role=role)
    for person in (team_lead, link_worker, gp):
        expect(page.get_by_role("row", name=re.compile(person.name))).to_contain_text("Waiting")

    # Each accepts from their own email and sets up their second factor.
    for person, role in ((team_lead, "team lead"), (link_worker, "link worker"), (gp, "referrer")):
        person.page = new_page()
        accept_and_set_up(person, emailed_link(notify, run_tasks, person.email), role)
        sign_out(person)
    menu(page, "Staff")
    for person in (team_lead, link_worker, gp):
        expect(page.get_by_role("row", name=re.compile(person.name))).to_contain_text("Active")
    assert_accessible(page)

    # The GP signs in and refers someone.
    sign_in_as(gp)
    page = gp.page
    page.get_by_role("link", name="Refer someone").first.click()
    assert_accessible(page)
    nhs_number = valid_nhs_number()
    send_referral(page, nhs_number=nhs_number, postcode="NN1 3AB")

    # The team lead signs in, accepts it and allocates it to the link worker.
    sign_in_as(team_lead)
    page = team_lead.page
    expect(page.get_by_role("heading", name="Triage", exact=True)).to_be_visible()
    accept_and_allocate(page, "Margaret Okafor", link_worker.name)

    # The link worker signs in and finds it in their caseload.
    sign_in_as(link_worker)
    page = link_worker.page
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_role("link", name="Margaret Okafor")).to_be_visible()
    page.get_by_role("link", name="Margaret Okafor").click()
    expect(page.get_by_role("heading", name="Margaret Okafor")).to_be_visible()
    assert_accessible(page)
