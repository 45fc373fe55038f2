"""Additive figures by one breakdown, from the facts or from the area-by-month roll-up.

Everything a dashboard shows is derived from sums that can be added up across groups:
counts, sums and sums of squares (for means and confidence intervals) and histograms of
whole days (for medians and 90th percentiles). Either source gives the same `Figures` for
the same referrals, so a scope of one area reads the facts directly and the England view
reads the roll-up, with one set of calculations on top (tests prove the two agree)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, QuerySet, Sum

from reporting.models import AreaMonthCell, FactTag, OutcomeFact, ReferralFact


@dataclass(frozen=True)
class Dimension:
    name: str
    field: str | None  # on ReferralFact; None: everything in one group
    tag: str = ""  # for many-valued breakdowns held as FactTag rows


DIMENSIONS = {
    d.name: d
    for d in [
        Dimension("all", None),
        Dimension("month", "month"),
        Dimension("area", "area_id"),
        Dimension("service", "service_id"),
        Dimension("pcn", "pcn_id"),
        Dimension("practice", "practice_id"),
        Dimension("source", "source"),
        Dimension("need", "tags__code", FactTag.Kind.NEED),
        Dimension("activity", "tags__code", FactTag.Kind.ACTIVITY),
        Dimension("age_band", "age_band"),
        Dimension("sex", "sex"),
        Dimension("ethnic_group", "ethnic_group"),
        Dimension("imd_decile", "imd_decile"),
        Dimension("discharge_reason", "discharge_reason"),
    ]
}
# What the roll-up keeps for every month, for each service and each area; England keeps all
# but the practice and PCN breakdowns (a national view never names a practice). "area",
# "service" and "month" are read from the "all" cells of the level below or by month.
ROLLUP_DIMENSIONS = [
    "all",
    "source",
    "need",
    "activity",
    "age_band",
    "sex",
    "ethnic_group",
    "imd_decile",
    "discharge_reason",
    "pcn",
    "practice",
]
ENGLAND_DIMENSIONS = [d for d in ROLLUP_DIMENSIONS if d not in ("pcn", "practice")]

ACCEPTED = ["accepted", "allocated", "active", "discharged"]
BOTH_GP = Q(gp_before__isnull=False, gp_after__isnull=False)
BOTH_AE = Q(ae_before__isnull=False, ae_after__isnull=False)
GP_CHANGE = F("gp_after") - F("gp_before")
AE_CHANGE = F("ae_after") - F("ae_before")

COUNTS = {
    "referrals": Count("pk"),
    "accepted": Count("pk", filter=Q(status__in=ACCEPTED)),
    "declined": Count("pk", filter=Q(status="declined")),
    "redirected": Count("pk", filter=Q(status="redirected")),
    "awaiting": Count("pk", filter=Q(status="received")),
    "discharged": Count("pk", filter=Q(status="discharged")),
    "contacted": Count("pk", filter=Q(first_contact_days__isnull=False)),
    "with_activity": Count("pk", filter=Q(first_activity_days__isnull=False)),
    "contacts_total": Sum("contacts"),
    "attempts_total": Sum("contact_attempts"),
    "onward_sent_total": Sum("onward_sent"),
    "onward_accepted_total": Sum("onward_accepted"),
    "onward_attended_total": Sum("onward_attended"),
    "people_referred_on": Count("pk", filter=Q(onward_sent__gt=0)),
    "people_attending": Count("pk", filter=Q(onward_attended__gt=0)),
    "signposts_total": Sum("signposts"),
    "gp_n": Count("pk", filter=BOTH_GP),
    "gp_before_total": Sum("gp_before", filter=BOTH_GP),
    "gp_after_total": Sum("gp_after", filter=BOTH_GP),
    "gp_change_sq": Sum(GP_CHANGE * GP_CHANGE, filter=BOTH_GP),
    "ae_n": Count("pk", filter=BOTH_AE),
    "ae_before_total": Sum("ae_before", filter=BOTH_AE),
    "ae_after_total": Sum("ae_after", filter=BOTH_AE),
    "ae_change_sq": Sum(AE_CHANGE * AE_CHANGE, filter=BOTH_AE),
    # People with GP and A&E figures both before and after: the cost of their NHS use.
    "both_n": Count("pk", filter=BOTH_GP & BOTH_AE),
    "both_gp_before": Sum("gp_before", filter=BOTH_GP & BOTH_AE),
    "both_gp_after": Sum("gp_after", filter=BOTH_GP & BOTH_AE),
    "both_ae_before": Sum("ae_before", filter=BOTH_GP & BOTH_AE),
    "both_ae_after": Sum("ae_after", filter=BOTH_GP & BOTH_AE),
    "both_gp_sq": Sum(GP_CHANGE * GP_CHANGE, filter=BOTH_GP & BOTH_AE),
    "both_ae_sq": Sum(AE_CHANGE * AE_CHANGE, filter=BOTH_GP & BOTH_AE),
    "both_cross": Sum(GP_CHANGE * AE_CHANGE, filter=BOTH_GP & BOTH_AE),
    "use_recorded": Count("pk", filter=Q(gp_before__isnull=False) | Q(gp_after__isnull=False)),
}
PAIRED = Q(follow_up__isnull=False)
CHANGE = F("follow_up") - F("baseline")
OUTCOME_SUMS = {
    "baseline_n": Count("pk"),
    "due_n": Count("pk", filter=Q(follow_up_due=True)),
    "paired_n": Count("pk", filter=PAIRED),
    "sum_before": Sum("baseline", filter=PAIRED),
    "sum_after": Sum("follow_up", filter=PAIRED),
    "sum_change": Sum(CHANGE, filter=PAIRED),
    "sum_change_sq": Sum(CHANGE * CHANGE, filter=PAIRED),
    "improved_n": Count("pk", filter=Q(improved=True)),
    "worsened_n": Count("pk", filter=Q(worsened=True)),
    "meaningful_improvement_n": Count("pk", filter=Q(meaningful_improvement=True)),
    "meaningful_deterioration_n": Count("pk", filter=Q(meaningful_deterioration=True)),
}
OUTCOME_KEYS = list(OUTCOME_SUMS)


@dataclass
class Figures:
    """Additive figures for one group of referrals."""

    counts: Counter = field(default_factory=Counter)
    wait_contact: Counter = field(default_factory=Counter)  # days → referrals
    wait_activity: Counter = field(default_factory=Counter)
    outcomes: dict = field(default_factory=dict)  # measure → Counter of OUTCOME_KEYS

    def add(self, other: "Figures") -> "Figures":
        self.counts.update(other.counts)
        self.wait_contact.update(other.wait_contact)
        self.wait_activity.update(other.wait_activity)
        for measure, sums in other.outcomes.items():
            self.outcomes.setdefault(measure, Counter()).update(sums)
        return self

    def subtract(self, other: "Figures") -> "Figures":
        self.counts.subtract(other.counts)
        self.wait_contact.subtract(other.wait_contact)
        self.wait_activity.subtract(other.wait_activity)
        for measure, sums in other.outcomes.items():
            self.outcomes.setdefault(measure, Counter()).subtract(sums)
        return self

    def pruned(self) -> "Figures":
        """Without the zeros a subtraction leaves (and the rounding dust of float sums)."""

        def keep(counter):
            return Counter({k: v for k, v in counter.items() if abs(v) > 1e-9})

        return Figures(
            counts=keep(self.counts),
            wait_contact=keep(self.wait_contact),
            wait_activity=keep(self.wait_activity),
            outcomes={m: keep(s) for m, s in self.outcomes.items() if keep(s)},
        )

    def outcome(self, measure: str) -> Counter:
        return self.outcomes.get(measure, Counter())

    def to_json(self) -> dict:
        return {
            "counts": {k: v for k, v in self.counts.items() if v},
            "wait_contact": {str(k): v for k, v in self.wait_contact.items()},
            "wait_activity": {str(k): v for k, v in self.wait_activity.items()},
            "outcomes": {m: dict(s) for m, s in self.outcomes.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Figures":
        return cls(
            counts=Counter(data.get("counts", {})),
            wait_contact=Counter({int(k): v for k, v in data.get("wait_contact", {}).items()}),
            wait_activity=Counter({int(k): v for k, v in data.get("wait_activity", {}).items()}),
            outcomes={m: Counter(s) for m, s in data.get("outcomes", {}).items()},
        )


def key(value) -> str:
    """Group keys as text, the same from either source ("" for not recorded)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def from_facts(
    facts: QuerySet, dimension: str, *, extra: tuple[str, ...] = ()
) -> dict[tuple | str, Figures]:
    """Figures by `dimension` for these facts. With `extra` fields (the roll-up's service and
    month), keys are tuples of those values followed by the dimension's value."""
    dim = DIMENSIONS[dimension]
    group = [*extra, *([dim.field] if dim.field else [])]
    if dim.tag:
        facts = facts.filter(tags__kind=dim.tag)
    result: dict = defaultdict(Figures)

    def row_key(row, prefix=""):
        values = [key(row[prefix + g]) for g in group]
        if not extra:
            return values[0] if dim.field else ""
        return tuple(values) if dim.field else (*values, "")

    if group:
        rows = facts.values(*group).annotate(**COUNTS).order_by()
    else:
        # values() with no fields would group by every column: one row per referral.
        rows = [facts.aggregate(**COUNTS)]
    for row in rows:
        if row["referrals"]:
            result[row_key(row)].counts.update({k: row[k] for k in COUNTS if row[k]})
    for days_field, attribute in (
        ("first_contact_days", "wait_contact"),
        ("first_activity_days", "wait_activity"),
    ):
        rows = (
            facts.filter(**{f"{days_field}__isnull": False})
            .values(*group, days_field)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            getattr(result[row_key(row)], attribute)[row[days_field]] += row["n"]
    outcome_facts = OutcomeFact.objects.filter(fact__in=facts.values("pk"))
    outcome_group = [f"fact__{g}" for g in group]
    if dim.tag:
        outcome_facts = outcome_facts.filter(fact__tags__kind=dim.tag)
    for row in outcome_facts.values("measure", *outcome_group).annotate(**OUTCOME_SUMS).order_by():
        sums = Counter({k: row[k] for k in OUTCOME_KEYS if row[k]})
        result[row_key(row, "fact__")].outcomes.setdefault(row["measure"], Counter()).update(sums)
    return dict(result)


def from_rollup(
    *, areas: list | None, first: date, last: date, dimension: str, service=None
) -> dict[str, Figures]:
    """The same figures read from the roll-up: for one service, for these areas, or for
    England (`areas` None), in the months from `first` to `last`."""
    if dimension in ("area", "service", "month"):
        stored = "all"
    elif dimension in ROLLUP_DIMENSIONS:
        stored = dimension
    else:
        raise ValueError(f"The roll-up has no breakdown by {dimension}")
    cells = AreaMonthCell.objects.filter(dimension=stored, month__gte=first, month__lte=last)
    if service is not None:
        cells = cells.filter(service=service)
    elif dimension == "service":
        cells = cells.filter(service__isnull=False)
        if areas is not None:
            cells = cells.filter(area_id__in=areas)
    elif areas is not None:
        cells = cells.filter(area_id__in=areas, service__isnull=True)
    elif dimension == "area":
        cells = cells.filter(area__isnull=False, service__isnull=True)
    elif stored in ENGLAND_DIMENSIONS:
        cells = cells.filter(area__isnull=True)
    else:
        raise ValueError(f"England's roll-up has no breakdown by {dimension}")
    result: dict = defaultdict(Figures)
    for area_id, service_id, month, value, figures in cells.values_list(
        "area_id", "service_id", "month", "value", "figures"
    ).iterator(chunk_size=5000):
        group = {"area": key(area_id), "service": key(service_id), "month": key(month)}.get(
            dimension, value
        )
        result[group].add(Figures.from_json(figures))
    return dict(result)


def rebuild_rollup(touched: set[tuple]) -> int:
    """Recompute the roll-up cells of these (area id, month) pairs from the facts: each
    service's, then the area's as the sum of its services', then England's for those months
    as the sum of every area's."""
    by_area = defaultdict(set)
    for area_id, month in touched:
        by_area[area_id].add(month)
    written = 0
    for area_id, months in by_area.items():
        months = sorted(months)
        facts = ReferralFact.objects.filter(area_id=area_id, month__in=months)
        cells = []
        for dimension in ROLLUP_DIMENSIONS:
            area_sums: dict = defaultdict(Figures)
            for (service_id, month, value), figures in from_facts(
                facts, dimension, extra=("service_id", "month")
            ).items():
                cells.append(_cell(area_id, service_id, month, dimension, value, figures))
                area_sums[(month, value)].add(figures)
            for (month, value), figures in area_sums.items():
                cells.append(_cell(area_id, None, month, dimension, value, figures))
        AreaMonthCell.objects.filter(area_id=area_id, month__in=months).delete()
        AreaMonthCell.objects.bulk_create(cells, batch_size=2000)
        written += len(cells)
    months = sorted({month for _, month in touched})
    if months:
        england: dict = defaultdict(Figures)
        for month, dimension, value, figures in (
            AreaMonthCell.objects.filter(
                area__isnull=False,
                service__isnull=True,
                month__in=months,
                dimension__in=ENGLAND_DIMENSIONS,
            )
            .values_list("month", "dimension", "value", "figures")
            .iterator(chunk_size=5000)
        ):
            england[(key(month), dimension, value)].add(Figures.from_json(figures))
        cells = [
            _cell(None, None, month, dimension, value, figures)
            for (month, dimension, value), figures in england.items()
        ]
        AreaMonthCell.objects.filter(area__isnull=True, month__in=months).delete()
        AreaMonthCell.objects.bulk_create(cells, batch_size=2000)
        written += len(cells)
    return written


def contributions(referral_ids: list) -> dict[tuple, Figures]:
    """What these referrals' facts add to each roll-up cell, keyed (area, service, month,
    dimension, value) with "" for the service of an area's cells and for England's area."""
    found: dict = defaultdict(Figures)
    for start in range(0, len(referral_ids), 2000):
        facts = ReferralFact.objects.filter(pk__in=referral_ids[start : start + 2000])
        for dimension in ROLLUP_DIMENSIONS:
            for (area_id, service_id, month, value), figures in from_facts(
                facts, dimension, extra=("area_id", "service_id", "month")
            ).items():
                found[(area_id, service_id, month, dimension, value)].add(figures)
                found[(area_id, "", month, dimension, value)].add(figures)
                if dimension in ENGLAND_DIMENSIONS:
                    found[("", "", month, dimension, value)].add(figures)
    return dict(found)


def apply_change(before: dict[tuple, Figures], after: dict[tuple, Figures]) -> int:
    """Move the roll-up from the referrals' old contributions to their new ones: every
    figure is a sum, so each cell changes by the difference. Cells left with no referral go;
    the daily rebuild from scratch washes out any rounding in the float sums."""
    changes = {}
    for cell_key in before.keys() | after.keys():
        change = (
            Figures().add(after.get(cell_key, Figures())).subtract(before.get(cell_key, Figures()))
        )
        change = change.pruned()
        if change.counts or change.wait_contact or change.wait_activity or change.outcomes:
            changes[cell_key] = change
    existing = {}
    keys = list(changes)
    for start in range(0, len(keys), 200):
        condition = Q()
        for area_id, service_id, month, dimension, value in keys[start : start + 200]:
            condition |= Q(
                area_id=area_id or None,
                service_id=service_id or None,
                month=month,
                dimension=dimension,
                value=value,
            )
        for cell in AreaMonthCell.objects.filter(condition).only(
            "id", "area_id", "service_id", "month", "dimension", "value", "figures"
        ):
            cell_key = (
                key(cell.area_id),
                key(cell.service_id),
                key(cell.month),
                cell.dimension,
                cell.value,
            )
            existing[cell_key] = cell
    replaced, cells = [], []
    for cell_key, change in changes.items():
        area_id, service_id, month, dimension, value = cell_key
        old = existing.get(cell_key)
        figures = Figures.from_json(old.figures) if old else Figures()
        figures = figures.add(change).pruned()
        if old:
            replaced.append(old.pk)
        if figures.counts.get("referrals", 0) > 0:
            cells.append(
                _cell(area_id or None, service_id or None, month, dimension, value, figures)
            )
    for start in range(0, len(replaced), 2000):
        stale = AreaMonthCell.objects.filter(pk__in=replaced[start : start + 2000])
        stale._raw_delete(stale.db)
    AreaMonthCell.objects.bulk_create(cells, batch_size=2000)
    return len(cells)


def _cell(area_id, service_id, month: str, dimension: str, value: str, figures: Figures):
    return AreaMonthCell(
        area_id=area_id,
        service_id=service_id,
        month=date.fromisoformat(month),
        dimension=dimension,
        value=value,
        figures=figures.to_json(),
    )
