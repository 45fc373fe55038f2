"""Keeps the search index in step with the directory: one `SearchDocument` per listing
(words and grid cells, behind each engine's full-text index) and one `SearchEntry` per
published listing and place (everything the matcher filters and ranks on).

Both are derived data. Every action that changes a listing calls `refresh()` for it inside
its own transaction, so search never sees a half-made change; `rebuild()` (the
`rebuild_search_index` command) makes them again from scratch.
"""

from collections import defaultdict

from directory import constraints, fulltext
from directory.models import (
    Schedule,
    SearchDocument,
    SearchEntry,
    Service,
    ServiceAtLocation,
)
from geography import grid

BATCH = 500


def refresh(service_ids) -> None:
    """Make the index entries of these listings again from what is stored now (listings
    that no longer exist or are not published drop out of search)."""
    ids = list(dict.fromkeys(service_ids))
    for start in range(0, len(ids), BATCH):
        _refresh(ids[start : start + BATCH])


def rebuild(progress=None) -> int:
    """Every listing's entries, made again. Returns how many listings were indexed."""
    SearchEntry.objects.all().delete()
    SearchDocument.objects.all().delete()
    fulltext.clear()
    ids = list(Service.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        _refresh(chunk)
        if progress:
            progress(len(chunk))
    return len(ids)


def _refresh(ids) -> None:
    fulltext.forget(
        list(SearchDocument.objects.filter(service_id__in=ids).values_list("key", flat=True))
    )
    SearchEntry.objects.filter(service_id__in=ids).delete()
    SearchDocument.objects.filter(service_id__in=ids).delete()

    services = list(
        Service.objects.filter(id__in=ids).values(
            "id",
            "area_id",
            "name",
            "alternate_name",
            "description",
            "organization__name",
            "status",
            "published",
            "is_free",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "capacity_available",
        )
    )
    if not services:
        return
    needs = defaultdict(dict)
    for service_id, code, label in Service.terms.through.objects.filter(
        service_id__in=ids, taxonomyterm__need__isnull=False
    ).values_list("service_id", "taxonomyterm__need__code", "taxonomyterm__need__label"):
        needs[service_id][code] = label
    places = defaultdict(list)
    for row in (
        ServiceAtLocation.objects.filter(service_id__in=ids)
        .order_by("location_id")
        .values(
            "service_id",
            "location__name",
            "location__city",
            "location__latitude",
            "location__longitude",
            "location__wheelchair_accessible",
        )
    ):
        places[row["service_id"]].append(row)
    schedules = defaultdict(list)
    for row in (
        Schedule.objects.filter(service_id__in=ids)
        .order_by("id")
        .values("service_id", "byday", "opens_at", "closes_at")
    ):
        schedules[row["service_id"]].append(row)

    documents = [
        SearchDocument(
            service_id=s["id"],
            body=_body(s, needs[s["id"]], places[s["id"]]),
            cells=_cells(places[s["id"]]),
        )
        for s in services
    ]
    SearchDocument.objects.bulk_create(documents)
    fulltext.write([(d.key, d.body, d.cells) for d in documents])

    keys = {d.service_id: d.key for d in documents}
    entries = []
    for s in services:
        if s["status"] != Service.Status.ACTIVE or not s["published"]:
            continue
        common = {
            "key": keys[s["id"]],
            "service_id": s["id"],
            "area_id": s["area_id"],
            "needs": _needs(needs[s["id"]]),
            "slots": constraints.encode_slots(schedules[s["id"]]),
            "eligibility": constraints.encode_eligibility(
                constraints.eligibility_groups(s["eligibility_description"], s["description"])
            ),
            "is_free": s["is_free"],
            "minimum_age": s["minimum_age"],
            "maximum_age": s["maximum_age"],
            "capacity_available": s["capacity_available"],
            "name": s["name"],
        }
        located = [p for p in places[s["id"]] if p["location__latitude"] is not None]
        for p in located:
            entries.append(
                SearchEntry(
                    **common,
                    cell=grid.cell(p["location__latitude"], p["location__longitude"]),
                    latitude=p["location__latitude"],
                    longitude=p["location__longitude"],
                    wheelchair=p["location__wheelchair_accessible"],
                    town=p["location__city"][:100],
                )
            )
        if not located:
            entries.append(
                SearchEntry(
                    **common,
                    cell=SearchEntry.UNPLACED if places[s["id"]] else SearchEntry.PLACELESS,
                    wheelchair=False,
                    town=places[s["id"]][0]["location__city"][:100] if places[s["id"]] else "",
                )
            )
    SearchEntry.objects.bulk_create(entries)


def _body(service: dict, needs: dict, places: list[dict]) -> str:
    return " ".join(
        [
            service["name"],
            service["alternate_name"],
            service["description"],
            service["organization__name"],
            *needs.values(),
            *(f"{p['location__name']} {p['location__city']}" for p in places),
        ]
    )


def _cells(places: list[dict]) -> str:
    if not places:
        return fulltext.PLACELESS
    tokens = []
    for p in places:
        if p["location__latitude"] is not None:
            tokens += grid.tokens(grid.cell(p["location__latitude"], p["location__longitude"]))
    return " ".join(dict.fromkeys(tokens))


def _needs(needs: dict) -> str:
    return f" {' '.join(sorted(needs))} " if needs else ""
