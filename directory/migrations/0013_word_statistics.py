"""Word statistics of the search index (ADR 0011 §5, `directory.word_stats`): three new
tables, filled from the search documents there are, a batch at a time.

While this runs and until the old code stops, listings edited by the old code change their
documents without the statistics: df drifts by a few of thousands, which moves idf by a
hair, and `rebuild_search_index` counts it again exactly. The totals row says the documents
are version 1 (made before versions were kept), so `rebuild_search_index --if-outdated`,
run after `migrate` at deploy, makes them again with the new builder."""

from collections import Counter

from django.db import migrations, models

from core.batches import pages

BATCH = 2000
# word_stats.INDEX_VERSION of the documents stored before this migration.
VERSION_BEFORE = 1


def count_documents(apps, schema_editor):
    SearchDocument = apps.get_model("directory", "SearchDocument")
    WordStat = apps.get_model("directory", "WordStat")
    FieldLength = apps.get_model("directory", "FieldLength")
    WordTotals = apps.get_model("directory", "WordTotals")
    # The counts are held here (one entry per distinct stem: a few MB at 100,000
    # listings); the documents are read BATCH at a time by key.
    df: Counter = Counter()
    lengths: Counter = Counter()
    documents = 0
    for page in pages(SearchDocument.objects.only("key", "tokens"), size=BATCH):
        for document in page:
            documents += 1
            seen = set()
            for name, counts in (document.tokens or {}).items():
                lengths[name] += sum(counts.values())
                seen.update(counts)
            df.update(seen)
    stems = sorted(df)
    for start in range(0, len(stems), BATCH):
        WordStat.objects.bulk_create(
            WordStat(stem=s, df=df[s]) for s in stems[start : start + BATCH]
        )
    FieldLength.objects.bulk_create(FieldLength(field=f, total=t) for f, t in lengths.items() if t)
    WordTotals.objects.create(id=1, documents=documents, index_version=VERSION_BEFORE)


def forget_counts(apps, schema_editor):
    for name in ("WordStat", "FieldLength", "WordTotals"):
        apps.get_model("directory", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0012_fulltext_own_stems")]

    operations = [
        migrations.CreateModel(
            name="FieldLength",
            fields=[
                ("field", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("total", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("total__gte", 0)), name="field_length_total"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="WordStat",
            fields=[
                ("stem", models.TextField(primary_key=True, serialize=False)),
                ("df", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("df__gte", 0)), name="word_stat_df")
                ],
            },
        ),
        migrations.CreateModel(
            name="WordTotals",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("documents", models.BigIntegerField(default=0)),
                ("index_version", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name_plural": "word totals",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="word_totals_one_row"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("documents__gte", 0)), name="word_totals_documents"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("index_version__gte", 0)),
                        name="word_totals_index_version",
                    ),
                ],
            },
        ),
        migrations.RunPython(count_documents, forget_counts),
    ]
