"""Did people get better? Each measure's baseline against the latest follow-up for the same
people (paired), the mean change with its 95% confidence interval, the share with a
meaningful change, and how many follow-ups are missing — shown, never hidden."""

from reporting import charts, labels, stats
from reporting.dashboards import Dashboard, Section
from reporting.dashboards.common import interval_row, paired_cells
from reporting.scope import Scope
from reporting.tables import Column, Sheet, Table, percent, text

BREAKDOWNS = [
    ("need", "Need"),
    ("practice", "GP practice"),
    ("activity", "Activity taken up"),
]


def build(scope: Scope, measure: str) -> Dashboard:
    dashboard = Dashboard(
        key="outcomes",
        title="Outcomes",
        intro=(
            "Questionnaire scores at the start (baseline) against the latest follow-up, for the "
            "people who answered both. A follow-up is due once its date has passed; the ones "
            "not returned are counted as missing. Referrals received in the months chosen."
        ),
    )
    dashboard.sections.append(Section("Every measure", [by_measure(scope)]))
    breakdowns = [(d, h) for d, h in BREAKDOWNS if not (scope.whole_areas and d == "practice")]
    if scope.whole_areas:
        breakdowns.insert(1, ("area", "Area"))
    name = labels.MEASURES[measure]
    dashboard.sections.append(
        Section(
            f"{name}: who improved",
            [breakdown(scope, measure, d, heading) for d, heading in breakdowns],
            "Someone referred for more than one need, or who took up more than one kind of "
            "activity, counts under each.",
        )
    )
    return dashboard


def _outcome_columns(sheet: Sheet, key, sums, measure: str) -> list:
    due, paired = int(sums.get("due_n", 0)), int(sums.get("paired_n", 0))
    sheet.add((key, "baseline_n"), sums.get("baseline_n", 0))
    sheet.add((key, "due_n"), due)
    sheet.add((key, "paired_n"), paired)
    sheet.add((key, "missing"), due - paired)
    sheet.identity([(key, "paired_n"), (key, "missing")], (key, "due_n"))
    success = "meaningful_improvement_n" if labels.has_threshold(measure) else "improved_n"
    sheet.add((key, success), sums.get(success, 0))
    return [due, paired, success]


def by_measure(scope: Scope) -> Table:
    total = scope.total()
    sheet = Sheet(safe=scope.safe)
    prepared = []
    for measure, name in labels.MEASURES.items():
        sums = total.outcome(measure)
        due, paired, success = _outcome_columns(sheet, measure, sums, measure)
        sheet.add((measure, "improved_n"), sums.get("improved_n", 0))
        prepared.append((measure, name, sums, due, paired))
    body = []
    for measure, name, sums, due, paired in prepared:
        cells = paired_cells(sheet, measure, sums)
        meaningful = (
            sheet.derived(
                stats.proportion(int(sums.get("meaningful_improvement_n", 0)), paired),
                percent,
                (measure, "meaningful_improvement_n"),
                (measure, "paired_n"),
            )
            if labels.has_threshold(measure)
            else text("no agreed threshold")
        )
        body.append(
            [
                text(name),
                sheet.count((measure, "baseline_n")),
                sheet.count((measure, "due_n")),
                sheet.count((measure, "paired_n")),
                sheet.count((measure, "missing")),
                sheet.derived(
                    stats.proportion(paired, due),
                    percent,
                    (measure, "paired_n"),
                    (measure, "due_n"),
                ),
                cells["before"],
                cells["after"],
                cells["change"],
                cells["ci"],
                meaningful,
                sheet.derived(
                    stats.proportion(int(sums.get("improved_n", 0)), paired),
                    percent,
                    (measure, "improved_n"),
                    (measure, "paired_n"),
                ),
            ]
        )
    table = Table(
        key="measures",
        title="Change in each measure, baseline to latest follow-up",
        columns=[
            Column("Measure", numeric=False),
            Column("Baseline answered"),
            Column("Follow-up due"),
            Column("Followed up"),
            Column("Missing"),
            Column("Completion"),
            Column("Mean before"),
            Column("Mean after"),
            Column("Mean change"),
            Column("95% confidence interval", numeric=False),
            Column("Meaningful improvement"),
            Column("Improved at all"),
        ],
        rows=body,
        notes=[
            "Higher is better for wellbeing, life satisfaction, worthwhile, happiness and the "
            "ONS loneliness answer (1 often/always … 5 never); lower is better for anxiety, "
            "the UCLA loneliness score, GAD-7 and PHQ-9.",
            "Meaningful change: SWEMWBS 3 points or more; reliable improvement GAD-7 4 or more "
            "and PHQ-9 6 or more (NHS Talking Therapies). The other measures have no agreed "
            "threshold.",
            "Confidence intervals use Student's t on the paired differences.",
        ],
    )
    table.chart = charts.bars(
        "Share of people followed up who improved",
        [
            charts.Bar(r[0].text, (r[11].number and r[11].number * 100,), (r[11].text,))
            for r in body
        ],
        maximum=100,
    )
    return table


def breakdown(scope: Scope, measure: str, dimension: str, heading: str) -> Table:
    by = scope.figures(dimension)
    rows = [(k, n) for k, n in labels.ordered(dimension, by.keys())]
    sheet = Sheet(safe=scope.safe)
    prepared = []
    for key, name in rows:
        sums = by[key].outcome(measure)
        if not sums.get("baseline_n"):
            continue
        due, paired, success = _outcome_columns(sheet, key, sums, measure)
        prepared.append((key, name, sums, due, paired, success))
    body, points = [], []
    for key, name, sums, due, paired, success in prepared:
        cells = paired_cells(sheet, key, sums)
        body.append(
            [
                text(name),
                sheet.count((key, "paired_n")),
                sheet.count((key, "missing")),
                sheet.derived(
                    stats.proportion(paired, due), percent, (key, "paired_n"), (key, "due_n")
                ),
                cells["change"],
                cells["ci"],
                sheet.derived(
                    stats.proportion(int(sums.get(success, 0)), paired),
                    percent,
                    (key, success),
                    (key, "paired_n"),
                ),
            ]
        )
        points.append(interval_row(name, cells))
    success_label = "Meaningful improvement" if labels.has_threshold(measure) else "Improved at all"
    table = Table(
        key=f"{dimension}-{measure}",
        title=f"{labels.MEASURES[measure]} by {heading.lower()}",
        columns=[
            Column(heading, numeric=False),
            Column("Followed up"),
            Column("Missing"),
            Column("Completion"),
            Column("Mean change"),
            Column("95% confidence interval", numeric=False),
            Column(success_label),
        ],
        rows=body,
    )
    table.chart = charts.intervals(
        f"Mean change in {labels.MEASURES[measure]} by {heading.lower()}, with 95% "
        "confidence intervals",
        points,
        better=labels.better(measure),
    )
    return table
