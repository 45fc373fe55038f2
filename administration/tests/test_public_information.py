"""What people outside the NHS see (issue 14): public pages name the service that runs them
with its phone number; every page's footer links to the area's privacy notice and
accessibility statement, which the area's service administrator writes (safely rendered,
previewed, versioned, audited); the self-referral confirmation gives a reference and who
will call."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError, ConcurrentChange
from core.models import AuditEvent
from organisations import notice_text, public_information
from organisations.actions import update_public_information
from organisations.models import AreaPublicInformation
from outcomes import actions as outcome_actions
from referrals.models import Referral
from referrals.references import reference_for
from tests import factories
from tests.views.test_self_referral import form as self_referral_form
from tests.views.test_self_referral import send as send_self_referral

pytestmark = pytest.mark.django_db

EDIT = "/administration/public-information/"
REFERENCE = re.compile(r"data-reference>([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})<")


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def words(response) -> str:
    """What a person reads: the page without its tags."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def publish(area, by=None, **changes):
    """The area's information as its administrator would save it."""
    info = public_information.for_area(area)
    fields = {
        "service_name": "Northampton Connect",
        "phone": "01632 960001",
        "email": "connect@example.nhs.uk",
        "privacy_notice": "## Who we are\nNorthampton Connect holds your information.",
        "accessibility_statement": "## Compliance status\nPartially compliant.",
        "reviewed_on": None,
        **changes,
    }
    return update_public_information(by=by, area=area, version=info.version, **fields)


def form_data(info=None, **changes):
    data = {
        "version": str(info.version) if info else "0",
        "service_name": "Northampton Connect",
        "phone": "01632 960001",
        "email": "",
        "privacy_notice": "## Who we are\nWe are Northampton Connect.",
        "accessibility_statement": "## Compliance status\nFully compliant.",
        "reviewed_on[day]": "",
        "reviewed_on[month]": "",
        "reviewed_on[year]": "",
    }
    data.update(changes)
    return data


# The notice text: a few marks, never HTML


def test_notice_text_makes_paragraphs_headings_lists_and_links():
    html = notice_text.render(
        "# Who we are\nLine one\nline two\n\n### Rights\n- see it\n- correct it\n\n"
        "1. first\n2. second\n\nSee https://ico.org.uk/make-a-complaint, "
        "[the ICO](https://ico.org.uk) or dpo@example.nhs.uk. **Important**"
    )
    assert "<h2>Who we are</h2>" in html
    assert "<p>Line one<br>line two</p>" in html
    assert "<h3>Rights</h3>" in html
    assert (
        '<ul class="nhsuk-list nhsuk-list--bullet"><li>see it</li><li>correct it</li></ul>' in html
    )
    assert '<ol class="nhsuk-list nhsuk-list--number"><li>first</li><li>second</li></ol>' in html
    assert (
        '<a href="https://ico.org.uk/make-a-complaint">https://ico.org.uk/make-a-complaint</a>,'
        in html
    )
    assert '<a href="https://ico.org.uk">the ICO</a>' in html
    assert '<a href="mailto:dpo@example.nhs.uk">dpo@example.nhs.uk</a>' in html
    assert "<strong>Important</strong>" in html
    # The preview puts every heading one level down, under its own.
    assert "<h4>Who we are</h4>" in notice_text.render("## Who we are", heading_level=4)


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '[x](https://a.example/" onmouseover="alert(1))',
        'https://a.example/"><script>alert(1)</script>',
        "## <b>bold</b>",
    ],
)
def test_notice_text_never_becomes_markup(typed):
    html = notice_text.render(typed)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # only as text, never a link
    assert 'onmouseover="' not in html and 'onerror="' not in html


# The public notices


def test_a_new_areas_notices_say_what_must_be_filled_in(client, area):
    privacy = text(client.get(reverse("privacy_notice")))
    assert "Privacy notice" in privacy and "Not yet completed" in privacy
    for section in (
        "Who we are",
        "data controller",
        "What information we collect",
        "Article 6(1)(e)",
        "Article 9(2)(h)",
        "Who we share it with",
        "How long we keep it",
        "Your rights",
        "data protection officer",
        "https://ico.org.uk/make-a-complaint",
        "[Fill in:",
    ):
        assert section in privacy, section
    assert area.name in privacy

    statement = text(client.get(reverse("accessibility_statement")))
    for section in (
        "Compliance status",
        "Non-accessible content",
        "Reporting accessibility problems",
        "Enforcement procedure",
        "Equality Advisory and Support Service",
        "Preparation of this statement",
        "[Fill in:",
    ):
        assert section in statement, section


def test_the_notices_show_the_administrators_text_safely(client, area, service_admin):
    publish(
        area,
        by=service_admin,
        privacy_notice="## Who we are\n<script>alert('x')</script> holds **your** data.",
        reviewed_on=timezone.localdate() - timedelta(days=3),
    )
    response = client.get(reverse("privacy_notice"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert "<h2>Who we are</h2>" in body and "<strong>your</strong>" in body
    page = text(response)
    assert "Not yet completed" not in page and "[Fill in" not in page
    assert "Last reviewed" in page and "Not reviewed yet" not in page
    assert "Northampton Connect" in page and "01632 960001" in page


def test_with_several_areas_the_notice_asks_which_unless_told(client, area):
    other = factories.area(name="Rutland")
    publish(other, accessibility_statement="Rutland's own statement")
    choose = text(client.get(reverse("accessibility_statement")))
    assert "Choose your area" in choose and area.name in choose and "Rutland" in choose
    chosen = text(client.get(reverse("accessibility_statement"), {"area": other.code.lower()}))
    assert "Rutland's own statement" in chosen
    # Staff are shown their own area's without being asked.
    client.force_login(
        factories.user(organisation=factories.service(area=other), role="link_worker")
    )
    assert "Rutland's own statement" in text(client.get(reverse("accessibility_statement")))


# Editing: the area's service administrator only


def test_preview_shows_the_text_as_it_will_look_and_saves_nothing(client, area, service_admin):
    client.force_login(service_admin)
    page = text(client.get(EDIT))
    assert "Not completed yet" in page and "[Fill in:" in page  # the defaults, to edit
    response = client.post(EDIT, form_data(privacy_notice="## Who we are\n<i>Us</i>", preview="1"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h4>Who we are</h4>" in body and "&lt;i&gt;Us&lt;/i&gt;" in body
    assert not AreaPublicInformation.objects.exists()


def test_saving_publishes_audits_and_counts_versions(client, area, service_admin):
    client.force_login(service_admin)
    response = client.post(EDIT, form_data())
    assert response.status_code == 302
    saved = AreaPublicInformation.objects.get(area=area)
    assert saved.version == 1 and saved.service_name == "Northampton Connect"
    event = AuditEvent.objects.get(verb="update_public_information")
    assert event.actor == service_admin
    assert "We are Northampton Connect." in text(client.get(reverse("privacy_notice")))

    info = public_information.for_area(area)
    client.post(EDIT, form_data(info, phone="01632 960002"))
    saved.refresh_from_db()
    assert saved.version == 2 and saved.phone == "01632 960002"
    last = AuditEvent.objects.filter(verb="update_public_information").order_by("-id").first()
    assert last.detail["changed"] == ["phone"]


def test_every_problem_is_named(client, area, service_admin):
    client.force_login(service_admin)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        EDIT,
        form_data(
            service_name="",
            phone="",
            privacy_notice="",
            **{
                "reviewed_on[day]": str(tomorrow.day),
                "reviewed_on[month]": str(tomorrow.month),
                "reviewed_on[year]": str(tomorrow.year),
            },
        ),
    )
    page = text(response)
    assert "There is a problem" in page
    for message in (
        "Enter the name people know the service by",
        "Enter the phone number people can call",
        "Enter the privacy notice",
    ):
        assert message in page
    response = client.post(
        EDIT,
        form_data(
            **{
                "reviewed_on[day]": str(tomorrow.day),
                "reviewed_on[month]": str(tomorrow.month),
                "reviewed_on[year]": str(tomorrow.year),
            }
        ),
    )
    assert "must be today or in the past" in text(response)
    assert not AreaPublicInformation.objects.exists()


def test_nobody_else_can_edit(client, area, service_admin, other_area_service_admin, team_lead):
    publish(area, by=service_admin, phone="01632 960001")
    for user, status in ((team_lead, 403),):
        client.force_login(user)
        assert client.get(EDIT).status_code == status
        assert client.post(EDIT, form_data(phone="999")).status_code == status
    from administration.tests.conftest import administrator

    system_admin = administrator("sys2@example.nhs.uk", "Sam System")
    client.force_login(system_admin)
    assert client.get(EDIT).status_code == 403
    # Another area's administrator edits their own area, never this one.
    client.force_login(other_area_service_admin)
    assert area.name not in text(client.get(EDIT))
    client.post(EDIT, form_data(phone="01632 960099"))
    assert public_information.for_area(area).phone == "01632 960001"
    with pytest.raises(ActionError):
        publish(area, by=other_area_service_admin, phone="01632 960098")
    client.logout()
    response = client.get(EDIT)
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_two_edits_at_once_the_second_is_told_and_loses_nothing(client, area, service_admin):
    from administration.tests.conftest import administrator

    other_admin = administrator("two@example.nhs.uk", "Tess Two", area)
    publish(area, by=service_admin)
    seen = public_information.for_area(area)  # both open the page at version 1
    client.force_login(service_admin)
    assert client.post(EDIT, form_data(seen, phone="01632 960011")).status_code == 302

    client.force_login(other_admin)
    response = client.post(EDIT, form_data(seen, phone="01632 960022", email="b@example.org"))
    page = text(response)
    assert response.status_code == 200
    assert "Someone else changed this while you were editing it" in page
    assert 'value="01632 960022"' in page  # what they typed is kept…
    assert "What they saved" in page  # …beside what the other person saved
    assert public_information.for_area(area).phone == "01632 960011"
    # Saving again builds on the latest version.
    again = client.post(EDIT, form_data(public_information.for_area(area), phone="01632 960022"))
    assert again.status_code == 302
    assert public_information.for_area(area).phone == "01632 960022"

    with pytest.raises(ConcurrentChange):  # the action itself refuses a stale version
        update_public_information(
            by=service_admin,
            area=area,
            version=seen.version,
            **{
                "service_name": "Late",
                "phone": "0",
                "email": "",
                "privacy_notice": "x",
                "accessibility_statement": "y",
                "reviewed_on": None,
            },
        )
    assert public_information.for_area(area).service_name == "Northampton Connect"


def test_two_first_saves_at_once_the_second_is_told(area, service_admin):
    # Both opened the page before anything was saved (version 0).
    publish(area, by=service_admin, phone="01632 960011")
    with pytest.raises(ConcurrentChange):
        update_public_information(
            by=service_admin,
            area=area,
            version=0,
            service_name="Second",
            phone="01632 960022",
            email="",
            privacy_notice="x",
            accessibility_statement="y",
            reviewed_on=None,
        )
    assert public_information.for_area(area).phone == "01632 960011"


# The footer, on every page


def footer_links(response):
    body = response.content.decode()
    footer = body[body.index("<footer") :]
    return re.findall(r'href="([^"]*)"', footer)


def test_every_page_links_to_the_notices(
    client, area, service, team_lead, service_admin, provider_listing
):
    factories.practice(area=area, name="Abington Park Surgery")
    public_pages = [
        reverse("directory:find"),
        reverse("directory:activity", args=[provider_listing.pk]),
        reverse("refer_yourself"),
        reverse("privacy_notice"),
        reverse("accounts:login"),
    ]
    for url in public_pages:
        links = footer_links(client.get(url))
        assert any(link.startswith("/privacy/") for link in links), url
        assert any(link.startswith("/accessibility/") for link in links), url
    # A page that knows its area says so in the links.
    activity = footer_links(client.get(reverse("directory:activity", args=[provider_listing.pk])))
    assert f"/privacy/?area={area.code}" in activity
    for user, url in ((team_lead, reverse("referrals:triage")), (service_admin, EDIT)):
        client.force_login(user)
        links = footer_links(client.get(url))
        assert "/privacy/" in links and "/accessibility/" in links, url


# Public pages name the service and its phone number


@pytest.fixture
def published(area, service):
    return publish(area, service_name="Northampton Connect", phone="01632 960001")


def test_find_and_activity_pages_name_the_service(client, published, provider_listing):
    for url in (
        reverse("directory:find"),
        reverse("directory:find") + "?postcode=NN1+5BD",
        reverse("directory:activity", args=[provider_listing.pk]),
    ):
        page = text(client.get(url))
        assert "Northampton Connect" in page and "01632 960001" in page, url


def test_the_find_page_names_the_area_of_the_postcode(client, area, published):
    other = factories.area(name="Rutland")
    publish(other, service_name="Rutland Together", phone="01632 960777")
    factories.practice(area=other, name="Oakham Surgery", postcode="LE15 6AA")
    # With two areas, a page that does not know which names neither.
    assert "01632 960" not in text(client.get(reverse("directory:find")))
    page = text(client.get(reverse("directory:find"), {"postcode": "LE15 6AA"}))
    assert "Rutland Together" in page and "01632 960777" in page
    assert "Northampton Connect" not in page
    assert "Rutland Together" in text(client.get(reverse("refer_yourself"), {"area": other.code}))


def test_the_self_referral_form_names_the_service(client, published):
    page = text(client.get(reverse("refer_yourself")))
    assert "Run by Northampton Connect" in page and "01632 960001" in page
    assert 'href="/privacy/?area=' in client.get(reverse("refer_yourself")).content.decode()


def test_questionnaire_pages_name_the_persons_service(client, active_referral, published):
    from referrals.models import Person

    service = active_referral.service
    service.phone = "01632 960555"
    service.save(update_fields=["phone"])
    Person.objects.filter(pk=active_referral.person_id).update(texts_allowed=True)
    baseline = active_referral.questionnaire_requests.get(timepoint="baseline")
    token = outcome_actions.send_link(by=None, request=baseline)
    start = text(client.get(reverse("outcomes:answer_start", args=[token])))
    assert service.name in start and "01632 960555" in start  # its own number
    dob = active_referral.person.date_of_birth
    response = client.post(
        reverse("outcomes:answer_start", args=[token]),
        {
            "date_of_birth[day]": dob.day,
            "date_of_birth[month]": dob.month,
            "date_of_birth[year]": dob.year,
        },
        follow=True,
    )
    assert "Question 1 of" in text(response) and "01632 960555" in text(response)
    # Without a number of its own, the area's.
    service.phone = ""
    service.save(update_fields=["phone"])
    client.logout()  # a new session: the page before the date of birth
    assert "01632 960001" in text(client.get(reverse("outcomes:answer_start", args=[token])))


# The self-referral confirmation: a reference, and who will call


@pytest.fixture
def abington(area, service):
    return factories.practice(area=area, name="Abington Park Surgery")


def test_the_confirmation_gives_a_reference_and_who_will_call(
    client, abington, published, team_lead
):
    service = abington.area.organisations.get(kind="link_worker_service")
    response = send_self_referral(client, self_referral_form())
    page = words(response)
    referral = Referral.objects.get()
    reference = REFERENCE.search(response.content.decode())[1]
    assert reference == reference_for(referral.pk)
    assert (
        f"A link worker from {service.name} will call you from 01632 960001 within "
        f"{service.response_working_days} working days" in page
    )
    # The triage team sees the same reference when the person calls about it.
    client.force_login(team_lead)
    triage = client.get(reverse("referrals:triage_referral", args=[referral.pk]))
    assert f"data-reference>{reference}<" in triage.content.decode()
    client.logout()
    # A second referral has a reference of its own.
    second = send_self_referral(client, self_referral_form(given_name="Ada"))
    assert REFERENCE.search(second.content.decode())[1] != reference


def test_robots_get_a_confirmation_shaped_like_everyone_elses(client, abington, published):
    caught = send_self_referral(client, self_referral_form(website="http://spam.example"))
    assert REFERENCE.search(caught.content.decode())
    assert "Northampton Connect" in text(caught)
    assert not Referral.objects.exists()


def test_the_reference_is_derived_from_the_random_part_of_the_id():
    from core.ids import uuid7

    with time_machine.travel(timezone.now(), tick=False):
        references = {reference_for(uuid7()) for _ in range(200)}  # the same millisecond
    assert len(references) == 200
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", r) for r in references)
    pk = uuid7()
    assert reference_for(pk) == reference_for(str(pk))


def test_reviewed_date_is_shown_as_a_date(client, area):
    publish(area, reviewed_on=date(2020, 1, 2))
    assert "Last reviewed 2 January 2020" in text(client.get(reverse("accessibility_statement")))
