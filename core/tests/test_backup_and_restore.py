"""A running installation is backed up (`manage.py backup_database`) while another thread
keeps writing, restored into a fresh database as docs/backups.md says, and everything is
there: every referral, event and audit row committed before the backup began, an audit chain
that verifies, and the search index and Figures rebuilt by their commands. SQLite is backed
up with its online backup API; PostgreSQL with pg_dump and restored with pg_restore. The
restored copy is checked by linkwork itself, in a new process pointed at it, running the
commands an operator runs after a restore."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from casework.actions import discharge_case
from core import audit_chain
from core.models import AuditEvent
from referrals.models import DischargeReason, Referral, ReferralEvent
from reporting import refresh
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
# One new process runs the commands docs/backups.md lists after a restore, then reads the
# restored rows back: starting Django once instead of once per command keeps this test quick.
READ_BACK = """
import io
import json
from django.core.management import call_command
from core.models import AuditEvent
from directory import fulltext
from directory.models import SearchDocument, Service
from referrals.models import Referral, ReferralEvent
from reporting.models import AreaMonthCell, ReferralFact
said = {}
for command in ("verify_audit_chain", "rebuild_search_index", "rebuild_facts"):
    out = io.StringIO()
    call_command(command, verbosity=0, stdout=out)
    said[command] = out.getvalue()
found = fulltext.matching_service_ids(["zanzibarcafe"])
print(json.dumps({
    "said": said,
    "referrals": sorted(str(pk) for pk in Referral.objects.values_list("pk", flat=True)),
    "events": sorted(str(pk) for pk in ReferralEvent.objects.values_list("pk", flat=True)),
    "audit": sorted(AuditEvent.objects.values_list("pk", flat=True)),
    "received_events": sorted(
        str(pk) for pk in ReferralEvent.objects.filter(kind="received").values_list(
            "referral_id", flat=True
        )
    ),
    "facts": ReferralFact.objects.count(),
    "cells": AreaMonthCell.objects.count(),
    "listings": Service.objects.count(),
    "documents": SearchDocument.objects.count(),
    "found": Service.objects.filter(id__in=found).count(),
}))
"""


def manage(database_url: str, *args: str) -> str:
    """Run a manage.py command in a new process against another database."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url, "DATABASE_REPLICA_URL": ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def installation(referrer, service, team_lead, link_worker, area, provider):
    """A little of everything, made through actions: referrals at each step, a discharge,
    listings in the search index, the Figures built, the audit trail sealed."""
    for name in ("Zanzibarcafe walking group", "Zanzibarcafe choir"):
        factories.activity(area=area, name=name, owner=provider.organisation)
    made = [factories.referral(by=referrer, service=service) for _ in range(4)]
    active = factories.allocate(made[0], by=team_lead, worker=link_worker)
    factories.contact(active, by=link_worker)
    active.refresh_from_db()
    discharge_case(
        by=link_worker,
        referral=active,
        version=active.version,
        reason=DischargeReason.objects.get(code="goals-met"),
    )
    refresh.rebuild_all()
    audit_chain.seal_pending()


class Writer(threading.Thread):
    """Keeps making referrals, each in its own transaction, until stopped."""

    def __init__(self, referrer, service):
        super().__init__(daemon=True)
        self.referrer, self.service = referrer, service
        self.stop, self.started_writing = threading.Event(), threading.Event()
        self.made, self.error = 0, None

    def run(self):
        try:
            while not self.stop.is_set():
                factories.referral(by=self.referrer, service=self.service)
                self.made += 1
                self.started_writing.set()
        except Exception as error:  # reported by the test
            self.error = error
            self.started_writing.set()
        finally:
            connection.close()


def snapshot() -> dict:
    return {
        "referrals": {str(pk) for pk in Referral.objects.values_list("pk", flat=True)},
        "events": {str(pk) for pk in ReferralEvent.objects.values_list("pk", flat=True)},
        "audit": set(AuditEvent.objects.values_list("pk", flat=True)),
    }


def back_up_while_writing(path: Path, referrer, service) -> tuple[dict, dict, int]:
    writer = Writer(referrer, service)
    writer.start()
    assert writer.started_writing.wait(60)
    before = snapshot()  # committed before the backup began
    call_command("backup_database", str(path), verbosity=0)
    writer.stop.set()
    writer.join(60)
    assert writer.error is None, writer.error
    return before, snapshot(), writer.made


def check_restored(database_url: str, before: dict, after: dict) -> dict:
    restored = json.loads(manage(database_url, "shell", "-c", READ_BACK).strip().splitlines()[-1])
    assert "Audit chain intact" in restored["said"]["verify_audit_chain"]
    assert "Indexed 2 listings" in restored["said"]["rebuild_search_index"]
    assert "Facts for" in restored["said"]["rebuild_facts"]
    for kind in ("referrals", "events", "audit"):
        got = set(restored[kind])
        assert before[kind] <= got, f"{len(before[kind] - got)} {kind} lost"
        assert got <= after[kind], f"{kind} in the backup that never were"
    # A consistent snapshot: a referral written during the backup is there whole or not at all.
    assert set(restored["referrals"]) == set(restored["received_events"])
    assert restored["facts"] == len(restored["referrals"]) and restored["cells"] > 0
    assert restored["documents"] == restored["listings"] == restored["found"] == 2
    return restored


@pytest.mark.django_db(transaction=True)
def test_sqlite_backs_up_online_while_written_and_restores_whole(
    installation, referrer, service, tmp_path
):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup (this run is on PostgreSQL: see the test below)")
    backup = tmp_path / "linkwork.sqlite3"
    before, after, written = back_up_while_writing(backup, referrer, service)
    assert written > 0
    # Restore: the backup file, copied into place as the database (docs/backups.md).
    fresh = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, fresh)
    check_restored(f"sqlite:///{fresh}", before, after)


@pytest.mark.django_db(transaction=True)
def test_postgresql_backs_up_with_pg_dump_and_restores_with_pg_restore(
    installation, referrer, service, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backup (set DATABASE_URL to a PostgreSQL database)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump and pg_restore must be on PATH to prove PostgreSQL backups")
    backup = tmp_path / "linkwork.dump"
    before, after, written = back_up_while_writing(backup, referrer, service)
    assert written > 0
    settings = connection.settings_dict
    fresh = f"{settings['NAME']}_restored_{os.getpid()}"
    env = {**os.environ, "PGHOST": settings["HOST"] or "", "PGPORT": str(settings["PORT"] or "")}
    env.update({"PGUSER": settings["USER"] or "", "PGPASSWORD": settings["PASSWORD"] or ""})

    def psql(sql):
        subprocess.run(["psql", "-d", "postgres", "-qc", sql], env=env, check=True)

    psql(f'DROP DATABASE IF EXISTS "{fresh}"')
    psql(f'CREATE DATABASE "{fresh}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh}", str(backup)],
            env=env,
            check=True,
            capture_output=True,
        )
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        url = f"postgres://{auth}@{settings['HOST']}:{settings['PORT'] or 5432}/{fresh}"
        check_restored(url, before, after)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_backup_never_overwrites_and_never_half_writes(tmp_path):
    existing = tmp_path / "already.bak"
    existing.write_text("yesterday's backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup_database", str(existing), verbosity=0)
    assert existing.read_text() == "yesterday's backup"
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("backup_database", str(tmp_path / "nowhere" / "x.bak"), verbosity=0)


@pytest.mark.django_db
def test_postgresql_without_pg_dump_is_refused_clearly(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs a PostgreSQL connection")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="pg_dump is not on PATH"):
        call_command("backup_database", str(tmp_path / "x.dump"), verbosity=0)
    assert list(tmp_path.iterdir()) == []
