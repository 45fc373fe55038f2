"""The search index's word statistics, kept by deltas: how many search documents there are
(N), how many have each stem in any field (df) and the total length of each BM25F field
(ADR 0011 §3, §5). `directory.search` reads the rows of the stems a search asks about and
the totals, instead of every document's words (1.5-5 s at 100,000 listings).

`directory.search_index` calls `replace()` in the transaction that replaces documents, with
the words of those it takes away and of those it makes, and `reset()` when it empties the
index. Two refreshes at once must both count: each change is an increment done by the
database (`df = df + n`), never a value computed here from a read, and rows are taken in
one order (stems sorted, then fields sorted, then the totals row) so that two refreshes
wait for each other instead of deadlocking.

`INDEX_VERSION` says which builder made the stored documents: raise it whenever what a
document holds changes (the tokenizer, the fields, what goes in them), and deploys run
`rebuild_search_index --if-outdated`, which makes every listing's documents again while
search goes on from the old ones.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from time import monotonic

from django.db import connection, transaction

from directory.models import FieldLength, WordStat, WordTotals

# 1: the documents stored before versions were kept (migration 0013 says so of them).
# 2: issue 16's tokenizer (stop list, our stems in the text index) and fields.
INDEX_VERSION = 2

# How long a process keeps N and the fields' lengths. They move by a refresh's worth at a
# time (a batch of at most 500 documents against thousands), which shifts idf and length
# normalisation by a hair, while df, which decides whether a word is known at all, is read
# fresh for every search. SQL, not these figures, decides what exists.
TOTALS_SECONDS = 5.0

# Rows per statement: 2 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535.
CHUNK = 500


@dataclass(frozen=True)
class Stats:
    """What BM25F needs to know about the whole directory, for some stems."""

    n: int
    df: Mapping[str, int]
    avglen: Mapping[str, float]


class Changes:
    """Documents counted out and in, stored as one net change by `apply()`. A refresh made
    in batches inside one transaction (`search_index.refresh` of more than a batch) should
    gather every batch here and apply once: its transaction then takes each row once, in
    order, and two such refreshes cannot deadlock on each other's stems."""

    def __init__(self):
        self.df: Counter = Counter()
        self.lengths: Counter = Counter()
        self.documents = 0

    def add(self, documents: Iterable) -> "Changes":
        """Count in these documents' tokens (field → {stem: tf}, or its JSON text)."""
        return self._count(documents, 1)

    def remove(self, documents: Iterable) -> "Changes":
        return self._count(documents, -1)

    def apply(self) -> None:
        _apply(
            {s: d for s, d in self.df.items() if d},
            {f: d for f, d in self.lengths.items() if d},
            self.documents,
        )
        self.__init__()

    def _count(self, documents: Iterable, sign: int) -> "Changes":
        for tokens in documents:
            if isinstance(tokens, str):
                tokens = json.loads(tokens or "{}")
            self.documents += sign
            seen = set()
            for name, counts in (tokens or {}).items():
                self.lengths[name] += sign * sum(counts.values())
                seen.update(counts)
            for s in seen:
                self.df[s] += sign
        return self


def replace(old: Iterable, new: Iterable) -> None:
    """Count the documents `old` out and `new` in (each a document's tokens: field →
    {stem: tf}, or its JSON text), as one net change."""
    Changes().remove(old).add(new).apply()


@transaction.atomic(savepoint=False)
def reset() -> None:
    """No documents: before the index is made again from scratch. The stored index version
    stays until the caller has made every document (`set_version`)."""
    if connection.features.has_select_for_update:
        # Take the rows in the order `replace` does, so that a refresh running meanwhile
        # waits for this instead of deadlocking with it.
        for model, key in ((WordStat, "stem"), (FieldLength, "field")):
            for _ in (
                model.objects.order_by(key)
                .select_for_update()
                .values_list(key, flat=True)
                .iterator(chunk_size=5000)
            ):
                pass
    WordStat.objects.all().delete()
    FieldLength.objects.all().delete()
    _add_documents(None)
    forget()


def for_stems(stems: Iterable[str]) -> Stats:
    """N, the fields' mean lengths, and df of these stems (0 for a stem no document has),
    reading only their rows and the totals."""
    wanted = sorted(set(stems))
    df: dict[str, int] = {}
    table, stem, count = _names(WordStat, "stem", "df")
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            cursor.execute(
                f"SELECT {stem}, {count} FROM {table} WHERE {stem} IN ({_marks(len(chunk))})",
                chunk,
            )
            df.update(cursor.fetchall())
    documents, lengths = _totals()
    return Stats(
        # A stem counted since the totals were read can have df above the cached N, which
        # would make its idf negative.
        n=max(documents, *df.values(), 0),
        df=df,
        avglen={f: total / documents for f, total in lengths.items()} if documents else {},
    )


def stored_version() -> int:
    """The builder version of the stored documents (0: not known)."""
    return (
        WordTotals.objects.filter(pk=WordTotals.ONE).values_list("index_version", flat=True).first()
        or 0
    )


@transaction.atomic(savepoint=False)
def set_version(version: int = INDEX_VERSION) -> None:
    """Record that every stored document was made by builder `version`."""
    _add_documents(0)  # the row, if it is missing
    WordTotals.objects.filter(pk=WordTotals.ONE).update(index_version=version)


def forget() -> None:
    """Read the totals again at the next search (this process changed them)."""
    global _cached
    _cached = None


@transaction.atomic(savepoint=False)
def _apply(df: dict[str, int], lengths: dict[str, int], documents: int) -> None:
    _add(WordStat, "stem", "df", df)
    _add(FieldLength, "field", "total", lengths)
    if documents:
        _add_documents(documents)
    forget()


def _add(model, key_field: str, value_field: str, deltas: dict[str, int]) -> None:
    """value += delta for each key, in key order; a row reaching 0 is deleted.

    First one upsert locks every row concerned in key order (making missing ones): a
    rising count is added there (`value + excluded.value`, done by the database, so a
    concurrent change is never lost); a falling one adds 0, because the row inserted when
    none exists must satisfy `value >= 0` before the conflict is even considered. Then the
    falling counts are taken off the rows now held (never below 0: a document this process
    counts out that was never counted in, made by code that kept no statistics)."""
    table, key, value = _names(model, key_field, value_field)
    items = sorted(deltas.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            rows = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({key}, {value}) VALUES {rows} "
                f"ON CONFLICT ({key}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}",
                [p for k, delta in chunk for p in (k, max(delta, 0))],
            )
            falling = [(k, -delta) for k, delta in chunk if delta < 0]
            if not falling:
                continue
            rows = ", ".join(["(%s, %s)"] * len(falling))
            cursor.execute(
                f"UPDATE {table} SET {value} = CASE WHEN {table}.{value} > d.column2 "
                f"THEN {table}.{value} - d.column2 ELSE 0 END "
                f"FROM (VALUES {rows}) AS d WHERE {table}.{key} = d.column1",
                [p for pair in falling for p in pair],
            )
            cursor.execute(
                f"DELETE FROM {table} WHERE {value} = 0 AND {key} IN ({_marks(len(falling))})",
                [k for k, _ in falling],
            )


def _add_documents(delta: int | None) -> None:
    """N += delta (None: N = 0), making the totals row if it is missing."""
    table, key, documents = _names(WordTotals, "id", "documents")
    version = _names(WordTotals, "index_version")[1]
    new = (
        "0"
        if delta is None
        else f"CASE WHEN {table}.{documents} + %s > 0 THEN {table}.{documents} + %s ELSE 0 END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {documents}, {version}) VALUES (%s, %s, 0) "
            f"ON CONFLICT ({key}) DO UPDATE SET {documents} = {new}",
            [WordTotals.ONE, max(delta or 0, 0), *([] if delta is None else [delta, delta])],
        )


_cached: tuple[float, int, dict[str, int]] | None = None


def _totals() -> tuple[int, dict[str, int]]:
    """(N, total length per field), read again every `TOTALS_SECONDS` (one query)."""
    global _cached
    if _cached is None or monotonic() - _cached[0] > TOTALS_SECONDS:
        totals, _, documents = _names(WordTotals, "id", "documents")
        lengths, field, total = _names(FieldLength, "field", "total")
        with connection.cursor() as cursor:
            # A field's name is never empty, so '' marks the count of documents.
            cursor.execute(
                f"SELECT '', {documents} FROM {totals} "
                f"UNION ALL SELECT {field}, {total} FROM {lengths}"
            )
            rows = dict(cursor.fetchall())
        n = rows.pop("", 0)
        _cached = (monotonic(), n, rows)
    return _cached[1], _cached[2]


def _names(model, *fields: str) -> list[str]:
    """The model's table and these fields' columns, quoted for SQL."""
    quote = connection.ops.quote_name
    return [quote(model._meta.db_table)] + [quote(model._meta.get_field(f).column) for f in fields]


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)
