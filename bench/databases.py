"""The database a benchmark runs on: a SQLite file in /tmp, or a PostgreSQL database named
after the one in DATABASE_URL with the size appended (made afresh unless reused)."""

import urllib.parse
from pathlib import Path


def fresh_database(database_url: str, size: int, *, sqlite_path: str, reuse: bool = False) -> str:
    """The URL of an empty database for `size` (with `reuse`, the one left by the last run
    of that size, if there is one). `sqlite_path` has `{size}` where the size goes."""
    if not database_url:
        path = Path(sqlite_path.format(size=size))
        if not (reuse and path.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    parsed = urllib.parse.urlparse(database_url)
    name = f"{parsed.path.lstrip('/')}_{size}"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()
