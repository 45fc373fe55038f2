"""Table builders more than one dashboard uses."""

from reporting import charts, labels, stats
from reporting.figures import Figures
from reporting.scope import Scope
from reporting.tables import (
    Cell,
    Column,
    Sheet,
    Table,
    days,
    interval,
    one_place,
    percent,
    signed,
    text,
)

TOTAL = "__total__"
STATUS_COLUMNS = [
    ("referrals", "Received"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("redirected", "Redirected"),
    ("awaiting", "Awaiting triage"),
]
PARTS = ["accepted", "declined", "redirected", "awaiting"]
# Breakdowns where each referral counts once, so the rows add up to the total.
MANY_VALUED = {"need", "activity"}


def rows_for(scope: Scope, dimension: str, by: dict[str, Figures]) -> list[tuple[str, str]]:
    keys = [m.isoformat() for m in scope.months] if dimension == "month" else by.keys()
    return labels.ordered(dimension, keys)


def referrals_table(scope: Scope, dimension: str, *, key: str, title: str, heading: str) -> Table:
    by = scope.figures(dimension)
    rows = rows_for(scope, dimension, by)
    total = scope.total()
    sheet = Sheet(safe=scope.safe)
    for row_key, _ in [*rows, (TOTAL, "")]:
        figures = total if row_key == TOTAL else by.get(row_key, Figures())
        for column, _ in STATUS_COLUMNS:
            sheet.add((row_key, column), figures.counts[column])
        sheet.identity([(row_key, p) for p in PARTS], (row_key, "referrals"))
    if dimension not in MANY_VALUED:
        for column, _ in STATUS_COLUMNS:
            sheet.identity([(r, column) for r, _ in rows], (TOTAL, column))

    def line(row_key, name):
        figures = total if row_key == TOTAL else by.get(row_key, Figures())
        rate = stats.proportion(figures.counts["accepted"], figures.counts["referrals"])
        return [
            text(name),
            *(sheet.count((row_key, c)) for c, _ in STATUS_COLUMNS),
            sheet.derived(rate, percent, (row_key, "accepted"), (row_key, "referrals")),
        ]

    body = [line(k, name) for k, name in rows]
    total_name = (
        "All referrals (one person can have several)" if dimension in MANY_VALUED else "Total"
    )
    table = Table(
        key=key,
        title=title,
        columns=[
            Column(heading, numeric=False),
            *(Column(name) for _, name in STATUS_COLUMNS),
            Column("Accepted (% of received)"),
        ],
        rows=body,
        total=line(TOTAL, total_name),
    )
    bars = [charts.Bar(r[0].text, (r[1].number, r[2].number), (r[1].text, r[2].text)) for r in body]
    draw = charts.columns if dimension == "month" else charts.bars
    table.chart = draw(title, bars, series=("Received", "Accepted"))
    if dimension in MANY_VALUED:
        table.notes.append(
            "Someone referred for more than one reason is counted under each, so the rows add "
            "up to more than the total."
        )
    return table


def paired_cells(sheet: Sheet, row_key, sums, *, measure_better: int = 1) -> dict[str, Cell]:
    """Mean before, after, change and its 95% confidence interval, from paired sums."""
    change = stats.paired_change(
        int(sums.get("paired_n", 0)),
        sums.get("sum_before", 0.0),
        sums.get("sum_after", 0.0),
        sums.get("sum_change", 0.0),
        sums.get("sum_change_sq", 0.0),
    )
    paired = (row_key, "paired_n")
    allowed = sheet.allowed(paired)
    ci = (
        interval(change.ci_low, change.ci_high)
        if allowed
        else ("–" if change.ci_low is not None else "–")
    )
    return {
        "before": sheet.derived(change.mean_before, one_place, paired),
        "after": sheet.derived(change.mean_after, one_place, paired),
        "change": sheet.derived(change.mean_change, signed, paired),
        "ci": Cell(ci, None, hidden=not allowed),
        "_change": change,
    }


def interval_row(name: str, cells: dict[str, Cell]) -> charts.Interval:
    change = cells["_change"]
    shown = not cells["change"].hidden and cells["change"].number is not None
    return charts.Interval(
        name,
        change.mean_change if shown else None,
        change.ci_low if shown else None,
        change.ci_high if shown else None,
        f"{cells['change'].text} ({cells['ci'].text})" if shown else cells["change"].text,
    )


def wait_cells(sheet: Sheet, row_key, histogram, count_key: str) -> list[Cell]:
    n = (row_key, count_key)
    return [
        sheet.count(n),
        sheet.derived(stats.median(histogram), days, n),
        sheet.derived(stats.percentile(histogram, 0.9), days, n),
    ]
