"""Full-text search over listings with each engine's own index: FTS5 on SQLite, a GIN
index on a tsvector expression on PostgreSQL. Words are matched as prefixes ("relax"
finds "relaxation") and any word may match."""

import re
from uuid import UUID

from django.db import connection
from django.db.models.expressions import RawSQL

WORD_RE = re.compile(r"[a-z0-9]+")
FTS_TABLE = "directory_service_fts"
PG_CONFIG = "english"


def words(text: str) -> list[str]:
    return [w for w in WORD_RE.findall((text or "").lower()) if len(w) > 1]


def matching_ids(terms: list[str]) -> RawSQL | None:
    """A subquery of service ids whose text matches any of `terms`, or None if no terms."""
    terms = sorted(set(terms))
    if not terms:
        return None
    if connection.vendor == "postgresql":
        query = " | ".join(f"{t}:*" for t in terms)
        return RawSQL(
            "SELECT id FROM directory_service WHERE "
            f"to_tsvector('{PG_CONFIG}', search_text) @@ to_tsquery('{PG_CONFIG}', %s)",
            [query],
        )
    query = " OR ".join(f'"{t}"*' for t in terms)
    return RawSQL(f"SELECT service_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [query])


def hits_among(service_ids: list[UUID], terms: list[str]) -> set[UUID]:
    """Which of these listings match any of the words: the index is asked about these rows
    only, so a common word costs nothing extra in a big directory."""
    terms = sorted(set(terms))
    if not terms or not service_ids:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM directory_service WHERE id = ANY(%s) AND "
                f"to_tsvector('{PG_CONFIG}', search_text) @@ to_tsquery('{PG_CONFIG}', %s)",
                [list(service_ids), " | ".join(f"{t}:*" for t in terms)],
            )
            return {row[0] for row in cursor.fetchall()}
        # FTS5 re-runs the whole match for each rowid it is asked about, so take the match
        # list once (rowids only, from the index) and intersect here.
        rowids = {_rowid(i): i for i in service_ids}
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
            [" OR ".join(f'"{t}"*' for t in terms)],
        )
        return {rowids[row[0]] for row in cursor.fetchall() if row[0] in rowids}


def reindex(rows: list[tuple[UUID, str]]) -> None:
    """Refresh the index for (service id, search text) pairs. PostgreSQL's index is an
    expression index and keeps itself up to date."""
    if connection.vendor != "sqlite" or not rows:
        return
    # Django keeps UUIDs in SQLite as 32 hex digits; the index must match that. The rowid is
    # derived from the id so that replacing a row is a lookup, not a scan.
    rows = [(_rowid(service_id), service_id.hex, text) for service_id, text in rows]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(rowid,) for rowid, _, _ in rows]
        )
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, service_id, body) VALUES (%s, %s, %s)", rows
        )


def forget(service_ids: list[UUID]) -> None:
    if connection.vendor != "sqlite" or not service_ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(_rowid(i),) for i in service_ids]
        )


def _rowid(service_id: UUID) -> int:
    # 63 bits of a random UUID: collisions need ~3 billion listings to become likely.
    return service_id.int >> 65


def create_index(schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "service_id UNINDEXED, body, tokenize='porter unicode61')"
        )
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS directory_service_fts_gin ON directory_service "
            f"USING GIN (to_tsvector('{PG_CONFIG}', search_text))"
        )


def drop_index(schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS directory_service_fts_gin")
