"""Migration referrals 0012: every existing referral is given, in batches, exactly the
reference it was shown with before references were stored; two that were alike keep it for
the first, and the later get the longer form (which begins with what they were told)."""

import uuid
from datetime import timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.ids import uuid7
from referrals.models import Referral
from referrals.references import LONGER, LONGEST, reference_for
from tests import factories

MIGRATION = import_module("referrals.migrations.0012_referral_reference")
BEFORE = [("referrals", "0011_possible_duplicates")]


def alike(pk: uuid.UUID, higher: int) -> uuid.UUID:
    """A new id ending in pk's last 40 bits, with `higher` as the 20 bits above them."""
    top = uuid7().int >> 60 << 60
    return uuid.UUID(int=top | (higher & 0xFFFFF) << 40 | pk.int & ((1 << 40) - 1))


@pytest.mark.django_db(transaction=True)
def test_existing_referrals_get_the_references_they_were_shown_with(monkeypatch):
    area = factories.area()
    service, elsewhere = factories.service(area=area), factories.service(area=area)
    referrer = factories.user(organisation=factories.practice(area=area), role="referrer")
    made = [factories.referral(by=referrer, service=service) for _ in range(5)]
    first = made[0]

    monkeypatch.setattr(MIGRATION, "BATCH", 2)  # five rows and more: several batches
    runs = []
    fill = MIGRATION.fill_references
    monkeypatch.setattr(MIGRATION, "fill_references", lambda *a: runs.append(fill(*a)) or runs[-1])

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("referrals", "Referral")
        assert "reference" not in {f.name for f in old._meta.get_fields()}
        # Two more whose ids end like the first's (rare, but 40 bits make it possible), and
        # alike each other in the next 20 bits too; made later than the first.
        twins = [alike(first.pk, 7), alike(first.pk, 7)]
        for number, pk in enumerate(twins, start=1):
            later = timezone.now() + timedelta(minutes=number)
            old.objects.create(
                id=pk,
                area_id=area.pk,
                person_id=made[number].person_id,
                service_id=elsewhere.pk,
                source="web_form",
                consent_to_contact=True,
                received_at=later,
                status="received",
                status_changed_at=later,
            )
            old.objects.filter(pk=pk).update(created_at=later)
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    assert len(runs) == 1
    assert runs[0]["filled"] == 7 and runs[0]["batches"] == 4
    assert set(runs[0]["lengthened"]) == set(twins)
    stored = dict(Referral.objects.values_list("pk", "reference"))
    assert len(stored) == 7 and len(set(stored.values())) == 7
    for referral in made:
        assert stored[referral.pk] == reference_for(referral.pk)
    assert stored[first.pk] == reference_for(first.pk)  # the first keeps what it was told
    assert stored[twins[0]] == reference_for(twins[0], LONGER)
    assert stored[twins[1]] == reference_for(twins[1], LONGEST)  # the longer was taken too
    assert all(stored[t].startswith(stored[first.pk] + "-") for t in twins)
    # What they were told still finds them (with the first's), within the service only.
    found = Referral.objects.filter(service=elsewhere).matching(stored[first.pk].lower())
    assert set(found.values_list("pk", flat=True)) == set(twins)
    # Nothing is left to do a second time.
    assert fill(Referral, connection, 2) == {"filled": 0, "batches": 0, "lengthened": []}
