"""The read replica (config/routers.py): the Figures pages read the Figures tables from it;
writes, and every other read, go to the primary.

The router is tested on its own, then end to end with a second database alias, "replica",
that is a test mirror of "default" (the same test database through its own connection, as
Django's TEST MIRROR setting makes it): the queries each connection runs show where each
read went. The alias exists only while this module's tests run."""

import copy
import re

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from config.routers import REPLICA, ReplicaRouter, reads_from_replica, replica_reads
from core.models import AuditEvent
from referrals.models import Referral
from reporting import refresh
from reporting.models import AreaMonthCell, RefreshState
from tests import factories

router = ReplicaRouter()


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """A "replica" alias for this module's tests: a mirror of the test database."""
    default = connections["default"].settings_dict
    replica = copy.deepcopy(default)
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default", "NAME": default["NAME"]}
    # (connections.settings is usually settings.DATABASES itself.)
    added = [settings.DATABASES]
    if connections.settings is not settings.DATABASES:
        added.append(connections.settings)
    assert all(REPLICA not in databases for databases in added)
    for databases in added:
        databases[REPLICA] = replica
    yield
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    for databases in added:
        del databases[REPLICA]


def sql_on(captured) -> list[str]:
    return [q["sql"].lower() for q in captured.captured_queries]


WRITE = re.compile(r"\s*(insert|update|delete)\b")


def touches_figures(sql: str) -> bool:
    return "reporting_" in sql


# The router alone


def test_reads_go_to_the_primary_outside_the_figures_pages():
    assert router.db_for_read(AreaMonthCell) == "default"
    assert router.db_for_read(Referral) == "default"


def test_figures_pages_read_figures_tables_from_the_replica():
    with replica_reads():
        assert router.db_for_read(AreaMonthCell) == REPLICA
        assert router.db_for_read(RefreshState) == REPLICA
        # Everything else the page reads (who is signed in, names) stays on the primary.
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Referral) == "default"
    assert router.db_for_read(AreaMonthCell) == "default"  # and only inside the block


def test_writes_never_go_to_the_replica():
    with replica_reads():
        assert router.db_for_write(AreaMonthCell) == "default"
        assert router.db_for_write(AuditEvent) == "default"


def test_without_a_replica_everything_reads_from_the_primary(monkeypatch):
    monkeypatch.delitem(settings.DATABASES, REPLICA)
    with replica_reads():
        assert router.db_for_read(AreaMonthCell) == "default"


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("default", "reporting") is True
    assert router.allow_migrate(REPLICA, "reporting") is False


def test_the_view_wrapper_reads_from_the_replica_only_while_the_view_runs():
    seen = []

    @reads_from_replica
    def view(request):
        seen.append(router.db_for_read(AreaMonthCell))
        raise RuntimeError("a failing view still leaves the block")

    with pytest.raises(RuntimeError):
        view(None)
    assert seen == [REPLICA]
    assert router.db_for_read(AreaMonthCell) == "default"


# End to end, with the replica a mirror of the test database


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_figures_page_reads_its_figures_from_the_replica_and_writes_to_the_primary(
    client, link_worker, referrer, service
):
    for _ in range(3):
        factories.referral(by=referrer, service=service)
    refresh.rebuild_all()
    client.force_login(link_worker)
    audit_rows = AuditEvent.objects.count()

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get(reverse("reporting:dashboard"))
        download = client.get(reverse("reporting:dashboard") + "?download=by-month")

    assert page.status_code == 200 and download.status_code == 200
    # The figures came through the replica's connection (same rows: it mirrors the primary)…
    assert "Total" in page.content.decode() and b"Total" in download.content
    assert any(touches_figures(sql) for sql in sql_on(on_replica))
    # …the primary read none of them, and the replica was only read.
    assert not [sql for sql in sql_on(on_primary) if touches_figures(sql)]
    assert not [sql for sql in sql_on(on_replica) if WRITE.match(sql)]
    # The download's audit row was written to the primary.
    assert AuditEvent.objects.count() == audit_rows + 1
    assert any("insert" in sql and "audit" in sql for sql in sql_on(on_primary))


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_figures_refresh_reads_and_writes_the_primary_only(referrer, service):
    factories.referral(by=referrer, service=service)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        refresh.rebuild_all()
        refresh.refresh()
    assert sql_on(on_replica) == []
    assert AreaMonthCell.objects.exists()
