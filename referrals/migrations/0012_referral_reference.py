"""Referral.reference: stored, unique and indexed (issue 14).

Until now the reference was worked out from the referral's id each time it was shown, so
each existing referral is given exactly that one (`referrals.references.reference_for`):
what people were told stays valid. The column is added empty, filled in batches of ids
(one UPDATE a batch on PostgreSQL; never the whole table in memory), then made required
and unique. References two existing referrals shared (possible: 40 bits) stay with the one
made first; each later one gets the longer form, which begins with the same eight
characters, so a search for what they were told still finds it.
"""

from django.db import migrations, models
from django.db.models import Count

from referrals.references import LONGER, LONGEST, reference_for

BATCH = 5000


def fill_references(Referral, connection, batch_size: int = BATCH) -> dict:
    """Give every referral without a reference the one made from its id; then lengthen
    all but the first of any that came out alike. Returns what it did."""
    quote = connection.ops.quote_name
    table, pk = quote(Referral._meta.db_table), Referral._meta.pk
    column = quote(Referral._meta.get_field("reference").column)
    if connection.vendor == "postgresql":
        # One statement a batch (about three times as fast as a statement a row).
        sql = (
            f"UPDATE {table} AS r SET {column} = v.reference "
            "FROM unnest(%s::uuid[], %s::varchar[]) AS v(id, reference) "
            f"WHERE r.{quote(pk.column)} = v.id"
        )
    else:
        sql = f"UPDATE {table} SET {column} = %s WHERE {quote(pk.column)} = %s"
    empty = Referral.objects.filter(reference__isnull=True).order_by("pk")
    filled, batches, last = 0, 0, None
    while True:
        ids = list(
            (empty.filter(pk__gt=last) if last else empty).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(sql, [ids, [reference_for(i) for i in ids]])
            else:
                cursor.executemany(
                    sql, [(reference_for(i), pk.get_db_prep_value(i, connection)) for i in ids]
                )
        filled, batches, last = filled + len(ids), batches + 1, ids[-1]
    # References that came out alike: rare (about one pair in a million and a half), so
    # these are a handful of rows, read with one scan each for the rows and for the longer
    # forms already taken (the column has no index until the constraint below).
    shared = list(
        Referral.objects.filter(reference__isnull=False)
        .values("reference")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("reference", flat=True)
    )
    rows = Referral.objects.filter(reference__in=shared).order_by("reference", "created_at", "pk")
    later, seen = [], set()
    for pk_value, reference in rows.values_list("pk", "reference"):
        if reference in seen:
            later.append(pk_value)  # the first made keeps it
        seen.add(reference)
    forms = {i: [reference_for(i, LONGER), reference_for(i, LONGEST)] for i in later}
    used = set(
        Referral.objects.filter(
            reference__in=[f for both in forms.values() for f in both]
        ).values_list("reference", flat=True)
    )
    lengthened = []
    for i in later:
        longer = next((f for f in forms[i] if f not in used), None)
        if longer is None:  # pragma: no cover - two ids alike in their last 80 bits
            raise RuntimeError(f"Referral {i}: no unused reference")
        used.add(longer)
        Referral.objects.filter(pk=i).update(reference=longer)
        lengthened.append(i)
    if connection.vendor == "postgresql":
        # A row changed twice in one transaction leaves its (deferred) foreign-key checks
        # waiting for the commit, and PostgreSQL alters no table with checks waiting: run
        # them now. (This transaction only; no key changed, so they pass.)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return {"filled": filled, "batches": batches, "lengthened": lengthened}


def forwards(apps, schema_editor):
    fill_references(apps.get_model("referrals", "Referral"), schema_editor.connection, BATCH)


class Migration(migrations.Migration):
    lock_review = (
        "Expand then contract in one release, on purpose: the column is added nullable, "
        "filled in batches of 5,000, then made unique and not null, which holds a write "
        "lock on referrals while the index builds (500,000 rows: 1 min 45 s on a busy "
        "2-core machine). Installations with millions of referrals run it in a "
        "maintenance window (docs/migrations.md)."
    )
    dependencies = [
        ("referrals", "0011_possible_duplicates"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="reference",
            field=models.CharField(editable=False, max_length=19, null=True),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="referral",
            name="reference",
            field=models.CharField(editable=False, max_length=19),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                fields=("reference",), name="referral_reference_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(("reference", ""), _negated=True),
                name="referral_reference_not_blank",
            ),
        ),
    ]
