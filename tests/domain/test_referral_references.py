"""Referral references (issue 14): the format people were given stays valid, typed
references are read however they are typed, every way a referral is made stores a unique
one, and two alike are handled (a new id drawn, or the longer form)."""

import random
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.ids import uuid7
from referrals import references
from referrals.models import DischargeReason, Need, Referral
from referrals.references import LONGER, LONGEST, normalise, reference_for
from tests import factories

pytestmark = pytest.mark.django_db


def as_before_issue_14(pk: uuid.UUID) -> str:
    """The derivation people's references were shown with before they were stored."""
    value, chars = pk.int & ((1 << 40) - 1), []
    for _ in range(8):
        value, digit = divmod(value, 32)
        chars.append("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[digit])
    text = "".join(reversed(chars))
    return f"{text[:4]}-{text[4:]}"


def alike(pk: uuid.UUID, higher: int) -> uuid.UUID:
    """A new UUIDv7 made to end in pk's last 40 bits (so to have pk's reference), with
    `higher` as the 20 bits above them."""
    top = uuid7().int >> 60 << 60
    return uuid.UUID(int=top | (higher & 0xFFFFF) << 40 | pk.int & ((1 << 40) - 1))


# The format


def test_the_format_is_the_one_people_were_given():
    assert reference_for(uuid.UUID("01890a5d-ac96-7ab2-80e2-4536629c90ec")) == "6SH9-S47C"
    rng = random.Random(14)
    for _ in range(2000):
        pk = uuid.UUID(int=rng.getrandbits(128))
        assert reference_for(pk) == reference_for(str(pk)) == as_before_issue_14(pk)


def test_the_longer_forms_begin_with_the_short_one():
    pk = uuid.UUID("01890a5d-ac96-7ab2-80e2-4536629c90ec")
    assert reference_for(pk, LONGER) == "6SH9-S47C-1RJ5"
    assert reference_for(pk, LONGEST) == "6SH9-S47C-1RJ5-FAS8"
    with pytest.raises(ValueError):
        reference_for(pk, 5)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("K7QM-3XPD", "K7QM-3XPD"),
        ("k7qm-3xpd", "K7QM-3XPD"),
        ("k7qm3xpd", "K7QM-3XPD"),
        ("  K7 QM 3X PD ", "K7QM-3XPD"),
        ("K7QM – 3XPD", "K7QM-3XPD"),  # an en dash, as word processors write it
        ("k-7-q-m-3-x-p-d", "K7QM-3XPD"),
        ("1O0I-LL00", "1001-1100"),  # Crockford: O is 0, I and L are 1
        ("k7qm 3xpd 1rj5", "K7QM-3XPD-1RJ5"),
        ("K7QM3XPD1RJ5FAS8", "K7QM-3XPD-1RJ5-FAS8"),
    ],
)
def test_a_typed_reference_is_read_however_it_is_typed(typed, read):
    assert normalise(typed) == read


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "K7QM-3XP", "K7QM-3XPDQ", "K7QM-3XPU", "K7QM-3X*D", "Ruth Adeyemi", None],
)
def test_what_cannot_be_a_reference_is_not_read_as_one(typed):
    assert normalise(typed) is None


# Stored, unique, and set by every way a referral is made


def test_the_database_refuses_two_referrals_with_one_reference(referral, referrer, service):
    other = factories.referral(by=referrer, service=service)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=other.pk).update(reference=referral.reference)
    # Case matters to the database too: references are stored in capitals only.
    assert referral.reference == referral.reference.upper()


@pytest.mark.parametrize("value", ["", None])
def test_the_database_refuses_a_referral_without_one(referral, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(reference=value)


def test_a_referral_made_through_the_form_action_has_its_own(referrer, service):
    made = [factories.referral(by=referrer, service=service) for _ in range(5)]
    for referral in made:
        stored = Referral.objects.values_list("reference", flat=True).get(pk=referral.pk)
        assert stored == referral.reference == reference_for(referral.pk)
    assert len({r.reference for r in made}) == 5


def test_a_referral_saved_any_other_way_still_gets_the_one_made_from_its_id(referral):
    now = timezone.now()
    again = Referral.objects.create(
        area=referral.area,
        person=referral.person,
        service=factories.service(area=referral.area),
        source="web_form",
        consent_to_contact=True,
        received_at=now,
        status_changed_at=now,
    )
    again.refresh_from_db()
    assert again.reference == reference_for(again.pk)


def test_the_demo_loaders_bulk_rows_carry_unique_references(
    area, service, team_lead, link_worker, practice, provider, provider_listing
):
    from nonprod import history
    from nonprod.bulk_rows import RowWriter

    cast = history.Cast(
        area_id=area.pk,
        service_id=service.pk,
        lead_id=team_lead.pk,
        practices=[practice.pk],
        workers=[link_worker.pk],
        activities=[(provider_listing.pk, provider.organisation_id)],
        needs=dict(Need.objects.values_list("code", "pk")),
        reasons=dict(DischargeReason.objects.values_list("code", "pk")),
        postcodes=["NN1 5BD", "NN12 6AB"],
        open_workers=[link_worker.pk],
    )
    today = timezone.localdate()
    writer = RowWriter()
    history.write(
        cast,
        count=30,
        first=today - timedelta(days=300),
        last=today - timedelta(days=3),
        today=today,
        rng=random.Random(14),
        writer=writer,
        numbers=history.nhs_numbers(random.Random(15), set()),
    )
    rows = list(Referral.objects.values_list("pk", "reference"))
    assert len(rows) == 30
    assert all(reference == reference_for(pk, LONGER) for pk, reference in rows)


# Two alike


def test_a_new_referral_whose_reference_is_taken_draws_another_id(
    referral, referrer, service, monkeypatch
):
    ids = iter([alike(referral.pk, 1), alike(referral.pk, 2)])
    drawn = []

    def next_id():
        pk = next(ids, None) or uuid7()
        drawn.append(pk)
        return pk

    monkeypatch.setattr(references, "uuid7", next_id)
    second = factories.referral(by=referrer, service=service)
    assert len(drawn) == 3  # two taken, then a free one
    assert second.pk == drawn[-1]
    assert second.reference == reference_for(second.pk) != referral.reference
    assert len(second.reference) == 9  # the short form, as everyone gets


def test_when_every_draw_is_taken_the_longer_form_is_used(referral, referrer, service, monkeypatch):
    counter = iter(range(1, 100))
    monkeypatch.setattr(references, "uuid7", lambda: alike(referral.pk, next(counter)))
    second = factories.referral(by=referrer, service=service)
    assert second.reference == reference_for(second.pk, LONGER)
    assert second.reference.startswith(referral.reference + "-")
    # Found by the eight characters too, and by all twelve alone.
    found = Referral.objects.matching(referral.reference.lower())
    assert set(found) == {referral, second}
    assert list(Referral.objects.matching(second.reference.replace("-", " "))) == [second]


def test_a_reference_taken_at_the_same_moment_elsewhere_is_drawn_again(
    referral, referrer, service, monkeypatch
):
    """The check and the insert are two statements: another transaction can insert the same
    reference between them. The unique constraint decides, and the referral is made anyway."""
    real = references.new_key
    calls = []

    def raced(taken):
        calls.append(taken)
        if len(calls) == 1:
            return uuid7(), referral.reference  # as if the check had found it free
        return real(taken)

    monkeypatch.setattr(references, "new_key", raced)
    second = factories.referral(by=referrer, service=service)
    assert len(calls) == 2
    assert second.reference != referral.reference
    assert Referral.objects.filter(reference=second.reference).get() == second
