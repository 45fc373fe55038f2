"""Back up the running database to a file (docs/backups.md).

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`), which copies a consistent
snapshot while the app keeps reading and writing, then checks the copy's integrity.
PostgreSQL: `pg_dump --format=custom` (restore with `pg_restore`), which reads one
consistent snapshot without stopping anyone. Any other database, or PostgreSQL without
`pg_dump` on PATH, is refused: a backup that did not happen must never look as if it did."""

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections


class Command(BaseCommand):
    help = (
        "Back up the database to PATH while linkwork runs: SQLite with its online backup "
        "API, PostgreSQL with pg_dump's custom format (restore with pg_restore)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write (refused if it exists).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, database, **options):
        target = Path(path).resolve()
        if target.exists():
            raise CommandError(f"{target} already exists: choose a new file for each backup.")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder.")
        connection = connections[database]
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if connection.vendor == "sqlite":
                size = self._sqlite(connection, partial)
            elif connection.vendor == "postgresql":
                size = self._postgresql(connection, partial)
            else:
                raise CommandError(
                    f"backup_database cannot back up a {connection.vendor} database: use that "
                    "database's own tools."
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.rename(target)  # a file at PATH is always a whole backup
        self.stdout.write(f"Backed up {connection.vendor} to {target} ({size:,} bytes).")

    def _sqlite(self, connection, partial: Path) -> int:
        name = connection.settings_dict["NAME"]
        if not name or str(name) == ":memory:" or "mode=memory" in str(name):
            raise CommandError("The database is in memory: there is no file to back up.")
        connection.ensure_connection()
        copy = sqlite3.connect(partial)
        # The integrity check tests CHECK constraints, some of which use Django's REGEXP.
        copy.create_function("REGEXP", 2, _regexp, deterministic=True)
        try:
            # One step: a consistent snapshot, however much is written meanwhile (in WAL
            # mode writers carry on; a copy made in steps would restart at each write).
            connection.connection.backup(copy)
            problems = copy.execute("PRAGMA integrity_check").fetchall()
        finally:
            copy.close()
        if problems != [("ok",)]:
            raise CommandError(f"The copy failed its integrity check: {problems[:5]}")
        return partial.stat().st_size

    def _postgresql(self, connection, partial: Path) -> int:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise CommandError(
                "pg_dump is not on PATH. Install the PostgreSQL client tools of the server's "
                "major version (on Debian: apt-get install postgresql-client), or back up with "
                "your database service's own backups (docs/backups.md)."
            )
        settings = connection.settings_dict
        env = {**os.environ}
        for key, variable in (
            ("HOST", "PGHOST"),
            ("PORT", "PGPORT"),
            ("USER", "PGUSER"),
            ("PASSWORD", "PGPASSWORD"),
        ):
            if settings.get(key):
                env[variable] = str(settings[key])
        for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
            if settings.get("OPTIONS", {}).get(option):
                env[variable] = str(settings["OPTIONS"][option])
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", settings["NAME"]],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        return partial.stat().st_size


def _regexp(pattern, value) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None
