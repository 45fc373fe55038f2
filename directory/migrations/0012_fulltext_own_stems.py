"""The full-text indexes index our stems as they are (directory/fulltext.py says why).

PostgreSQL: a new GIN index over `to_tsvector('simple', …)` is built CONCURRENTLY, under a
new name, before the old 'english' one is dropped CONCURRENTLY, so writes never wait and
the code still running keeps its index until the new one is ready. SQLite: the FTS5 table
is made again with the new tokenizer and filled from the documents a batch at a time.
"""

from django.db import migrations

from core.batches import pages

# Written out so that this migration does not change when directory.fulltext does.
FTS_TABLE = "directory_search_fts"
FTS = {
    "old": f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "body, cells, tokenize='porter unicode61')",
    "new": f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "body, cells, tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* M*'\")",
}
GIN = {
    "old": (
        "directory_searchdocument_gin",
        "(to_tsvector('simple', cells) || to_tsvector('english', body))",
    ),
    "new": (
        "directory_searchdocument_stems_gin",
        "(to_tsvector('simple', cells) || to_tsvector('simple', body))",
    ),
}
BATCH = 2000


def create_gin(which: str) -> str:
    name, vector = GIN[which]
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON directory_searchdocument "
        f"USING GIN ({vector})"
    )


def drop_gin(which: str) -> str:
    return f"DROP INDEX CONCURRENTLY IF EXISTS {GIN[which][0]}"


def _swap_gin(build: str, retire: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        # A CONCURRENTLY build that failed leaves an invalid index behind, which IF NOT
        # EXISTS would take for a good one: start the one being built from nothing.
        schema_editor.execute(drop_gin(build))
        schema_editor.execute(create_gin(build))
        schema_editor.execute(drop_gin(retire))

    return run


def _remake_fts(which: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        schema_editor.execute(FTS[which])
        SearchDocument = apps.get_model("directory", "SearchDocument")
        documents = SearchDocument.objects.only("key", "body", "cells")
        with schema_editor.connection.cursor() as cursor:
            for page in pages(documents, size=BATCH):
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (rowid, body, cells) VALUES (%s, %s, %s)",
                    [(d.key, d.body, d.cells) for d in page],
                )

    return run


class Migration(migrations.Migration):
    # CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False
    lock_review = (
        "Both GIN indexes are built and dropped CONCURRENTLY (SHARE UPDATE EXCLUSIVE: reads "
        "and writes go on); 100,000 documents: 7.5 s to build (2-core machine, 2026-12-08). "
        "Once the old 'english' index is gone, the old code, until it is replaced, still "
        "matches correctly but scans the documents: 3 s a text search at 100,000. The "
        "SQLite FTS5 table (tests, demo) is remade in one transaction."
    )

    dependencies = [("directory", "0011_search_document_tokens")]

    operations = [
        migrations.RunPython(_swap_gin("new", "old"), _swap_gin("old", "new")),
        migrations.RunPython(_remake_fts("new"), _remake_fts("old"), atomic=True),
    ]
