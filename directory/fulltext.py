"""Full-text search over listings with each engine's own index: an FTS5 table on SQLite,
a GIN index on a tsvector expression on PostgreSQL, both over `SearchDocument`.

Each document holds the stems of the listing's words (`body`, `directory.text.tokens`) and
the grid cells of its places (`cells`, words like `zzg28302248`), so "these words, near
here" is answered inside the index: it returns the few listings nearby, not every match in
England. Queries are stems made by the same tokenizer ("relaxation" and "relaxing" are both
"relax"), matched whole; any stem may match (the engine grades them afterwards).

The databases index our stems as they are, with no stemming or stop list of their own.
Theirs, run over our stems, made the index disagree with the engine: PostgreSQL's
'english' configuration has "will" (the stem of "wills") as a stop word, so a listing about
writing wills was never found there, and it cut "loneli" (lonely) to "lone" (lone
parents); FTS5's porter merged "refuge" with "refug" (refugee). So PostgreSQL uses
'simple' (split and lower-case only), and FTS5 `unicode61` with `remove_diacritics 0` (our
normalising already took accents off Latin letters; FTS5's folding would merge stems such
as "sø̈n" and "søn") and `categories 'L* N* M*'` (marks are part of our words, as in
"हिन्दी", where FTS5 by default splits at each one). Over the stems of every Unicode
character FTS5's terms are then exactly ours; PostgreSQL's default parser still splits a
word at a few rare numeric signs and marks, on the document and the query alike, so they
still meet.

A person's words never match the cell words: FTS5 filters by column, and words starting
with the cell prefix are dropped from queries (on PostgreSQL, tsvector weights would keep
them apart too, but a weighted query makes it recompute every candidate's tsvector).
"""

import json
import unicodedata

from django.db import connection
from django.db.models.expressions import RawSQL

from directory import text as lexicon
from geography.grid import TOKEN_PREFIX

FTS_TABLE = "directory_search_fts"
GIN_INDEX = "directory_searchdocument_stems_gin"
PLACELESS = f"{TOKEN_PREFIX}placeless"  # the cell word of listings with no place at all
# The indexed expression; a query must repeat it exactly for PostgreSQL to use the index.
PG_VECTOR = "(to_tsvector('simple', cells) || to_tsvector('simple', body))"


def words(text: str) -> list[str]:
    """The stems of `text` the index is asked about."""
    return [w for w in lexicon.tokens(text) if not w.startswith(TOKEN_PREFIX)]


def _is_stem(term: str) -> bool:
    # Only letters, digits and the marks that belong to letters (as `text.normalise` keeps
    # them) reach a query: the index syntax never sees a quote or an operator.
    return bool(term) and all(c.isalnum() or unicodedata.category(c)[0] == "M" for c in term)


def _stems(terms: list[str]) -> list[str]:
    return sorted({t for t in terms if _is_stem(t) and not t.startswith(TOKEN_PREFIX)})


def _fts5_query(terms: list[str], cells: list[str] | None) -> str:
    text = "body : (" + " OR ".join(f'"{t}"' for t in terms) + ")"
    if cells is None:
        return text
    return "cells : (" + " OR ".join([*cells, PLACELESS]) + ") AND " + text


def _pg_condition(terms: list[str], cells: list[str] | None) -> tuple[str, list[str]]:
    sql = f"{PG_VECTOR} @@ to_tsquery('simple', %s)"
    params = [" | ".join(terms)]
    if cells is not None:
        sql = f"{PG_VECTOR} @@ (to_tsquery('simple', %s) && to_tsquery('simple', %s))"
        params.insert(0, " | ".join([*cells, PLACELESS]))
    return sql, params


def matching_keys(terms: list[str], cells: list[str] | None = None) -> set[int]:
    """Keys of the search documents whose stems include any of `terms` (stems, from
    `directory.text`) and, when `cells` (grid tokens) are given, that have a place in one
    of them or no place at all."""
    terms = _stems(terms)
    if not terms:
        return set()
    if connection.vendor == "postgresql":
        condition, params = _pg_condition(terms, cells)
        sql = f"SELECT key FROM directory_searchdocument WHERE {condition}"
    else:
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        params = [_fts5_query(terms, cells)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def one_of(keys: set[int]) -> RawSQL:
    """A subquery listing these integers, for `field__in=`: one parameter however many
    there are (SQLite limits how many parameters a statement may have)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [sorted(keys)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(sorted(keys))])


def matching_service_ids(terms: list[str]) -> RawSQL | None:
    """A subquery of service ids whose stems include any of `terms`, anywhere. The terms
    may be stems (`words()`) or words as typed: each is also asked for as its stem."""
    terms = _stems([*terms, *(s for t in terms for s in lexicon.tokens(t))])
    if not terms:
        return None
    if connection.vendor == "postgresql":
        condition, params = _pg_condition(terms, None)
        return RawSQL(f"SELECT service_id FROM directory_searchdocument WHERE {condition}", params)
    return RawSQL(
        "SELECT service_id FROM directory_searchdocument WHERE key IN "
        f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",
        [_fts5_query(terms, None)],
    )


def write(rows: list[tuple[int, str, str]]) -> None:
    """Add (key, body, cells) rows to the FTS5 table. PostgreSQL's index is an expression
    index over the documents and keeps itself up to date."""
    if connection.vendor != "sqlite" or not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, body, cells) VALUES (%s, %s, %s)", rows
        )


def forget(keys: list[int]) -> None:
    if connection.vendor != "sqlite" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(k,) for k in keys])


def clear() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")


# What directory/migrations/0012_fulltext_own_stems.py builds (a test holds them equal).
FTS_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M*'"
CREATE_SQL = {
    "sqlite": f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    f'body, cells, tokenize="{FTS_TOKENIZER}")',
    "postgresql": f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {GIN_INDEX} ON "
    f"directory_searchdocument USING GIN ({PG_VECTOR})",
}
DROP_SQL = {
    "sqlite": f"DROP TABLE IF EXISTS {FTS_TABLE}",
    "postgresql": f"DROP INDEX CONCURRENTLY IF EXISTS {GIN_INDEX}",
}
