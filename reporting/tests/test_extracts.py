"""The pseudonymised person-level extract for evaluators: who is in it (only people who
agreed to research), what is in it (no direct identifiers, keyed pseudonyms per recipient),
how it is delivered (streamed CSV), who may have it (the service's own team leads) and that
every download is recorded."""

import csv
import hashlib
import hmac
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from core.dates import add_months, month_start
from core.errors import ActionError
from core.models import AuditEvent
from geography.models import Postcode
from outcomes import actions as outcomes
from referrals.actions import decline_referral, record_consent
from referrals.models import Person
from reporting import actions, extract, refresh
from reporting.models import ExtractDownload, ExtractRecipient, ReferralFact
from tests import factories

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
SWEMWBS = ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "mind"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
TEN_DIGITS = re.compile(r"\b\d{10}\b")

# People with names, dates of birth, phones and emails that cannot turn up by chance.
CONSENTING = [
    ("Zebedee", "Quillfeather", date(1953, 2, 14), "07700900111", "zeb.quill@example.org"),
    ("Philippa", "Marchbanks", date(1971, 9, 3), "07700900222", "pip.marchbanks@example.org"),
    ("Ignatius", "Oyelaran", date(1988, 12, 29), "07700900333", "iggy.oye@example.org"),
]
DECLINING = [
    ("Wilhelmina", "Thistlewood", date(1949, 4, 8), "07700900444", "mina.thistle@example.org"),
    ("Barnabas", "Crumpington", date(1966, 7, 21), "07700900555", "barney.crump@example.org"),
]


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime.combine(day, time(hour), LONDON), tick=False)


def details(given, family, born, phone, email, **kw):
    return factories.PersonDetailsFactory(
        given_name=given,
        family_name=family,
        date_of_birth=born,
        postcode=kw.pop("postcode", "NN12 6AB"),
        phone=phone,
        email=email,
        sex=kw.pop("sex", "female"),
        ethnicity=kw.pop("ethnicity", "H"),
        **kw,
    )


def consent(referral, *, by, research: bool):
    return record_consent(
        by=by,
        referral=referral,
        texts_allowed=False,
        emails_allowed=False,
        share_with_providers="contact",
        share_with_gp="summary",
        research_allowed=research,
    )


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def months(first: date, last: date) -> dict:
    return {"start": f"{first:%Y-%m}", "end": f"{last:%Y-%m}"}


def this_month() -> date:
    return month_start(timezone.localdate())


def download(client, recipient, **params):
    return client.get(reverse("reporting:extract_download", args=[recipient.pk]), params)


def column(table: list[list[str]], name: str) -> list[str]:
    i = table[0].index(name)
    return [row[i] for row in table[1:]]


@pytest.fixture
def postcode(db):
    return Postcode.objects.create(
        code="NN12 6AB", precision="full", latitude=52.13, longitude=-0.99, source="test",
        lsoa="E01027200", imd_decile=3,
    )  # fmt: skip


@pytest.fixture
def people(postcode, referrer, service, team_lead):
    """Three people who agreed to research and two who did not, all referred this month
    to our service; facts rebuilt."""
    found = {"agreed": [], "declined": []}
    for group, rows, research in (("agreed", CONSENTING, True), ("declined", DECLINING, False)):
        for row in rows:
            referral = factories.referral(
                by=referrer,
                service=service,
                person=details(*row),
                context=f"Private note about {row[0]} {row[1]} at 12 Acacia Avenue.",
            )
            consent(referral, by=team_lead, research=research)
            found[group].append(referral)
    refresh.rebuild_all()
    return found


@pytest.fixture
def recipient(team_lead):
    return actions.add_extract_recipient(
        by=team_lead,
        name="University of Northampton evaluation team",
        purpose="Evaluating the social prescribing service",
        agreement_reference="DSA-2026-014",
    )


@pytest.fixture
def second_recipient(team_lead):
    return actions.add_extract_recipient(
        by=team_lead,
        name="County analytics unit",
        purpose="Cost-effectiveness study",
        agreement_reference="DSA-2026-020",
    )


@pytest.fixture
def other_team_lead(area):
    return factories.user(
        organisation=factories.service(area), role="team_lead", full_name="Olga Otherlead"
    )


@pytest.fixture
def lead_client(client, team_lead):
    client.force_login(team_lead)
    return client


# Who is in it


def test_only_people_who_agreed_to_research_appear(lead_client, people, recipient):
    table = parse(body(download(lead_client, recipient)))
    persons = column(table, "person")
    agreed = {extract.pseudonym(recipient, "person", r.person_id) for r in people["agreed"]}
    declined = {extract.pseudonym(recipient, "person", r.person_id) for r in people["declined"]}
    assert len(table) == 1 + len(people["agreed"])  # the header, then one row each
    assert set(persons) == agreed
    assert not declined & set(persons)
    referrals = column(table, "referral")
    assert set(referrals) == {
        extract.pseudonym(recipient, "referral", r.pk) for r in people["agreed"]
    }
    # The facts do hold the others: it is the extract that leaves them out.
    assert ReferralFact.objects.filter(research_allowed=False).count() == len(people["declined"])


def test_withdrawing_research_consent_takes_the_person_out(
    lead_client, people, recipient, team_lead
):
    leaving = people["agreed"][0]
    before = column(parse(body(download(lead_client, recipient))), "person")
    assert extract.pseudonym(recipient, "person", leaving.person_id) in before
    consent(leaving, by=team_lead, research=False)
    refresh.refresh()
    after = column(parse(body(download(lead_client, recipient))), "person")
    assert extract.pseudonym(recipient, "person", leaving.person_id) not in after
    assert len(after) == len(before) - 1


def test_another_services_people_never_appear(
    lead_client, people, recipient, area, referrer, other_team_lead
):
    """A second service in the same area, with someone who agreed to research: not ours."""
    theirs = factories.referral(
        by=referrer, service=other_team_lead.organisation, person=details(*CONSENTING[0])
    )  # the same person, even: their referral to the other service is not ours to share
    consent(theirs, by=other_team_lead, research=True)
    refresh.rebuild_all()
    referrals = column(parse(body(download(lead_client, recipient))), "referral")
    assert extract.pseudonym(recipient, "referral", theirs.pk) not in referrals
    assert len(referrals) == len(people["agreed"])


def test_no_one_agreed_gives_the_header_alone(lead_client, referrer, service, recipient):
    factories.referral(by=referrer, service=service, person=details(*DECLINING[0]))
    refresh.rebuild_all()
    assert ReferralFact.objects.count() == 1
    assert parse(body(download(lead_client, recipient))) == [extract.HEADER]


# What is in it


def test_no_direct_identifiers_anywhere_in_the_file(lead_client, people, recipient):
    text = body(download(lead_client, recipient))
    lowered = text.lower()
    assert len(parse(text)) == 1 + len(CONSENTING)  # the people are in it, by pseudonym
    for referral in people["agreed"] + people["declined"]:
        referral.refresh_from_db()
        person = Person.objects.get(pk=referral.person_id)
        born = person.date_of_birth
        for identifier in (
            person.nhs_number,
            person.given_name,
            person.family_name,
            f"{born:%Y-%m-%d}",
            f"{born:%d/%m/%Y}",
            f"{born:%Y%m%d}",
            f"{born:%d %B %Y}",
            person.postcode,
            person.postcode.replace(" ", ""),
            person.phone,
            person.email,
            "acacia avenue",  # the address in the referral's notes
            referral.context,
            str(referral.pk),
            referral.pk.hex,
            str(person.pk),
            person.pk.hex,
            f"{timezone.localtime(referral.received_at):%Y-%m-%d}",  # months, never days
            "E01027200",  # the LSOA: the decile goes out, never the small area itself
        ):
            assert identifier, "every person has this identifier to look for"
            assert identifier.lower() not in lowered, identifier
    assert not ISO_DATE.search(text)
    assert not UUID.search(text)
    assert not TEN_DIGITS.search(text)  # NHS numbers, or anything shaped like one
    assert recipient.key not in text


def test_columns_are_those_declared_and_each_row_is_one_referral(
    lead_client, people, recipient, area, practice
):
    text = body(download(lead_client, recipient))
    # Every field quoted, as core.csv_safe writes them; one line per row.
    assert text.startswith(",".join(f'"{h}"' for h in extract.HEADER) + "\n")
    table = parse(text)
    assert table[0] == extract.HEADER
    assert table[0][:2] == ["person", "referral"]
    for declared in (  # docs/reporting.md, "Pseudonymised extract for evaluation"
        "age_band",
        "sex",
        "ethnic_group",
        "imd_decile",
        "area_code",
        "practice_ods",
        "pcn_ods",
        "month_received",
        "gp_before",
        "gp_after",
        "ae_before",
        "ae_after",
        "swemwbs.metric.baseline",
        "swemwbs.metric.follow_up",
    ):
        assert declared in table[0]
    assert len(table[0]) == len(set(table[0]))
    for name in table[0]:
        assert not re.search(r"nhs|name|birth|dob|postcode|phone|email|address", name), name
    assert all(len(row) == len(table[0]) for row in table[1:])
    assert len(table) - 1 == len(people["agreed"])
    assert len(set(column(table, "referral"))) == len(people["agreed"])
    assert set(column(table, "month_received")) == {f"{this_month():%Y-%m}"}
    assert set(column(table, "area_code")) == {area.code}
    assert set(column(table, "practice_ods")) == {practice.ods_code}
    assert set(column(table, "pcn_ods")) == {practice.pcn.ods_code}
    assert set(column(table, "imd_decile")) == {"3"}
    assert set(column(table, "sex")) == {"female"}
    assert set(column(table, "ethnic_group")) == {"asian"}
    assert set(column(table, "needs")) == {"loneliness"}
    assert set(column(table, "status")) == {"received"}
    bands = dict(ReferralFact.objects.values_list("referral_id", "age_band"))
    by_referral = dict(zip(column(table, "referral"), column(table, "age_band"), strict=True))
    for referral in people["agreed"]:
        band = bands[referral.pk]
        assert band and by_referral[extract.pseudonym(recipient, "referral", referral.pk)] == band


def test_the_extracts_page_lists_the_columns(lead_client, recipient):
    page = lead_client.get(reverse("reporting:extracts")).content.decode()
    assert ", ".join(extract.HEADER) in page


def test_pathway_and_outcome_scores_reach_the_file(
    lead_client, postcode, referrer, service, team_lead, link_worker, recipient
):
    """Spoken with four days after referral; wellbeing 15.32 at the start, 19.25 three
    months on; nothing recorded on the other measures."""
    received = add_months(this_month(), -6) + timedelta(days=4)
    with at(received):
        referral = factories.referral(by=referrer, service=service, person=details(*CONSENTING[1]))
        referral = factories.allocate(referral, by=team_lead, worker=link_worker)
    with at(received + timedelta(days=4)):
        factories.contact(referral, by=link_worker)
        referral.refresh_from_db()
        consent(referral, by=link_worker, research=True)
        outcomes.save_answers(
            by=link_worker, referral=referral, code="swemwbs", timepoint="baseline",
            answers=dict.fromkeys(SWEMWBS, 2), submit=True,
        )  # fmt: skip
    with at(received + timedelta(days=95)):
        outcomes.save_answers(
            by=link_worker, referral=referral, code="swemwbs", timepoint="month-3",
            answers=dict.fromkeys(SWEMWBS, 3), submit=True,
        )  # fmt: skip
    refresh.rebuild_all()
    table = parse(body(download(lead_client, recipient)))
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert row["month_received"] == f"{received:%Y-%m}"
    assert row["days_to_first_contact"] == "4"
    assert row["contacts"] == "1"
    assert (row["swemwbs.metric.baseline"], row["swemwbs.metric.follow_up"]) == ("15.32", "19.25")
    assert row["phq9.total.baseline"] == row["phq9.total.follow_up"] == ""
    assert row["gp_before"] == row["days_to_first_activity"] == ""  # unknown, not 0


# Pseudonyms


def test_pseudonyms_are_stable_across_downloads(lead_client, people, recipient):
    first = parse(body(download(lead_client, recipient)))
    second = parse(body(download(lead_client, recipient)))
    key = lambda table: sorted((r[0], r[1]) for r in table[1:])  # noqa: E731
    assert key(first) == key(second)
    assert len(key(first)) == len(people["agreed"])


def test_two_recipients_cannot_link_their_files(lead_client, people, recipient, second_recipient):
    ours = parse(body(download(lead_client, recipient)))
    theirs = parse(body(download(lead_client, second_recipient)))
    assert recipient.key != second_recipient.key
    assert len(ours) == len(theirs) == 1 + len(people["agreed"])
    for name in ("person", "referral"):
        assert not set(column(ours, name)) & set(column(theirs, name))
    for referral in people["agreed"]:
        mine = extract.pseudonym(recipient, "person", referral.person_id)
        yours = extract.pseudonym(second_recipient, "person", referral.person_id)
        assert mine != yours
        assert mine in column(ours, "person") and yours in column(theirs, "person")
    # Everything else is the same file.
    assert sorted(r[2:] for r in ours[1:]) == sorted(r[2:] for r in theirs[1:])


def test_one_person_with_two_referrals_has_one_pseudonym(
    lead_client, referrer, service, team_lead, recipient
):
    someone = details(*CONSENTING[2])
    first = factories.referral(by=referrer, service=service, person=someone)
    decline_referral(
        by=team_lead, referral=first, version=first.version, reason="needs_clinical_care"
    )
    second = factories.referral(by=referrer, service=service, person=someone)
    assert second.person_id == first.person_id and second.pk != first.pk
    consent(second, by=team_lead, research=True)
    refresh.rebuild_all()
    table = parse(body(download(lead_client, recipient)))
    assert len(table) == 3
    assert set(column(table, "person")) == {extract.pseudonym(recipient, "person", first.person_id)}
    assert set(column(table, "referral")) == {
        extract.pseudonym(recipient, "referral", first.pk),
        extract.pseudonym(recipient, "referral", second.pk),
    }
    assert sorted(column(table, "status")) == ["declined", "received"]


def test_a_pseudonym_cannot_be_recomputed_without_the_recipients_key(
    lead_client, people, recipient
):
    table = parse(body(download(lead_client, recipient)))
    by_person = dict(zip(column(table, "person"), column(table, "referral"), strict=True))
    for referral in people["agreed"]:
        person = Person.objects.get(pk=referral.person_id)
        keyed = hmac.new(
            bytes.fromhex(recipient.key), f"person:{person.pk}".encode(), hashlib.sha256
        ).hexdigest()[:20]
        assert keyed in by_person  # HMAC-SHA256 under the recipient's own key ...
        assert re.fullmatch(r"[0-9a-f]{20}", keyed)
        guesses = set()
        for value in (person.nhs_number, str(person.pk), person.pk.hex, f"person:{person.pk}"):
            for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b"):
                digest = hashlib.new(algorithm, value.encode()).hexdigest()
                guesses |= {digest, digest[:20], digest[-20:]}
            for key in (b"", b"\0" * 32, person.nhs_number.encode()):
                digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
                guesses |= {digest, digest[:20]}
        assert not guesses & set(by_person)  # ... and from nothing else a reader has
        assert not guesses & set(by_person.values())


# Delivery


def test_the_download_is_a_streamed_csv_file(lead_client, people, recipient):
    response = download(lead_client, recipient)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    month = f"{this_month():%Y-%m}"
    first = f"{add_months(this_month(), -11):%Y-%m}"
    assert response["Content-Disposition"] == (
        'attachment; filename="linkwork-extract-university-of-northampton-evaluation-team-'
        f'{first}-to-{month}.csv"'
    )
    facts = ReferralFact.objects.filter(service=recipient.service)
    assert body(response) == "".join(extract.csv_lines(recipient, facts))


def test_the_filename_names_the_chosen_months(lead_client, people, recipient):
    earlier = add_months(this_month(), -3)
    response = download(lead_client, recipient, **months(earlier, this_month()))
    assert response["Content-Disposition"].endswith(
        f'-{earlier:%Y-%m}-to-{this_month():%Y-%m}.csv"'
    )


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Uniwersytet Łódzki", "uniwersytet---dzki"),
        ("Université de Lyon", "universit--de-lyon"),
        ("東京大学 team", "team"),
        ("N&W ICS / Evaluation", "n-w-ics---evaluation"),
    ],
)
def test_the_filename_is_plain_ascii_whatever_the_recipients_name(
    lead_client, team_lead, name, slug
):
    """Outside ASCII, Django would MIME-encode the whole header (=?utf-8?...?=), which
    browsers do not read as an attachment at all."""
    recipient = actions.add_extract_recipient(
        by=team_lead, name=name, purpose="Evaluation", agreement_reference="DSA-1"
    )
    disposition = download(lead_client, recipient)["Content-Disposition"]
    assert disposition.isascii()
    assert disposition.startswith(f'attachment; filename="linkwork-extract-{slug}-')


def test_more_rows_than_a_chunk_come_in_several_chunks(lead_client, people, recipient, monkeypatch):
    monkeypatch.setattr(extract, "CHUNK", 2)  # three people: two chunks of rows, and one
    response = download(lead_client, recipient)
    chunks = [c.decode() for c in response.streaming_content]
    assert len(chunks) == 2
    assert [len(parse(c)) for c in chunks] == [1 + 2, 1]  # the header comes first, once
    facts = ReferralFact.objects.filter(service=recipient.service)
    direct = list(extract.csv_lines(recipient, facts))
    assert "".join(chunks) == "".join(direct)
    assert len(parse("".join(chunks))) == 1 + len(people["agreed"])


def test_csv_lines_yields_before_it_has_read_everything(
    people, recipient, referrer, service, team_lead, monkeypatch
):
    """The first chunk is ready after CHUNK rows; the rest has not been turned into text."""
    monkeypatch.setattr(extract, "CHUNK", 1)
    seen = []
    real = extract._chunk

    def spy(recipient, chunk, *args):
        seen.append(len(chunk))
        yield from real(recipient, chunk, *args)

    monkeypatch.setattr(extract, "_chunk", spy)
    lines = extract.csv_lines(recipient, ReferralFact.objects.all())
    first = next(lines)
    assert parse(first)[0] == extract.HEADER and len(parse(first)) == 2
    assert seen == [1]
    rest = list(lines)
    assert seen == [1, 1, 1]
    assert len(parse(first + "".join(rest))) == 1 + len(people["agreed"])


# Every download recorded


def test_every_download_is_recorded_and_audited(lead_client, people, recipient, team_lead):
    earlier = add_months(this_month(), -2)
    before = timezone.now()
    body(download(lead_client, recipient, **months(earlier, this_month())))
    after = timezone.now()
    record = ExtractDownload.objects.get()
    assert record.recipient == recipient and record.by == team_lead
    assert before <= record.created_at <= after
    assert record.filters == {"from": f"{earlier:%Y-%m}", "to": f"{this_month():%Y-%m}"}
    event = AuditEvent.objects.get(verb="download_extract")
    assert event.actor == team_lead and event.kind == AuditEvent.Kind.CHANGE
    assert (event.object_type, event.object_id) == ("reporting.ExtractRecipient", str(recipient.pk))
    assert event.detail == {**record.filters, "rows": record.rows}
    page = lead_client.get(reverse("reporting:extracts")).content.decode()
    assert f"{recipient.name}, referrals {earlier:%Y-%m} to {this_month():%Y-%m}" in page
    assert f"by {team_lead.full_name}" in page


def test_the_record_says_how_many_rows_went(lead_client, people, recipient):
    text = body(download(lead_client, recipient))
    record = ExtractDownload.objects.get()
    assert record.rows == len(people["agreed"]) == len(text.strip().splitlines()) - 1
    page = lead_client.get(reverse("reporting:extracts")).content.decode()
    assert f"{record.rows} referrals" in page


def test_two_downloads_at_once_are_both_recorded(lead_client, people, recipient, team_lead):
    """Both started before either is read, then read a chunk at a time in turn."""
    one = download(lead_client, recipient)
    two = download(lead_client, recipient)
    assert ExtractDownload.objects.filter(recipient=recipient, by=team_lead).count() == 2
    assert AuditEvent.objects.filter(verb="download_extract").count() == 2
    parts = {1: [], 2: []}
    streams = {1: iter(one.streaming_content), 2: iter(two.streaming_content)}
    while streams:
        for n, stream in list(streams.items()):
            try:
                parts[n].append(next(stream))
            except StopIteration:
                del streams[n]
    assert b"".join(parts[1]) == b"".join(parts[2])
    assert len(parse(b"".join(parts[1]).decode())) == 1 + len(people["agreed"])


# Months


def test_the_chosen_months_limit_the_referrals(
    lead_client, postcode, referrer, service, team_lead, recipient
):
    old = add_months(this_month(), -4) + timedelta(days=9)
    with at(old):
        earlier = factories.referral(by=referrer, service=service, person=details(*CONSENTING[0]))
        consent(earlier, by=team_lead, research=True)
    recent = factories.referral(by=referrer, service=service, person=details(*CONSENTING[1]))
    consent(recent, by=team_lead, research=True)
    refresh.rebuild_all()

    def referrals(first, last):
        table = parse(body(download(lead_client, recipient, **months(first, last))))
        return set(column(table, "referral"))

    was, now = (extract.pseudonym(recipient, "referral", r.pk) for r in (earlier, recent))
    assert referrals(this_month(), this_month()) == {now}
    assert referrals(month_start(old), month_start(old)) == {was}
    assert referrals(month_start(old), this_month()) == {was, now}
    assert referrals(add_months(old, -3), add_months(old, -1)) == set()
    # No months given: the last twelve.
    assert set(column(parse(body(download(lead_client, recipient))), "referral")) == {was, now}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13"}, "Select a valid choice"),
        ({"end": "last-month"}, "Select a valid choice"),
        ({"start": "1999-01"}, "Select a valid choice"),  # further back than offered
        ("after", "The end month must be the same as or after the start month"),
        ("too-long", "Choose at most 60 months at a time"),
    ],
)
def test_bad_months_are_refused_with_a_clear_message(
    lead_client, people, recipient, params, message
):
    if params == "after":
        params = months(this_month(), add_months(this_month(), -1))
    elif params == "too-long":
        params = months(add_months(this_month(), -60), this_month())
    response = download(lead_client, recipient, **params)
    assert response.status_code == 302 and response.url == reverse("reporting:extracts")
    assert not response.streaming
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and message in shown[0]
    assert not ExtractDownload.objects.exists()
    assert not AuditEvent.objects.filter(verb="download_extract").exists()


def test_fifty_nine_months_back_is_allowed(lead_client, people, recipient):
    response = download(
        lead_client, recipient, **months(add_months(this_month(), -59), this_month())
    )
    assert response.status_code == 200 and response.streaming
    assert len(parse(body(response))) == 1 + len(people["agreed"])


# Revoking


def test_a_revoked_recipient_gets_nothing_and_nothing_is_recorded(
    lead_client, people, recipient, team_lead
):
    response = lead_client.post(
        reverse("reporting:extract_revoke", args=[recipient.pk]), follow=True
    )
    assert response.redirect_chain == [(reverse("reporting:extracts"), 302)]
    assert f"{recipient.name} will not be sent any more extracts." in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.revoked_at is not None
    assert AuditEvent.objects.filter(
        verb="revoke_extract_recipient", actor=team_lead, object_id=str(recipient.pk)
    ).exists()

    response = download(lead_client, recipient)
    assert response.status_code == 302 and response.url == reverse("reporting:extracts")
    assert not response.streaming
    assert b"person,referral" not in response.content
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [f"{recipient.name} no longer receives extracts"]
    assert not ExtractDownload.objects.exists()
    assert not AuditEvent.objects.filter(verb="download_extract").exists()

    page = lead_client.get(reverse("reporting:extracts")).content.decode()
    assert f"{recipient.name} (no longer receives extracts)" in page
    assert reverse("reporting:extract_download", args=[recipient.pk]) not in page


def test_revoking_twice_keeps_the_first_time(lead_client, recipient):
    url = reverse("reporting:extract_revoke", args=[recipient.pk])
    lead_client.post(url)
    recipient.refresh_from_db()
    first = recipient.revoked_at
    lead_client.post(url)
    recipient.refresh_from_db()
    assert recipient.revoked_at == first
    assert AuditEvent.objects.filter(verb="revoke_extract_recipient").count() == 1


def test_revoking_one_recipient_leaves_the_other(lead_client, people, recipient, second_recipient):
    lead_client.post(reverse("reporting:extract_revoke", args=[recipient.pk]))
    response = download(lead_client, second_recipient)
    assert response.status_code == 200 and response.streaming
    assert len(parse(body(response))) == 1 + len(people["agreed"])


def test_revoke_is_post_only(lead_client, recipient):
    response = lead_client.get(reverse("reporting:extract_revoke", args=[recipient.pk]))
    assert response.status_code == 405
    recipient.refresh_from_db()
    assert recipient.revoked_at is None


def test_the_action_refuses_a_revoked_recipient(recipient, team_lead):
    actions.revoke_extract_recipient(by=team_lead, recipient=recipient)
    with pytest.raises(ActionError, match="no longer receives extracts"):
        actions.record_extract_download(by=team_lead, recipient=recipient, filters={}, rows=0)
    assert not ExtractDownload.objects.exists()


# Who may


ROLES = ["link_worker", "commissioner", "national", "provider", "referrer"]


@pytest.mark.parametrize("role", ROLES)
def test_only_team_leads_reach_extracts(client, request, role, people, recipient):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reporting:extracts")).status_code == 403
    response = download(client, recipient)
    assert response.status_code == 403 and not response.streaming
    assert b"person,referral" not in response.content
    assert client.post(reverse("reporting:extract_revoke", args=[recipient.pk])).status_code == 403
    response = client.post(
        reverse("reporting:extracts"),
        {"name": "Sneaky", "purpose": "Curiosity", "agreement_reference": "NONE"},
    )
    assert response.status_code == 403
    recipient.refresh_from_db()
    assert recipient.revoked_at is None
    assert ExtractRecipient.objects.count() == 1
    assert not ExtractDownload.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_actions_refuse_everyone_but_team_leads(request, role, recipient):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        actions.add_extract_recipient(
            by=user, name="Sneaky", purpose="Curiosity", agreement_reference="NONE"
        )
    with pytest.raises(PermissionDenied):
        actions.record_extract_download(by=user, recipient=recipient, filters={}, rows=0)
    with pytest.raises(PermissionDenied):
        actions.revoke_extract_recipient(by=user, recipient=recipient)
    assert ExtractRecipient.objects.count() == 1 and not ExtractDownload.objects.exists()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "reporting:extracts"),
        ("post", "reporting:extracts"),
        ("get", "reporting:extract_download"),
        ("post", "reporting:extract_revoke"),
    ],
)
def test_signed_out_goes_to_sign_in(client, recipient, method, name):
    url = reverse(name, args=[] if name == "reporting:extracts" else [recipient.pk])
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login")) and "next=" in response.url
    assert not ExtractDownload.objects.exists()
    recipient.refresh_from_db()
    assert recipient.revoked_at is None


def test_another_services_team_lead_cannot_reach_our_recipient(
    client, people, recipient, other_team_lead
):
    client.force_login(other_team_lead)
    response = download(client, recipient)
    assert response.status_code == 404 and not response.streaming
    assert b"person,referral" not in response.content
    response = client.post(reverse("reporting:extract_revoke", args=[recipient.pk]))
    assert response.status_code == 404
    recipient.refresh_from_db()
    assert recipient.revoked_at is None
    assert not ExtractDownload.objects.exists()
    with pytest.raises(ActionError, match="Not one of your service's recipients"):
        actions.record_extract_download(by=other_team_lead, recipient=recipient, filters={}, rows=0)
    with pytest.raises(ActionError, match="Not one of your service's recipients"):
        actions.revoke_extract_recipient(by=other_team_lead, recipient=recipient)
    assert not ExtractDownload.objects.exists()


def test_another_services_lead_downloads_only_their_own_people(
    client, people, recipient, other_team_lead, referrer
):
    """Their own recipient, their own referrals: never ours, though the area is the same."""
    theirs = factories.referral(
        by=referrer, service=other_team_lead.organisation, person=details(*DECLINING[0])
    )
    consent(theirs, by=other_team_lead, research=True)
    refresh.rebuild_all()
    their_recipient = actions.add_extract_recipient(
        by=other_team_lead, name="Their evaluator", purpose="Theirs", agreement_reference="X-1"
    )
    client.force_login(other_team_lead)
    table = parse(body(download(client, their_recipient)))
    assert column(table, "referral") == [extract.pseudonym(their_recipient, "referral", theirs.pk)]


def test_the_recipient_list_shows_only_our_services(
    lead_client, recipient, second_recipient, other_team_lead
):
    theirs = actions.add_extract_recipient(
        by=other_team_lead,
        name="Zanzibar Institute of Evaluation",
        purpose="Their own study",
        agreement_reference="DSA-OTHER-999",
    )
    page = lead_client.get(reverse("reporting:extracts")).content.decode()
    assert recipient.name in page and second_recipient.name in page
    assert recipient.agreement_reference in page
    assert reverse("reporting:extract_download", args=[recipient.pk]) in page
    assert theirs.name not in page and theirs.agreement_reference not in page
    assert str(theirs.pk) not in page
    for key in (recipient.key, second_recipient.key, theirs.key):
        assert key not in page  # the secret never leaves the server


# Adding a recipient


def test_a_team_lead_adds_a_recipient(lead_client, team_lead):
    response = lead_client.post(
        reverse("reporting:extracts"),
        {
            "name": "  University of Northampton evaluation team ",
            "purpose": "Evaluating the service",
            "agreement_reference": "DSA-2026-014",
        },
    )
    assert response.status_code == 302 and response.url == reverse("reporting:extracts")
    recipient = ExtractRecipient.objects.get()
    assert recipient.name == "University of Northampton evaluation team"
    assert recipient.service == team_lead.organisation and recipient.created_by == team_lead
    assert recipient.revoked_at is None
    assert re.fullmatch(r"[0-9a-f]{64}", recipient.key)
    assert AuditEvent.objects.filter(
        verb="add_extract_recipient", actor=team_lead, object_id=str(recipient.pk)
    ).exists()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [f"{recipient.name} can now be sent extracts."]


def test_each_recipient_gets_its_own_key(recipient, second_recipient, team_lead):
    third = actions.add_extract_recipient(
        by=team_lead, name="A third", purpose="Another study", agreement_reference="DSA-3"
    )
    keys = {recipient.key, second_recipient.key, third.key}
    assert len(keys) == 3


COMPLETE = {
    "name": "University of Northampton evaluation team",
    "purpose": "Evaluating the service",
    "agreement_reference": "DSA-2026-014",
}


REQUIRED = {
    "name": "Enter who receives the extract",
    "purpose": "Say what the extract is for",
    "agreement_reference": "Enter the data sharing agreement reference: no extract without one",
}


@pytest.mark.parametrize("missing", ["name", "purpose", "agreement_reference"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_recipient_needs_a_name_purpose_and_agreement(lead_client, missing, value):
    data = dict(COMPLETE)
    if value is None:
        del data[missing]
    else:
        data[missing] = value
    response = lead_client.post(reverse("reporting:extracts"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    # One error, linked from the summary to the field left empty.
    assert re.findall(r'href="#id_(\w+)"', html) == [missing]
    assert REQUIRED[missing] in html
    assert not ExtractRecipient.objects.exists()
    assert not AuditEvent.objects.filter(verb="add_extract_recipient").exists()
    for typed in data.values():  # what was typed is kept
        if typed.strip():
            assert typed in html


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("name", "Enter who will receive the extract"),
        ("purpose", "Say what it is for (the evaluation)"),
        ("agreement_reference", "Enter the reference of the data sharing agreement"),
    ],
)
def test_the_action_names_what_is_missing(team_lead, missing, message):
    with pytest.raises(ActionError) as raised:
        actions.add_extract_recipient(by=team_lead, **{**COMPLETE, missing: "  "})
    assert raised.value.message == message and raised.value.field == missing
    assert not ExtractRecipient.objects.exists()
