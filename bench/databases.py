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


# With DEBUG off the settings refuse a short secret key (check --deploy): 50+ characters.
BENCH_SECRET_KEY = "bench-only-secret-never-used-outside-a-benchmark-0123456789"


def production_env(database_url: str, *, hosts: str = "127.0.0.1,localhost,testserver") -> dict:
    """The environment a benchmark runs the app in: production settings (DEBUG off, no
    non-production helpers) on `database_url`, connections kept as a deployment keeps them."""
    import os

    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", BENCH_SECRET_KEY),
        DJANGO_ALLOWED_HOSTS=hosts,
        LINKWORK_NONPROD="0",
        DATABASE_CONN_MAX_AGE="60",
    )
