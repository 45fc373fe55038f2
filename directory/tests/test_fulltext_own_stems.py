"""The databases' full-text indexes hold our stems as they are (directory/fulltext.py):
no stop list or stemmer of their own, on SQLite and on PostgreSQL alike. Run with
DATABASE_URL set to PostgreSQL, these tests run there (none is skipped on it)."""

import importlib
import sqlite3

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from directory import fulltext
from directory import text as lexicon
from directory.models import SearchDocument
from directory.search import Query, search
from tests import factories

migration = importlib.import_module("directory.migrations.0012_fulltext_own_stems")


def names(result):
    return [m.name for m in result.matches]


def listing(area, name, description):
    return factories.activity(area=area, name=name, needs=(), description=description)


@pytest.mark.django_db
@pytest.mark.parametrize("words", ["wills", "will writing", "Writing a will"])
def test_a_listing_about_wills_is_found_by_its_words(area, words):
    # "will" is one of PostgreSQL's 'english' stop words: that index never held it.
    listing(area, "Legal advice drop-in", "Help to write wills")
    listing(area, "Knit and natter", "Knitting and a cup of tea")
    assert names(search(Query(text=words))) == ["Legal advice drop-in"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("words", "found"),
    [
        # 'english' drops "now" and "up" (our stop list has "up" but not "now"): a stem
        # our tokenizer keeps is a stem the index has.
        ("open now", "Open now cafe"),
        # 'english' and porter both cut "universiti" and "universal" to one stem, and
        # porter "refuge" and "refugee"; ours keep them apart, and so must the index.
        ("university", "University of the Third Age"),
        ("universal credit", "Universal Credit claims"),
        ("refugee", "Refugee welcome"),
        ("refuge", "Refuge from domestic abuse"),
    ],
)
def test_stems_the_databases_would_drop_or_merge_match_as_ours_do(area, words, found):
    listing(area, "Open now cafe", "A warm space, open now every weekday")
    listing(area, "University of the Third Age", "Learning for retired people")
    listing(area, "Universal Credit claims", "Benefit claims, step by step")
    listing(area, "Refugee welcome", "Meet other refugees and asylum seekers")
    listing(area, "Refuge from domestic abuse", "A safe place to stay")
    listing(area, "Knit and natter", "Knitting and a cup of tea")
    keys = fulltext.matching_keys(lexicon.tokens(words))
    by_key = dict(SearchDocument.objects.values_list("key", "service__name"))
    assert sorted(by_key[k] for k in keys) == [found]
    assert names(search(Query(text=words)))[:1] == [found]


@pytest.mark.django_db
def test_words_with_marks_reach_the_index_whole(area):
    # A stem of a word with marks (Devanagari vowel signs) is a stem: the query keeps it.
    listing(area, "हिन्दी बातचीत", "हिन्दी में बातचीत")
    listing(area, "Knit and natter", "Knitting and a cup of tea")
    assert names(search(Query(text="हिन्दी"))) == ["हिन्दी बातचीत"]


@pytest.mark.django_db
def test_the_index_holds_exactly_the_stems_of_a_listing(area):
    service = listing(area, "Others welcome", "Quit smoking: now, or lately? Ø̈ हिन्दी 5 a side")
    document = SearchDocument.objects.get(service=service)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT array(SELECT lexeme FROM unnest(to_tsvector('simple', body))) "
                "FROM directory_searchdocument WHERE key = %s",
                [document.key],
            )
            indexed = cursor.fetchone()[0]
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING "
                f"fts5vocab(main, {fulltext.FTS_TABLE}, 'instance')"
            )
            cursor.execute(
                "SELECT term FROM temp.fts_terms WHERE doc = %s AND col = 'body'",
                [document.key],
            )
            indexed = [row[0] for row in cursor.fetchall()]
    assert sorted(set(indexed)) == sorted(set(document.body.split()))
    assert {"quit", "now", "other"} <= set(indexed)


def _fts5_terms(text: str) -> list[str]:
    db = sqlite3.connect(":memory:")
    db.execute(fulltext.CREATE_SQL["sqlite"])
    db.execute(f"CREATE VIRTUAL TABLE terms USING fts5vocab({fulltext.FTS_TABLE}, 'instance')")
    db.execute(f"INSERT INTO {fulltext.FTS_TABLE} (rowid, body, cells) VALUES (1, ?, '')", [text])
    return [row[0] for row in db.execute("SELECT term FROM terms ORDER BY offset")]


@given(st.text(max_size=60))
def test_fts5_terms_are_our_stems_whatever_the_text(value):
    # No folding, splitting or stemming of its own: any text's stems are FTS5's terms.
    stems = lexicon.tokens(value)
    assert _fts5_terms(" ".join(stems)) == stems


def _terms(tokenizer: str, text: str) -> list[str]:
    db = sqlite3.connect(":memory:")
    db.execute(f'CREATE VIRTUAL TABLE f USING fts5(body, tokenize="{tokenizer}")')
    db.execute("CREATE VIRTUAL TABLE terms USING fts5vocab(f, 'instance')")
    db.execute("INSERT INTO f (rowid, body) VALUES (1, ?)", [text])
    return [row[0] for row in db.execute("SELECT term FROM terms ORDER BY offset")]


def test_fts5_defaults_would_not_keep_our_stems():
    # Why the tokenizer is spelt out: unicode61 by default splits at marks, and folds
    # diacritics our normalising keeps (on letters other than a to z).
    stems = lexicon.tokens("हिन्दी sø̈n søn")
    assert len(stems) == 3
    assert _terms(fulltext.FTS_TOKENIZER, " ".join(stems)) == stems
    assert _terms("unicode61", stems[0]) != stems[:1]
    assert _terms("unicode61 categories 'L* N* M*'", " ".join(stems[1:])) == ["søn", "søn"]


def test_the_migration_builds_the_index_the_engine_queries():
    # PostgreSQL only uses an expression index when the query repeats the expression.
    assert migration.create_gin("new") == fulltext.CREATE_SQL["postgresql"]
    assert f"USING GIN ({fulltext.PG_VECTOR})" in fulltext.CREATE_SQL["postgresql"]
    assert migration.GIN["new"][0] == fulltext.GIN_INDEX
    assert migration.FTS["new"] == fulltext.CREATE_SQL["sqlite"]
    assert "'english'" not in fulltext.PG_VECTOR and "porter" not in fulltext.CREATE_SQL["sqlite"]
    assert migration.Migration.atomic is False


def _run_migration(forwards: bool):
    operations = migration.Migration.operations
    for operation in operations if forwards else reversed(operations):
        code = operation.code if forwards else operation.reverse_code
        with connection.schema_editor(atomic=False) as editor:
            code(apps, editor)


def _text_index() -> tuple[str, int]:
    """The definition of the text index the database has, and how many rows it holds."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT string_agg(indexdef, ';') FROM pg_indexes "
                "WHERE tablename = 'directory_searchdocument' AND indexdef LIKE '%%gin%%'"
            )
            definition = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT count(*) FROM directory_searchdocument WHERE {fulltext.PG_VECTOR} "
                "@@ to_tsquery('simple', 'will')"
            )
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [fulltext.FTS_TABLE])
            definition = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT count(*) FROM {fulltext.FTS_TABLE} WHERE {fulltext.FTS_TABLE} "
                "MATCH 'body : will'"
            )
        return definition, cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_and_forth_keeping_the_documents(area):
    # CREATE INDEX CONCURRENTLY cannot run in the test's transaction: this one commits.
    listing(area, "Legal advice drop-in", "Help to write wills")
    listing(area, "Will writing week", "Free wills for over 55s")
    try:
        _run_migration(forwards=False)
        old, found = _text_index()
        assert "english" in old or "porter" in old
        assert found == 2  # the old index is filled too (porter keeps "will")
        if connection.vendor == "postgresql":
            assert fulltext.GIN_INDEX not in old
        _run_migration(forwards=True)
        new, found = _text_index()
        assert "english" not in new and "porter" not in new
        assert found == 2
        if connection.vendor == "postgresql":
            assert new.count("CREATE INDEX") == 1 and fulltext.GIN_INDEX in new
        else:
            assert new == fulltext.CREATE_SQL["sqlite"].replace(" IF NOT EXISTS", "")
        assert names(search(Query(text="wills"))) != []
    finally:
        _run_migration(forwards=True)  # leave the database as the migrations make it
        fulltext.clear()  # the flush after this test empties tables, not the FTS5 table
