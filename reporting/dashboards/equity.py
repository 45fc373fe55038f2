"""Equity: who is referred, and who benefits, by deprivation, age, sex and ethnic group —
set against the area's population where its figures are installed. A group referred less
than its share of the population, or improving less, is the question to ask next."""

from django.db.models import Sum

from reporting import charts, labels, stats
from reporting.dashboards import Dashboard, Section
from reporting.dashboards.common import TOTAL, interval_row, paired_cells
from reporting.models import PopulationFigure
from reporting.scope import Scope
from reporting.tables import Cell, Column, Sheet, Table, percent, text

DIMENSIONS = [
    ("imd_decile", "Deprivation (IMD decile of where they live)"),
    ("age_band", "Age band at referral"),
    ("sex", "Sex"),
    ("ethnic_group", "Ethnic group"),
]


def build(scope: Scope) -> Dashboard:
    dashboard = Dashboard(
        key="equity",
        title="Equity",
        intro=(
            "Referrals and wellbeing change by group, against each group's share of the "
            "population. Shares of referrals leave out people whose group was not recorded."
        ),
    )
    for dimension, heading in DIMENSIONS:
        dashboard.sections.append(Section(heading, [table(scope, dimension, heading)]))
    return dashboard


def population(scope: Scope, dimension: str) -> tuple[dict[str, int], str]:
    rows = PopulationFigure.objects.filter(dimension=dimension)
    if scope.areas is not None:
        rows = rows.filter(area__in=scope.areas)
    people = dict(rows.values("value").annotate(n=Sum("people")).values_list("value", "n"))
    sources = sorted(set(rows.values_list("source", flat=True)))
    return people, "; ".join(sources)


def table(scope: Scope, dimension: str, heading: str) -> Table:
    by = scope.figures(dimension)
    keys = set(by)
    if dimension == "imd_decile":
        keys |= {str(d) for d in range(1, 11)}
    rows = labels.ordered(dimension, keys)
    people, source = population(scope, dimension)
    # Population shares only mean something for the whole area, not for one practice.
    if scope.pcn or scope.practice:
        people = {}
    population_total = sum(people.values())
    measure = labels.HEADLINE_MEASURE
    sheet = Sheet(safe=scope.safe)
    for key, _ in rows:
        figures = by.get(key)
        counts = figures.counts if figures else {}
        sheet.add((key, "referrals"), counts.get("referrals", 0))
        sheet.add((key, "accepted"), counts.get("accepted", 0))
        sums = figures.outcome(measure) if figures else {}
        sheet.add((key, "paired_n"), sums.get("paired_n", 0))
    recorded = [k for k, _ in rows if k]
    sheet.add(TOTAL, sum(sheet.counts[(k, "referrals")] for k, _ in rows))
    sheet.add("recorded", sum(sheet.counts[(k, "referrals")] for k in recorded))
    sheet.identity([(k, "referrals") for k, _ in rows], TOTAL)
    sheet.identity([(k, "referrals") for k in recorded], "recorded")

    body, points = [], []
    for key, name in rows:
        figures = by.get(key)
        referral_share = (
            stats.proportion(sheet.counts[(key, "referrals")], sheet.counts["recorded"])
            if key
            else None
        )
        population_share = (
            people.get(key, 0) / population_total if key and population_total else None
        )
        ratio = (
            referral_share / population_share
            if referral_share is not None and population_share
            else None
        )
        sums = figures.outcome(measure) if figures else {}
        cells = paired_cells(sheet, key, sums)
        body.append(
            [
                text(name),
                sheet.count((key, "referrals")),
                sheet.derived(referral_share, percent, (key, "referrals"), "recorded")
                if key
                else text(""),
                Cell(percent(population_share), population_share)
                if population_share is not None
                else text("not known" if key else ""),
                sheet.derived(ratio, lambda v: f"{v:.2f}", (key, "referrals"), "recorded"),
                sheet.derived(
                    stats.proportion(
                        sheet.counts[(key, "accepted")], sheet.counts[(key, "referrals")]
                    ),
                    percent,
                    (key, "accepted"),
                    (key, "referrals"),
                ),
                sheet.count((key, "paired_n")),
                cells["change"],
                cells["ci"],
            ]
        )
        points.append(interval_row(name, cells))
    result = Table(
        key=f"equity-{dimension}",
        title=f"Referrals and wellbeing change by {heading[0].lower()}{heading[1:]}",
        columns=[
            Column(heading.split(" (")[0], numeric=False),
            Column("Referrals"),
            Column("% of referrals (recorded)"),
            Column("% of population"),
            Column("Referrals ÷ population share"),
            Column("Accepted (% of received)"),
            Column("Followed up (SWEMWBS)"),
            Column("Mean wellbeing change"),
            Column("95% confidence interval", numeric=False),
        ],
        rows=body,
        total=[text("Total"), sheet.count(TOTAL), *[text("")] * 7],
        notes=[
            f"Population: {source}."
            if source and people
            else "Population figures for this area are not installed (python manage.py "
            "import_population), so shares of the population are not shown.",
            "A ratio above 1 means the group is referred more than its share of the "
            "population; below 1, less.",
        ],
    )
    if dimension == "imd_decile":
        result.notes.append(
            "Deprivation comes from the English Index of Multiple Deprivation decile of the "
            "person's postcode area (LSOA), where the ONS Postcode Directory is installed; "
            "'Not recorded' includes postcodes it does not cover."
        )
    result.chart = charts.bars(
        f"Share of referrals and of the population by {heading.split(' (')[0].lower()}",
        [
            charts.Bar(
                r[0].text,
                (r[2].number and r[2].number * 100, r[3].number and r[3].number * 100),
                (r[2].text, r[3].text),
            )
            for r in body
            if r[0].text != labels.NOT_RECORDED
        ],
        series=("Referrals", "Population"),
    )
    return result
