"""NHS use and value: GP consultations and A&E attendances in the six months before the
referral against the six months after, for the people with both, costed at the unit
costs in force (source and year shown), set beside what the service costs.

Before and after, without a comparison group: people are often referred at a bad time, so
some of any fall would have happened anyway (regression to the mean). The page says so."""

from datetime import timedelta

from django.utils import timezone

from core.dates import add_months
from reporting import charts, costs, stats
from reporting.dashboards import Dashboard, Section
from reporting.dashboards.common import paired_cells
from reporting.models import UnitCost
from reporting.scope import Scope
from reporting.tables import Cell, Column, Sheet, Table, interval, money, text

CAVEAT = (
    "Before and after, without a comparison group: this shows what changed for the people "
    "referred, not what the service caused. People are often referred when things are at "
    "their worst, so some improvement would have happened anyway."
)
USES = [
    ("gp", "GP consultations", UnitCost.Item.GP_CONSULTATION),
    ("ae", "A&E attendances", UnitCost.Item.AE_ATTENDANCE),
]


def build(scope: Scope) -> Dashboard:
    dashboard = Dashboard(
        key="value",
        title="NHS use and value",
        intro=(
            "GP consultations and A&E attendances in the 6 months before each referral and the "
            "6 months after it, entered by the service or imported from practice data, for "
            "referrals received in the months chosen."
        ),
        warnings=[CAVEAT],
    )
    area = scope.area
    # The costs in force at the end of the months shown, so a past report is reproduced.
    on = min(add_months(scope.last, 1) - timedelta(days=1), timezone.localdate())
    prices = costs.unit_costs(area, on=on)
    total = scope.total()
    dashboard.sections.append(
        Section("GP and A&E use, before and after", [use_table(scope, total, prices)])
    )
    dashboard.sections.append(Section("Value for money", [value_table(scope, total, prices)]))
    dashboard.sections.append(Section("How complete the figures are", [coverage(scope, total)]))
    return dashboard


def use_table(scope: Scope, total, prices) -> Table:
    c = total.counts
    sheet = Sheet(safe=scope.safe)
    for key, _, _ in USES:
        sheet.add((key, "paired_n"), c[f"{key}_n"])
    body = []
    for key, name, item in USES:
        n = int(c[f"{key}_n"])
        sums = {
            "paired_n": n,
            "sum_before": c[f"{key}_before_total"],
            "sum_after": c[f"{key}_after_total"],
            "sum_change": c[f"{key}_after_total"] - c[f"{key}_before_total"],
            "sum_change_sq": c[f"{key}_change_sq"],
        }
        cells = paired_cells(sheet, key, sums)
        change = cells["_change"]
        price = prices.get(item)
        cost_change = cost_low = cost_high = None
        if price is not None and change.mean_change is not None:
            unit = float(price.amount)
            cost_change = change.mean_change * unit
            if change.ci_low is not None:
                cost_low, cost_high = change.ci_low * unit, change.ci_high * unit
        allowed = sheet.allowed((key, "paired_n"))
        body.append(
            [
                text(name),
                sheet.count((key, "paired_n")),
                cells["before"],
                cells["after"],
                cells["change"],
                cells["ci"],
                text(f"£{price.amount:,.2f}" if price else "not set"),
                sheet.derived(cost_change, money, (key, "paired_n")),
                Cell(interval(cost_low, cost_high, money) if allowed else "–"),
                sheet.derived(
                    cost_change * n if cost_change is not None else None, money, (key, "paired_n")
                ),
            ]
        )
    table = Table(
        key="nhs-use",
        title="GP consultations and A&E attendances per person, 6 months before and after",
        columns=[
            Column("Use of the NHS", numeric=False),
            Column("People with both"),
            Column("Mean before"),
            Column("Mean after"),
            Column("Mean change"),
            Column("95% confidence interval", numeric=False),
            Column("Unit cost"),
            Column("Cost change per person"),
            Column("95% confidence interval", numeric=False),
            Column("Cost change, all these people"),
        ],
        rows=body,
        notes=[
            f"{name}: {prices[item].describe()}."
            if item in prices
            else f"{name}: no unit cost set."
            for _, name, item in USES
        ],
    )
    table.chart = charts.bars(
        "Mean GP consultations and A&E attendances per person, before and after",
        [charts.Bar(r[0].text, (r[2].number, r[3].number), (r[2].text, r[3].text)) for r in body],
        series=("6 months before", "6 months after"),
    )
    return table


def combined_cost(counts, prices) -> stats.PairedChange | None:
    """Per person, the cost of GP and A&E use together (for people with both), with a CI
    that allows for the two moving together (the cross-product sum)."""
    gp, ae = prices.get(UnitCost.Item.GP_CONSULTATION), prices.get(UnitCost.Item.AE_ATTENDANCE)
    n = int(counts["both_n"])
    if gp is None or ae is None or n == 0:
        return None
    g, a = float(gp.amount), float(ae.amount)
    gp_change = counts["both_gp_after"] - counts["both_gp_before"]
    ae_change = counts["both_ae_after"] - counts["both_ae_before"]
    return stats.paired_change(
        n,
        g * counts["both_gp_before"] + a * counts["both_ae_before"],
        g * counts["both_gp_after"] + a * counts["both_ae_after"],
        g * gp_change + a * ae_change,
        g * g * counts["both_gp_sq"]
        + a * a * counts["both_ae_sq"]
        + 2 * g * a * counts["both_cross"],
    )


def value_table(scope: Scope, total, prices) -> Table:
    investments = costs.current_investments(scope.areas)
    sheet = Sheet(safe=scope.safe)
    invested = sum(float(i.amount) for i in investments)
    referred = sum(costs.referrals_in(i) for i in investments)
    sheet.add("referred", referred)
    sheet.add("both_n", total.counts["both_n"])
    change = combined_cost(total.counts, prices)
    rows = []
    if investments:
        periods = "; ".join(
            f"{i.area.name}: {money(float(i.amount))}, {i.starts_on:%-d %b %Y} to "
            f"{i.ends_on:%-d %b %Y} ({i.description})"
            for i in investments
        )
        rows += [
            [text("Investment"), text(money(invested)), text(periods)],
            [
                text("People referred in the investment period"),
                sheet.count("referred"),
                text("Every referral received in those dates, whatever happened next"),
            ],
            [
                text("Investment per person referred"),
                sheet.derived(invested / referred if referred else None, money, "referred"),
                text(""),
            ],
        ]
    else:
        rows.append(
            [text("Investment"), text("not set"), text("A commissioner can set it under Settings")]
        )
    allowed = sheet.allowed("both_n")
    rows += [
        [
            text("People with GP and A&E figures before and after"),
            sheet.count("both_n"),
            text("Referrals received in the months chosen"),
        ],
        [
            text("Change in the cost of their GP and A&E use per person over 6 months"),
            sheet.derived(change.mean_change if change else None, money, "both_n"),
            Cell(
                "95% confidence interval " + interval(change.ci_low, change.ci_high, money)
                if change and allowed and change.ci_low is not None
                else "–"
            ),
        ],
        [
            text("Total change for these people"),
            sheet.derived(
                change.mean_change * change.n
                if change and change.mean_change is not None
                else None,
                money,
                "both_n",
            ),
            text("A negative figure is a saving to the NHS"),
        ],
    ]
    table = Table(
        key="value",
        title="What the service costs, and the change in NHS costs",
        columns=[Column("Figure", numeric=False), Column("Amount"), Column("Notes", numeric=False)],
        rows=rows,
        notes=[CAVEAT],
    )
    if change and change.mean_change is not None and allowed and investments and referred:
        per_person = invested / referred
        table.chart = charts.bars(
            "Investment per person referred, and the change in NHS costs per person",
            [
                charts.Bar("Investment per person", (per_person,), (money(per_person),)),
                charts.Bar(
                    "NHS cost change per person",
                    (abs(change.mean_change),),
                    (money(change.mean_change),),
                ),
            ],
        )
    return table


def coverage(scope: Scope, total) -> Table:
    c = total.counts
    sheet = Sheet(safe=scope.safe)
    for key in ("accepted", "use_recorded", "gp_n", "ae_n"):
        sheet.add(key, c[key])
    rows = [
        [text("Referrals accepted"), sheet.count("accepted"), text("")],
        [
            text("With any GP or A&E figures recorded"),
            sheet.count("use_recorded"),
            sheet.derived(
                stats.proportion(c["use_recorded"], c["accepted"]) if c["accepted"] else None,
                lambda v: f"{v * 100:.0f}% of accepted",
                "use_recorded",
                "accepted",
            ),
        ],
        [text("With GP consultations before and after"), sheet.count("gp_n"), text("")],
        [text("With A&E attendances before and after"), sheet.count("ae_n"), text("")],
    ]
    return Table(
        key="nhs-use-coverage",
        title="How many people have figures recorded",
        columns=[
            Column("Recorded", numeric=False),
            Column("People"),
            Column("Share", numeric=False),
        ],
        rows=rows,
        notes=[
            "The 6 months after a referral can only be counted once they have passed, so "
            "recent referrals have no 'after' figures yet."
        ],
    )
