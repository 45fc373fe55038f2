"""Copy a benchmark database from PostgreSQL into a new SQLite file, row for row, so both
engines are measured on exactly the same data (generating 1.5 million referrals twice takes
hours; copying takes minutes).

    uv run python bench/copy_database.py \\
        postgres://postgres@127.0.0.1:5432/linkwork_bench_1500000 \\
        /tmp/linkwork-reporting-bench-1500000.sqlite3

The SQLite file is created by the migrations, then every table the two share is emptied
and filled from PostgreSQL, with values stored as Django's SQLite backend stores them.
Benchmark data only: foreign keys are not checked while loading (PostgreSQL checked them).
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
BATCH = 20_000


def main(source: str, target: str) -> None:
    import psycopg

    path = Path(target)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{path}")
    _log(f"migrating {path}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    lite = sqlite3.connect(path, isolation_level=None)
    # CHECK constraints use REGEXP, which Django provides to its own connections.
    lite.create_function("REGEXP", 2, _regexp, deterministic=True)
    lite.execute("PRAGMA foreign_keys = OFF")
    lite.execute("PRAGMA journal_mode = OFF")
    lite.execute("PRAGMA synchronous = OFF")
    tables = [
        name
        for (name,) in lite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name != 'django_migrations'"
        )
    ]
    started = time.perf_counter()
    total = 0
    with psycopg.connect(source) as pg:
        pg_types = _pg_types(pg)
        for table in sorted(tables):
            if table not in pg_types:
                _log(f"{table}: not in PostgreSQL, left as migrated")
                continue
            columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")')]
            columns = [c for c in columns if c in pg_types[table]]
            convert = [_converter(pg_types[table][c]) for c in columns]
            names = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
            lite.execute("BEGIN")
            lite.execute(f'DELETE FROM "{table}"')
            rows = 0
            tick = time.perf_counter()
            with pg.cursor(name=f"copy_{table}") as cursor:
                cursor.itersize = BATCH
                cursor.execute(f'SELECT {names} FROM "{table}"')
                while batch := cursor.fetchmany(BATCH):
                    lite.executemany(
                        insert,
                        [
                            [
                                f(v) if v is not None else None
                                for f, v in zip(convert, row, strict=True)
                            ]
                            for row in batch
                        ],
                    )
                    rows += len(batch)
            lite.execute("COMMIT")
            total += rows
            if rows:
                seconds = time.perf_counter() - tick
                _log(f"{table}: {rows:,} rows in {seconds:.0f} s")
    lite.close()
    _log(f"copied {total:,} rows in {time.perf_counter() - started:.0f} s")


def _regexp(pattern, value) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def _pg_types(pg) -> dict:
    found: dict = {}
    for table, column, data_type in pg.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    ):
        found.setdefault(table, {})[column] = data_type
    return found


def _same(value):
    return value


def _converter(data_type: str):
    """Python values from psycopg, as Django's SQLite backend writes them."""
    if data_type == "uuid":
        return lambda v: v.hex if isinstance(v, UUID) else UUID(str(v)).hex
    if data_type.startswith("timestamp"):
        return lambda v: (v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v).isoformat(" ")
    if data_type == "date":
        return lambda v: v.isoformat() if isinstance(v, date) else v
    if data_type == "boolean":
        return int
    if data_type in ("json", "jsonb"):
        return json.dumps
    if data_type == "numeric":
        return lambda v: str(v) if isinstance(v, Decimal) else v
    if data_type == "interval":
        return lambda v: v // timedelta(microseconds=1)
    if data_type == "time without time zone":
        return lambda v: v.isoformat()
    if data_type == "inet":
        return str
    return _same


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
