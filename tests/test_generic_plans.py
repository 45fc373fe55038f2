"""Lookups on every FHIR referral keep their index in a prepared statement's generic plan.

With values bound on the server (docs/operations.md, "Database connections"), PostgreSQL
may plan a statement once for any values. Such a plan cannot see into `= $1`, so it cannot
use a partial index whose condition depends on the value (`referral_referred_nhs_number`,
WHERE referred_nhs_number <> ''): the open-referral check then read every open referral of
the service, a cost that grew with each referral (bench/README.md).
"""

import re

import pytest
from django.db import connection

from referrals.actions import _by_nhs_number, _open_referrals_query
from tests import factories


def _generic_plan(queryset) -> str:
    import psycopg

    sql, params = queryset.query.sql_with_params()
    numbered = iter(range(1, len(params) + 1))
    sql = re.sub(r"%s", lambda _: f"${next(numbered)}", sql)
    connection.ensure_connection()
    # A client-side cursor: PREPARE's own $1… must reach the server as text, not be taken
    # for parameters of the statement that carries it.
    with psycopg.ClientCursor(connection.connection) as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        # As on a busy service: reading the whole table is never the cheap way.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE linkwork_plan AS {sql}")
        try:
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(
                f"EXPLAIN EXECUTE linkwork_plan({placeholders})", [str(p) for p in params]
            )
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE linkwork_plan")


@pytest.mark.django_db
def test_the_open_referral_check_by_nhs_number_uses_its_index_in_a_generic_plan():
    if connection.vendor != "postgresql":
        pytest.skip("generic plans are PostgreSQL's")
    area = factories.area()
    service = factories.service(area)
    plan = _generic_plan(_open_referrals_query(service, _by_nhs_number("9434765919")))
    assert "referral_referred_nhs_number" in plan, plan
