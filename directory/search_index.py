"""Keeps the search index in step with the directory: one `SearchDocument` per listing
(words and grid cells, behind each engine's full-text index) and one `SearchEntry` per
published listing and place (everything the matcher filters and ranks on).

Both are derived data. Every action that changes a listing calls `refresh()` for it inside
its own transaction, so search never sees a half-made change; `rebuild()` (the
`rebuild_search_index` command) makes them again from scratch.
"""

from collections import defaultdict

from directory import constraints, fulltext, need_inference, word_stats
from directory import text as lexicon
from directory.models import (
    Schedule,
    SearchDocument,
    SearchEntry,
    Service,
    ServiceAtLocation,
)
from geography import grid

BATCH = 500
# Counts the changes this process made to the index: the engine's caches of the
# directory's words and towns (`directory.search`) are read again after one.
generation = 0


def refresh(service_ids, changes: "word_stats.Changes | None" = None) -> None:
    """Make the index entries of these listings again from what is stored now (listings
    that no longer exist or are not published drop out of search). A caller that
    refreshes several times in one transaction (an import) passes one `changes` and
    applies it at the end: the word statistics' rows are then locked once, in order, for
    the last moments of the transaction, not from its first batch to its commit."""
    ids = list(dict.fromkeys(service_ids))
    # One net change for every batch: the transaction takes each statistics row once, in
    # order (word_stats.Changes).
    own = changes is None
    changes = changes if changes is not None else word_stats.Changes()
    for start in range(0, len(ids), BATCH):
        _refresh(ids[start : start + BATCH], changes)
    if own:
        changes.apply()


def rebuild(progress=None) -> int:
    """Every listing's entries, made again. Returns how many listings were indexed."""
    global generation
    generation += 1
    SearchEntry.objects.all().delete()
    SearchDocument.objects.all().delete()
    word_stats.reset()
    fulltext.clear()
    ids = list(Service.objects.order_by("id").values_list("id", flat=True))
    changes = word_stats.Changes()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        _refresh(chunk, changes)
        if progress:
            progress(len(chunk))
    changes.apply()
    return len(ids)


def _refresh(ids, changes: word_stats.Changes) -> None:
    global generation
    generation += 1
    # Two refreshes of one listing at once (an edit during a background refresh) would
    # both count its old document out: the second waits here for the first to commit.
    list(Service.objects.select_for_update().filter(id__in=ids).order_by("id").values("id"))
    # The old documents' words leave the word statistics (read before they are deleted).
    old = list(SearchDocument.objects.filter(service_id__in=ids).values_list("key", "tokens"))
    fulltext.forget([key for key, _ in old])
    changes.remove(tokens for _, tokens in old)
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
    # Every term's name and description count as words, mapped to a need or not (ADR 0011
    # §7); the needs' labels too.
    terms = defaultdict(list)
    unmapped = defaultdict(list)
    for service_id, code, label, name, description in Service.terms.through.objects.filter(
        service_id__in=ids
    ).values_list(
        "service_id",
        "taxonomyterm__need__code",
        "taxonomyterm__need__label",
        "taxonomyterm__name",
        "taxonomyterm__description",
    ):
        if code is not None:
            needs[service_id][code] = label
        else:
            unmapped[service_id] += [name, description]
        terms[service_id] += [name, description]
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

    groups = {
        # "Who it is for" only: a description's "a separate session for women" or "not just
        # for men" must not shut anyone out.
        s["id"]: constraints.eligibility_groups(s["eligibility_description"])
        for s in services
    }
    # Needs the listing's own words name or mean, where no mapped term says so: only
    # published listings are searched, so only theirs are worked out.
    texts = {
        s["id"]: need_inference.listing_text(s, unmapped[s["id"]])
        for s in services
        if s["status"] == Service.Status.ACTIVE and s["published"]
    }
    vectors = need_inference.embed(texts)
    inferred = need_inference.infer(
        texts, {key: list(codes) for key, codes in needs.items()}, vectors
    )
    documents = []
    for s in services:
        fields = _fields(s, needs[s["id"]], terms[s["id"]], groups[s["id"]])
        documents.append(
            SearchDocument(
                service_id=s["id"],
                body=_body(fields, places[s["id"]]),
                cells=_cells(places[s["id"]]),
                tokens={name: lexicon.field_counts(text) for name, text in fields.items() if text},
                vector=need_inference.pack(vectors.get(s["id"])),
            )
        )
    SearchDocument.objects.bulk_create(documents)
    changes.add(d.tokens for d in documents)
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
            "needs": _needs(needs[s["id"]], inferred.get(s["id"], {})),
            "slots": constraints.encode_slots(schedules[s["id"]]),
            "eligibility": constraints.encode_eligibility(groups[s["id"]]),
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
                    # No place at all (by phone, online, at home): no step to climb. A
                    # venue whose whereabouts are unknown may have steps: not step-free.
                    wheelchair=not places[s["id"]],
                    town=places[s["id"]][0]["location__city"][:100] if places[s["id"]] else "",
                )
            )
    SearchEntry.objects.bulk_create(entries)


def _fields(service: dict, needs: dict, terms: list[str], groups: list[str]) -> dict:
    """The listing's text by BM25F field (`directory.text.FIELDS`)."""
    ages = (
        constraints.age_label(service["minimum_age"], service["maximum_age"])
        if service["minimum_age"] is not None or service["maximum_age"] is not None
        else ""
    )
    return {
        "name": service["name"],
        "taxonomy": " ".join(
            [
                *needs.values(),
                *dict.fromkeys(t for t in terms if t),
                *(constraints.GROUP_LABELS[g] for g in groups),
            ]
        ),
        "description": f"{service['alternate_name']} {service['description']}",
        "eligibility": f"{service['eligibility_description']} {ages}",
        "organisation": service["organization__name"],
    }


def _body(fields: dict, places: list[dict]) -> str:
    """Stems of every field and of its places' names, for the full-text gate."""
    return " ".join(
        lexicon.tokens(
            " ".join(
                [
                    *fields.values(),
                    *(f"{p['location__name']} {p['location__city']}" for p in places),
                ]
            )
        )
    )


def _cells(places: list[dict]) -> str:
    if not places:
        return fulltext.PLACELESS
    tokens = []
    for p in places:
        if p["location__latitude"] is not None:
            tokens += grid.tokens(grid.cell(p["location__latitude"], p["location__longitude"]))
    return " ".join(dict.fromkeys(tokens))


def _needs(needs: dict, inferred: dict) -> str:
    """Tagged need codes, then inferred ones marked `~`, space separated and padded: a
    search for a need matches " code " or " ~code "."""
    codes = [*sorted(needs), *(f"{INFERRED}{code}" for code in sorted(inferred))]
    return f" {' '.join(codes)} " if codes else ""


INFERRED = "~"
