"""How the service is running: referrals in and what happened to them, waiting times,
caseloads, contacts, activities, discharges and how providers answer."""

from collections import Counter

from django.db.models import Count, Q

from organisations.models import Organisation
from reporting import charts, labels, stats
from reporting.dashboards import Dashboard, Section
from reporting.dashboards.common import (
    TOTAL,
    referrals_table,
    rows_for,
    wait_cells,
)
from reporting.figures import Figures
from reporting.scope import SERVICE, Scope
from reporting.tables import Cell, Column, Sheet, Table, days, one_place, percent, text


def build(scope: Scope) -> Dashboard:
    total = scope.total()
    dashboard = Dashboard(
        key="service",
        title="Service",
        intro=(
            "Referrals received in the months chosen, and what has happened to them so far. "
            "Recent referrals are still on their way, so their later steps are not complete."
        ),
    )
    dashboard.sections.append(Section("The pathway", [pathway(scope, total)]))
    referrals = [
        referrals_table(
            scope, "month", key="by-month", title="Referrals by month", heading="Month received"
        ),
        referrals_table(
            scope, "source", key="by-source", title="Referrals by source", heading="Source"
        ),
    ]
    if scope.whole_areas:
        referrals.append(
            referrals_table(scope, "area", key="by-area", title="Referrals by area", heading="Area")
        )
    else:
        referrals += [
            referrals_table(
                scope, "pcn", key="by-pcn", title="Referrals by primary care network", heading="PCN"
            ),
            referrals_table(
                scope,
                "practice",
                key="by-practice",
                title="Referrals by GP practice",
                heading="GP practice",
            ),
        ]
    referrals.append(
        referrals_table(
            scope, "need", key="by-need", title="Referrals by reason (need)", heading="Need"
        )
    )
    dashboard.sections.append(Section("Referrals in", referrals))
    dashboard.sections.append(
        Section(
            "Waiting times",
            [waiting_times(scope, total)],
            "Days from the referral being received to the first contact in which someone "
            "spoke with the person, and to the first session of an activity they attended.",
        )
    )
    dashboard.sections.append(Section("Caseloads", [caseloads(scope)]))
    dashboard.sections.append(
        Section("Contacts and activities", [contacts_and_activities(scope, total)])
    )
    dashboard.sections.append(Section("Discharges", [discharge_reasons(scope)]))
    if not scope.whole_areas:
        dashboard.sections.append(
            Section(
                "Community providers",
                [providers(scope)],
                "How quickly providers answered activity referrals sent in these months, and "
                "how many they took on.",
            )
        )
    return dashboard


def pathway(scope: Scope, total: Figures) -> Table:
    steps = [
        ("referrals", "Referred"),
        ("accepted", "Accepted by the service"),
        ("contacted", "Spoken with by a link worker"),
        ("people_referred_on", "Referred to a community activity"),
        ("people_attending", "Went to an activity"),
        ("discharged", "Discharged"),
    ]
    sheet = Sheet(safe=scope.safe)
    for step, _ in steps:
        sheet.add(step, total.counts[step])
    rows = [
        [
            text(name),
            sheet.count(step),
            sheet.derived(
                stats.proportion(total.counts[step], total.counts["referrals"]),
                percent,
                step,
                "referrals",
            ),
        ]
        for step, name in steps
    ]
    table = Table(
        key="pathway",
        title="Referrals at each step",
        columns=[Column("Step", numeric=False), Column("People"), Column("% of referred")],
        rows=rows,
    )
    table.chart = charts.bars(
        table.title, [charts.Bar(r[0].text, (r[1].number,), (r[1].text,)) for r in rows]
    )
    return table


def waiting_times(scope: Scope, total: Figures) -> Table:
    by = scope.figures("month")
    rows = rows_for(scope, "month", by)
    sheet = Sheet(safe=scope.safe)
    for key, _ in [*rows, (TOTAL, "")]:
        figures = total if key == TOTAL else by.get(key, Figures())
        sheet.add((key, "contacted"), figures.counts["contacted"])
        sheet.add((key, "with_activity"), figures.counts["with_activity"])

    def line(key, name):
        figures = total if key == TOTAL else by.get(key, Figures())
        return [
            text(name),
            *wait_cells(sheet, key, figures.wait_contact, "contacted"),
            *wait_cells(sheet, key, figures.wait_activity, "with_activity"),
        ]

    body = [line(k, name) for k, name in rows]
    table = Table(
        key="waiting-times",
        title="Waiting times by month received (days)",
        columns=[
            Column("Month received", numeric=False),
            Column("People contacted"),
            Column("Median days to first contact"),
            Column("90th percentile"),
            Column("People who started an activity"),
            Column("Median days to first activity"),
            Column("90th percentile"),
        ],
        rows=body,
        total=line(TOTAL, "All months"),
        notes=[
            "Medians and 90th percentiles interpolate between the nearest values, as "
            "spreadsheets' PERCENTILE.INC does."
        ],
    )
    table.chart = charts.columns(
        "Median days to first contact and to first activity",
        [charts.Bar(r[0].text, (r[2].number, r[5].number), (r[2].text, r[5].text)) for r in body],
        series=("To first contact", "To first activity"),
    )
    return table


def caseloads(scope: Scope) -> Table:
    snapshot = list(scope.caseloads().values("link_worker_id", "service_id", "open_cases"))
    ranges = {
        pk: (low, high)
        for pk, low, high in Organisation.objects.filter(
            pk__in={row["service_id"] for row in snapshot}
        ).values_list("pk", "caseload_safe_min", "caseload_safe_max")
    }

    def against(row) -> str:
        low, high = ranges[row["service_id"]]
        if row["open_cases"] < low:
            return "below"
        return "above" if row["open_cases"] > high else "within"

    if scope.level == SERVICE and not scope.safe:
        # Inside the service, each link worker by name against the service's range.
        names = labels.names("link_worker", [str(r["link_worker_id"]) for r in snapshot])
        low, high = ranges.get(
            scope.service.pk, (scope.service.caseload_safe_min, scope.service.caseload_safe_max)
        )
        wording = {"below": "Below", "within": "Within", "above": "Above"}
        body = [
            [
                text(names.get(str(row["link_worker_id"]), "")),
                Cell(f"{row['open_cases']:,}", row["open_cases"]),
                text(wording[against(row)]),
            ]
            for row in sorted(snapshot, key=lambda r: names.get(str(r["link_worker_id"]), ""))
        ]
        table = Table(
            key="caseloads",
            title=f"Open cases per link worker (safe range {low} to {high})",
            columns=[
                Column("Link worker", numeric=False),
                Column("Open cases"),
                Column("Against the safe range", numeric=False),
            ],
            rows=body,
            notes=["Caseloads now, not for the months chosen."],
        )
        table.chart = charts.bars(
            table.title,
            [charts.Bar(r[0].text, (r[1].number,), (r[1].text,)) for r in body],
            band=(low, high),
        )
        return table
    counts = Counter(against(row) for row in snapshot)
    sheet = Sheet(safe=scope.safe)
    bands = [("below", "Below the safe range"), ("within", "Within it"), ("above", "Above it")]
    for key, _ in bands:
        sheet.add(key, counts[key])
    sheet.add("all", len(snapshot))
    sheet.identity([k for k, _ in bands], "all")
    cases = [row["open_cases"] for row in snapshot]
    sheet.add("cases", sum(cases))
    body = [[text(name), sheet.count(key)] for key, name in bands]
    table = Table(
        key="caseloads",
        title="Link workers by open caseload against their service's safe range",
        columns=[Column("Open caseload", numeric=False), Column("Link workers")],
        rows=body,
        total=[text("All link workers"), sheet.count("all")],
        notes=[
            "Caseloads now, not for the months chosen. Median open cases per link worker: "
            + (sheet.derived(stats.median(Counter(cases)), days, "all").text if cases else "none")
            + "."
        ],
    )
    table.chart = charts.bars(
        table.title, [charts.Bar(r[0].text, (r[1].number,), (r[1].text,)) for r in body]
    )
    return table


def contacts_and_activities(scope: Scope, total: Figures) -> Table:
    c = total.counts
    sheet = Sheet(safe=scope.safe)
    items = [
        ("contacted", "People spoken with"),
        ("contacts_total", "Contacts in which someone spoke with them"),
        ("attempts_total", "Contacts and attempts"),
        ("people_referred_on", "People referred to an activity"),
        ("onward_sent_total", "Activity referrals sent"),
        ("onward_accepted_total", "Accepted by the provider"),
        ("onward_attended_total", "Attended at least once"),
        ("people_attending", "People who went to an activity"),
        ("signposts_total", "Signposted (told about an activity, no referral)"),
    ]
    for key, _ in items:
        sheet.add(key, c[key])
    body = [[text(name), sheet.count(key)] for key, name in items]
    body.insert(
        2,
        [
            text("Contacts per person spoken with (mean)"),
            sheet.derived(
                c["contacts_total"] / c["contacted"] if c["contacted"] else None,
                one_place,
                "contacted",
                "contacts_total",
            ),
        ],
    )
    return Table(
        key="contacts-activities",
        title="Contacts and activities",
        columns=[Column("Measure", numeric=False), Column("Number")],
        rows=body,
    )


def discharge_reasons(scope: Scope) -> Table:
    by = scope.figures("discharge_reason")
    rows = [(k, name) for k, name in labels.ordered("discharge_reason", by.keys()) if k]
    sheet = Sheet(safe=scope.safe)
    for key, _ in rows:
        sheet.add(key, by[key].counts["discharged"])
    sheet.add(TOTAL, sum(by[k].counts["discharged"] for k, _ in rows))
    sheet.identity([k for k, _ in rows], TOTAL)
    body = [
        [
            text(name),
            sheet.count(key),
            sheet.derived(
                stats.proportion(sheet.counts[key], sheet.counts[TOTAL]), percent, key, TOTAL
            ),
        ]
        for key, name in rows
    ]
    table = Table(
        key="discharge-reasons",
        title="Why people were discharged",
        columns=[Column("Reason", numeric=False), Column("People"), Column("% of discharged")],
        rows=body,
        total=[text("All discharged"), sheet.count(TOTAL), text("")],
    )
    table.chart = charts.bars(
        table.title, [charts.Bar(r[0].text, (r[1].number,), (r[1].text,)) for r in body]
    )
    return table


def providers(scope: Scope) -> Table:
    onward = scope.onward_facts()
    counts = {
        str(row["provider_id"]): row
        for row in onward.values("provider_id")
        .annotate(
            sent=Count("pk"),
            answered=Count("pk", filter=Q(response_days__isnull=False)),
            accepted_n=Count("pk", filter=Q(accepted=True)),
            attended_n=Count("pk", filter=Q(attended=True)),
        )
        .order_by()
    }
    response = {}
    for provider, days_taken, n in (
        onward.filter(response_days__isnull=False)
        .values_list("provider_id", "response_days")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        response.setdefault(str(provider), Counter())[days_taken] = n
    names = labels.names("provider", list(counts))
    order = sorted(counts, key=lambda k: (-counts[k]["sent"], names.get(k, "")))
    sheet = Sheet(safe=scope.safe)
    for key in order:
        for column in ("sent", "answered", "accepted_n", "attended_n"):
            sheet.add((key, column), counts[key][column])
    body = [
        [
            text(names.get(key, "")),
            sheet.count((key, "sent")),
            sheet.count((key, "answered")),
            sheet.derived(stats.median(response.get(key, Counter())), days, (key, "answered")),
            sheet.count((key, "accepted_n")),
            sheet.derived(
                stats.proportion(counts[key]["accepted_n"], counts[key]["answered"]),
                percent,
                (key, "accepted_n"),
                (key, "answered"),
            ),
            sheet.count((key, "attended_n")),
        ]
        for key in order
    ]
    return Table(
        key="providers",
        title="Community providers: answers to activity referrals",
        columns=[
            Column("Provider", numeric=False),
            Column("Referrals sent"),
            Column("Answered"),
            Column("Median days to answer"),
            Column("Accepted"),
            Column("Accepted (% of answered)"),
            Column("Attended"),
        ],
        rows=body,
    )
