"""The England roll-up gives exactly the figures the facts give; the combined cost change
is the paired change of each person's costed difference."""

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.dates import add_months, month_start
from directory.models import Service
from geography.models import Postcode
from nonprod import history
from nonprod.bulk_rows import RowWriter
from organisations.models import Organisation
from referrals.actions import record_about
from referrals.demographics import Sex
from referrals.models import DischargeReason, Need, Referral
from reporting import refresh, stats
from reporting.costs import Cost
from reporting.dashboards.value import combined_cost
from reporting.figures import (
    DIMENSIONS,
    ENGLAND_DIMENSIONS,
    ROLLUP_DIMENSIONS,
    from_facts,
    from_rollup,
)
from reporting.models import ReferralFact
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_areas():
    """Two areas' worth of generated history, 18 months of it."""
    rng = random.Random(7)
    today = timezone.localdate()
    areas = []
    for name, districts in (("North", ["NN1", "NN2"]), ("South", ["NN12", "NN13"])):
        area = factories.area(name=name)
        practices = [factories.practice(area).pk for _ in range(3)]
        provider = factories.provider_org(area)
        for i in range(3):
            factories.activity(area=area, name=f"{name} group {i}", owner=provider)
        rows = history.postcodes_for(districts, rng, per_district=10)
        Postcode.objects.bulk_create([Postcode(**r) for r in rows], ignore_conflicts=True)
        numbers = history.nhs_numbers(rng, set())  # unique within an area
        # The North has two link-worker services, so an area is the sum of its services.
        for count in (100, 60) if name == "North" else (160,):
            service = factories.service(area)
            lead = factories.user(organisation=service, role="team_lead")
            workers = [
                factories.user(organisation=service, role="link_worker").pk for _ in range(3)
            ]
            cast = history.Cast(
                area_id=area.pk,
                service_id=service.pk,
                lead_id=lead.pk,
                practices=practices,
                workers=workers,
                activities=list(
                    Service.objects.filter(area=area).values_list("id", "organization__owner_id")
                ),
                needs=dict(Need.objects.exclude(code="other").values_list("code", "id")),
                reasons=dict(DischargeReason.objects.values_list("code", "id")),
                postcodes=[r["code"] for r in rows],
                open_workers=workers,
            )
            history.write(
                cast,
                count=count,
                first=add_months(today, -18),
                last=today - timedelta(days=3),
                today=today,
                rng=rng,
                writer=RowWriter(),
                numbers=numbers,
            )
        areas.append(area)
    refresh.rebuild_all()
    return areas


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        left, right = a[key], b[key]
        assert left.counts == right.counts, key
        assert left.wait_contact == right.wait_contact, key
        assert left.wait_activity == right.wait_activity, key
        assert left.outcomes.keys() == right.outcomes.keys(), key
        for measure, sums in left.outcomes.items():
            for name, value in sums.items():
                assert right.outcomes[measure][name] == pytest.approx(value), (key, measure, name)


def test_the_roll_up_gives_exactly_what_the_facts_give(two_areas):
    # One test for every breakdown: the generated history is the slow part.
    for dimension in ["area", "service", "month", *ROLLUP_DIMENSIONS]:
        _same_at_every_level(two_areas, dimension)


def _same_at_every_level(two_areas, dimension):
    today = timezone.localdate()
    first, last = add_months(month_start(today), -11), month_start(today)
    facts = ReferralFact.objects.filter(month__gte=first, month__lte=last)
    assert facts.count() > 150
    if dimension in ("area", "service", "month", *ENGLAND_DIMENSIONS):
        _same(
            from_facts(facts, dimension),
            from_rollup(areas=None, first=first, last=last, dimension=dimension),
        )
    else:
        with pytest.raises(ValueError, match="England"):
            from_rollup(areas=None, first=first, last=last, dimension=dimension)
    for area in two_areas:
        _same(
            from_facts(facts.filter(area=area), dimension),
            from_rollup(areas=[area.pk], first=first, last=last, dimension=dimension),
        )
        for service in Organisation.objects.filter(
            area=area, kind=Organisation.Kind.LINK_WORKER_SERVICE
        ):
            _same(
                from_facts(facts.filter(service=service), dimension),
                from_rollup(
                    areas=None, service=service, first=first, last=last, dimension=dimension
                ),
            )


def test_a_refresh_keeps_every_level_of_the_roll_up_equal_to_the_facts(two_areas):
    today = timezone.localdate()
    first, last = add_months(month_start(today), -11), month_start(today)
    referral = (
        Referral.objects.filter(received_at__date__gte=first, person__sex=Sex.FEMALE)
        .select_related("area", "service")
        .first()
    )
    area = referral.area
    worker = factories.user(organisation=referral.service, role="link_worker")
    before = from_rollup(areas=None, first=first, last=last, dimension="sex")
    record_about(by=worker, referral=referral, sex=Sex.MALE, ethnicity="")
    refresh.refresh()
    after = from_rollup(areas=None, first=first, last=last, dimension="sex")
    assert after["male"].counts["referrals"] == before["male"].counts["referrals"] + 1
    assert after["female"].counts["referrals"] == before["female"].counts["referrals"] - 1
    for dimension in ["area", "service", "month", *ROLLUP_DIMENSIONS]:
        _same_at_every_level(two_areas, dimension)
    assert area in two_areas


def test_the_history_is_realistic_enough_to_show_every_figure(two_areas):
    everything = from_facts(ReferralFact.objects.all(), "all")[""]
    counts = everything.counts
    assert counts["referrals"] == 320
    assert 0.8 < counts["accepted"] / counts["referrals"] < 0.95
    assert counts["contacted"] and counts["people_attending"] and counts["gp_n"]
    wellbeing = everything.outcome("swemwbs.metric")
    assert wellbeing["paired_n"] < wellbeing["due_n"] <= wellbeing["baseline_n"]
    assert wellbeing["sum_change"] > 0  # people get better on average
    assert stats.median(everything.wait_contact) < 15


def test_a_need_counts_each_referral_once_under_each_of_its_needs(two_areas):
    by_need = from_facts(ReferralFact.objects.all(), "need")
    tags = Counter(
        ReferralFact.objects.filter(tags__kind="need").values_list("tags__code", flat=True)
    )
    assert {k: v.counts["referrals"] for k, v in by_need.items()} == dict(tags)
    assert DIMENSIONS["need"].tag == "need"


def test_combined_cost_is_the_paired_change_of_each_persons_costed_difference():
    # Three people, GP £50 and A&E £200 a time. (GP before, after, A&E before, after):
    people = [(6, 3, 1, 0), (4, 4, 0, 1), (8, 5, 2, 1)]
    # Costs before → after per person: 500 → 150, 200 → 400, 800 → 450.
    expected = stats.paired_change_from_pairs(
        [(50 * gb + 200 * ab, 50 * ga + 200 * aa) for gb, ga, ab, aa in people]
    )
    counts = Counter(
        both_n=3,
        both_gp_before=sum(p[0] for p in people),
        both_gp_after=sum(p[1] for p in people),
        both_ae_before=sum(p[2] for p in people),
        both_ae_after=sum(p[3] for p in people),
        both_gp_sq=sum((p[1] - p[0]) ** 2 for p in people),
        both_ae_sq=sum((p[3] - p[2]) ** 2 for p in people),
        both_cross=sum((p[1] - p[0]) * (p[3] - p[2]) for p in people),
    )
    price = {
        "gp_consultation": Cost(Decimal("50"), "test", "2024/25", timezone.localdate()),
        "ae_attendance": Cost(Decimal("200"), "test", "2024/25", timezone.localdate()),
    }
    got = combined_cost(counts, price)
    # Changes −350, +200, −350: mean −166.67; SD 317.54; t(0.975, 2) = 4.3027.
    assert got.mean_change == pytest.approx(-166.6667, abs=1e-3)
    assert got.sd_change == pytest.approx(expected.sd_change)
    assert got.sd_change == pytest.approx(317.5426, abs=1e-3)
    assert (got.ci_low, got.ci_high) == pytest.approx((expected.ci_low, expected.ci_high))
    assert combined_cost(counts, {}) is None
