"""The word statistics kept by deltas (`directory.word_stats`) are what counting the
documents from scratch gives, whatever the order of changes, with two refreshes at once,
and after migration 0013 fills them; `rebuild_search_index --if-outdated` makes the index
again only when its version is not the code's."""

import importlib
import random
import time
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import search_index, word_stats
from directory.models import FieldLength, SearchDocument, Service, WordStat, WordTotals
from tests import factories
from tests.concurrency import race

LONG_STEM = "x" * 300  # longer than any varchar the column might have been

stems = st.sampled_from(["choir", "sing", "walk", "garden", "debt", "advic", LONG_STEM])
field_tokens = st.dictionaries(stems, st.integers(1, 3), max_size=4)
documents = st.dictionaries(
    st.sampled_from(["name", "taxonomy", "description", "organisation"]), field_tokens, max_size=3
)
# A refresh: for some listings, their new document (None: the listing drops out).
refreshes = st.dictionaries(st.integers(0, 6), st.none() | documents, min_size=1, max_size=4)


def counted(docs) -> tuple[int, dict, dict]:
    """N, df and total field lengths, counted from the documents themselves."""
    df: Counter = Counter()
    lengths: Counter = Counter()
    for tokens in docs:
        for name, counts in tokens.items():
            lengths[name] += sum(counts.values())
        df.update({s for counts in tokens.values() for s in counts})
    return len(docs), dict(df), {f: t for f, t in lengths.items() if t}


def stored() -> tuple[int, dict, dict]:
    totals = WordTotals.objects.filter(pk=WordTotals.ONE).first()
    return (
        totals.documents if totals else 0,
        dict(WordStat.objects.values_list("stem", "df")),
        dict(FieldLength.objects.values_list("field", "total")),
    )


def refresh(docs: dict, change: dict) -> None:
    """What search_index._refresh does: the listings' old documents out, new ones in."""
    old = [docs.pop(i) for i in change if i in docs]
    new = {i: tokens for i, tokens in change.items() if tokens is not None}
    docs.update(new)
    word_stats.replace(old, list(new.values()))


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(refreshes | st.just("reset"), max_size=12))
def test_any_sequence_of_changes_stores_what_counting_the_documents_gives(changes):
    word_stats.reset()
    docs: dict = {}
    for change in changes:
        if change == "reset":
            docs.clear()
            word_stats.reset()
        else:
            refresh(docs, change)
    n, df, lengths = counted(list(docs.values()))
    assert stored() == (n, df, lengths)  # and no stem is left at df 0
    stats = word_stats.for_stems([*df, "never-seen"])
    assert stats.n == n
    assert {s: stats.df.get(s, 0) for s in df} == df and stats.df.get("never-seen", 0) == 0
    assert stats.avglen == {f: t / n for f, t in lengths.items()}


@pytest.mark.django_db
def test_documents_as_stored_json_text_count_the_same():
    word_stats.reset()
    word_stats.replace([], ['{"name": {"choir": 2}}', {"name": {"choir": 1, "sing": 1}}])
    word_stats.replace(['{"name": {"choir": 2}}'], [])
    assert stored() == (1, {"choir": 1, "sing": 1}, {"name": 2})


@pytest.mark.django_db
def test_batches_gathered_are_stored_once_as_their_net_change():
    word_stats.reset()
    word_stats.replace([], [{"name": {"choir": 1}}, {"name": {"walk": 1}}])
    changes = word_stats.Changes()
    changes.remove([{"name": {"choir": 1}}]).add([{"name": {"sing": 2}}])  # batch 1
    changes.remove([{"name": {"walk": 1}}]).add([{"name": {"walk": 1}}])  # batch 2: no change
    with CaptureQueriesContext(connection) as queries:
        changes.apply()
    assert stored() == (2, {"sing": 1, "walk": 1}, {"name": 3})
    assert "walk" not in str(queries.captured_queries)  # a net change of nothing is not written
    changes.apply()  # applied changes are spent
    assert stored() == (2, {"sing": 1, "walk": 1}, {"name": 3})


@pytest.mark.django_db
def test_counting_out_a_document_never_counted_in_stops_at_zero():
    # A listing edited by code that kept no statistics (during the deploy of migration 0013).
    word_stats.reset()
    word_stats.replace([], [{"name": {"choir": 1}}])
    word_stats.replace([{"name": {"choir": 1, "walk": 2}}, {"name": {"sing": 1}}], [])
    assert stored() == (0, {}, {})


@pytest.mark.django_db
def test_a_search_reads_its_stems_and_the_totals_only():
    word_stats.reset()
    word_stats.replace([], [{"name": {"choir": 1, "walk": 1}}, {"description": {"debt": 4}}])
    with CaptureQueriesContext(connection) as first:
        stats = word_stats.for_stems(["choir", "sing"])
    assert len(first) == 2  # the stems' rows, then the totals
    assert "walk" not in str(first.captured_queries) and "debt" not in str(first.captured_queries)
    assert dict(stats.df) == {"choir": 1}
    assert stats.n == 2 and stats.avglen == {"name": 1.0, "description": 2.0}
    with CaptureQueriesContext(connection) as second:
        word_stats.for_stems(["choir"])
    assert len(second) == 1  # totals kept for a few seconds


@pytest.mark.django_db
def test_another_process_changes_show_once_the_totals_expire(monkeypatch):
    word_stats.reset()
    word_stats.replace([], [{"name": {"choir": 1}}])
    assert word_stats.for_stems(["choir"]).n == 1
    # Another process counts two more documents in: this one's cache does not know.
    WordTotals.objects.filter(pk=WordTotals.ONE).update(documents=3)
    WordStat.objects.filter(stem="choir").update(df=3)
    stats = word_stats.for_stems(["choir"])
    assert stats.df["choir"] == 3  # df is read fresh
    assert stats.n == 3  # and N is never below a df, so idf stays positive
    assert word_stats.for_stems(["sing"]).n == 1  # the cached N
    later = time.monotonic() + word_stats.TOTALS_SECONDS + 1
    monkeypatch.setattr(word_stats, "monotonic", lambda: later)
    assert word_stats.for_stems(["sing"]).n == 3


@pytest.mark.django_db
def test_reset_empties_the_counts_and_keeps_the_version():
    word_stats.set_version(7)
    word_stats.replace([], [{"name": {"choir": 1}}])
    word_stats.reset()
    assert stored() == (0, {}, {}) and word_stats.stored_version() == 7


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_lose_no_change():
    """Each thread refreshes its own listings, over the same stems in opposite orders of
    change, many times, each refresh in its own transaction held open a moment: on
    PostgreSQL the threads wait on each other's rows; nothing is lost or deadlocked."""
    vocabulary = [f"s{i:02d}" for i in range(12)]
    rng = random.Random(16)

    def document(words):
        return {"name": {s: rng.randint(1, 3) for s in words}}

    plans = []
    initial = {}
    for thread in range(2):
        order = vocabulary if thread == 0 else vocabulary[::-1]
        listings = {(thread, i): document(rng.sample(order, 4)) for i in range(3)}
        initial.update(listings)
        steps = []
        for _ in range(25):
            listing = (thread, rng.randrange(3))
            words = rng.sample(order, rng.randint(0, 6))
            steps.append((listing, document(words) if words else None))
        plans.append(steps)
    word_stats.reset()
    word_stats.replace([], list(initial.values()))
    final = dict(initial)
    for steps in plans:
        for listing, tokens in steps:
            if tokens is None:
                final.pop(listing, None)
            else:
                final[listing] = tokens

    def run(steps):
        docs = {k: v for k, v in initial.items() if k[0] == steps[0][0][0]}
        for listing, tokens in steps:
            with transaction.atomic():
                refresh(docs, {listing: tokens})
                time.sleep(0.002)  # the other thread reaches the same rows meanwhile
        return "done"

    assert race([lambda s=steps: run(s) for steps in plans]) == ["done", "done"]
    assert stored() == counted(list(final.values()))


@pytest.mark.django_db
def test_migration_fills_the_statistics_from_the_documents(area, monkeypatch):
    factories.activity(area=area, name="Kettering Community Choir", description="Sing along")
    factories.activity(area=area, name="Money matters", description="Debt advice, free")
    factories.activity(area=area, name="Walk and talk", description="")
    for model in (WordStat, FieldLength, WordTotals):
        model.objects.all().delete()
    migration = importlib.import_module("directory.migrations.0013_word_statistics")
    monkeypatch.setattr(migration, "BATCH", 2)  # more than one page of documents
    migration.count_documents(apps, None)
    assert stored() == counted(list(SearchDocument.objects.values_list("tokens", flat=True)))
    assert stored()[0] == 3 and "choir" in stored()[1]
    assert word_stats.stored_version() == migration.VERSION_BEFORE == 1


@pytest.mark.django_db(transaction=True)
def test_migrating_counts_the_documents_already_there(monkeypatch):
    area = factories.area()
    factories.activity(area=area, name="Kettering Community Choir", description="Sing along")
    factories.activity(area=area, name="Walk and talk", description="A walk for everyone")
    factories.activity(area=area, name="Money matters", description="Debt advice")
    migration = importlib.import_module("directory.migrations.0013_word_statistics")
    monkeypatch.setattr(migration, "BATCH", 2)  # three documents: two pages
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("directory", "0012_fulltext_own_stems")])
        MigrationExecutor(connection).migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    word_stats.forget()
    assert stored() == counted(list(SearchDocument.objects.values_list("tokens", flat=True)))
    assert stored()[0] == 3 and stored()[1]["walk"] == 1
    assert word_stats.stored_version() == 1


def _keys():
    return dict(SearchDocument.objects.values_list("service_id", "key"))


@pytest.mark.django_db
def test_if_outdated_makes_every_listing_again_without_emptying_the_index(area, monkeypatch):
    for i in range(5):
        factories.activity(area=area, name=f"Cafe {i}")
    word_stats.set_version(1)
    before = _keys()
    present = []
    refresh_listings = search_index.refresh

    def watched(ids):
        present.append(SearchDocument.objects.count())
        refresh_listings(ids)

    monkeypatch.setattr(search_index, "BATCH", 2)
    monkeypatch.setattr(search_index, "refresh", watched)
    out = StringIO()
    call_command("rebuild_search_index", "--if-outdated", verbosity=0, stdout=out)
    assert present == [5, 5, 5]  # three batches, each with every listing still searchable
    after = _keys()
    assert after.keys() == before.keys() == set(Service.objects.values_list("id", flat=True))
    assert all(after[s] != before[s] for s in before)  # each document made again
    assert word_stats.stored_version() == word_stats.INDEX_VERSION
    assert f"Indexed 5 listings again (index version 1 -> {word_stats.INDEX_VERSION})" in (
        out.getvalue()
    )


@pytest.mark.django_db
def test_if_outdated_does_nothing_when_the_index_is_current(area):
    factories.activity(area=area, name="Cafe")
    word_stats.set_version(word_stats.INDEX_VERSION)
    before = _keys()
    out = StringIO()
    call_command("rebuild_search_index", "--if-outdated", verbosity=0, stdout=out)
    assert _keys() == before
    assert out.getvalue().strip() == (
        f"The search index is up to date (version {word_stats.INDEX_VERSION})."
    )


@pytest.mark.django_db
def test_a_full_rebuild_records_the_code_version(area):
    factories.activity(area=area, name="Cafe")
    word_stats.set_version(1)
    call_command("rebuild_search_index", verbosity=0)
    assert word_stats.stored_version() == word_stats.INDEX_VERSION
