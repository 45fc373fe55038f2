"""The national roll-up: the same measures for every area side by side, aggregates only,
read from the area-by-month roll-up so it stays fast with every referral in England."""

from reporting import charts, labels, stats
from reporting.dashboards import Dashboard, Section
from reporting.dashboards.common import TOTAL, interval_row, paired_cells
from reporting.figures import Figures
from reporting.scope import Scope
from reporting.tables import Column, Sheet, Table, days, one_place, percent, signed, text


def build(scope: Scope) -> Dashboard:
    dashboard = Dashboard(
        key="england",
        title="England",
        intro=(
            "Every area with a social prescribing service on linkwork, for referrals received "
            "in the months chosen. Small numbers are suppressed and counts rounded."
        ),
    )
    dashboard.sections.append(Section("Areas side by side", [areas_table(scope)]))
    return dashboard


def areas_table(scope: Scope) -> Table:
    by = scope.figures("area")
    rows = labels.ordered("area", by.keys())
    total = scope.total()
    measure = labels.HEADLINE_MEASURE
    sheet = Sheet(safe=True)
    for key, _ in [*rows, (TOTAL, "")]:
        figures = total if key == TOTAL else by.get(key, Figures())
        for column in ("referrals", "accepted", "contacted", "gp_n"):
            sheet.add((key, column), figures.counts[column])
        sheet.add((key, "paired_n"), figures.outcome(measure).get("paired_n", 0))
    for column in ("referrals", "accepted", "contacted", "gp_n", "paired_n"):
        sheet.identity([(k, column) for k, _ in rows], (TOTAL, column))

    points = []

    def line(key, name):
        figures = total if key == TOTAL else by.get(key, Figures())
        counts = figures.counts
        cells = paired_cells(sheet, key, figures.outcome(measure))
        gp = stats.paired_change(
            int(counts["gp_n"]),
            counts["gp_before_total"],
            counts["gp_after_total"],
            counts["gp_after_total"] - counts["gp_before_total"],
            counts["gp_change_sq"],
        )
        if key != TOTAL:
            points.append(interval_row(name, cells))
        return [
            text(name),
            sheet.count((key, "referrals")),
            sheet.derived(
                stats.proportion(counts["accepted"], counts["referrals"]),
                percent,
                (key, "accepted"),
                (key, "referrals"),
            ),
            sheet.derived(stats.median(figures.wait_contact), days, (key, "contacted")),
            sheet.count((key, "paired_n")),
            cells["change"],
            cells["ci"],
            sheet.count((key, "gp_n")),
            sheet.derived(gp.mean_change, signed, (key, "gp_n")),
            sheet.derived(gp.mean_before, one_place, (key, "gp_n")),
        ]

    body = [line(k, name) for k, name in rows]
    table = Table(
        key="areas",
        title="Areas: referrals, waiting, wellbeing and GP use",
        columns=[
            Column("Area", numeric=False),
            Column("Referrals"),
            Column("Accepted (% of received)"),
            Column("Median days to first contact"),
            Column("Followed up (SWEMWBS)"),
            Column("Mean wellbeing change"),
            Column("95% confidence interval", numeric=False),
            Column("People with GP figures"),
            Column("GP consultations: change per person"),
            Column("GP consultations before (mean)"),
        ],
        rows=body,
        total=line(TOTAL, "England"),
        notes=[
            "Wellbeing: SWEMWBS metric score, baseline to latest follow-up, same people. GP "
            "consultations: 6 months before against 6 months after referral, without a "
            "comparison group."
        ],
    )
    table.chart = charts.intervals(
        "Mean wellbeing (SWEMWBS) change by area, with 95% confidence intervals",
        points,
        better=labels.better(measure),
    )
    return table
