"""The read replica: the Figures pages read the Figures tables from it.

When `DATABASE_REPLICA_URL` is set, settings add a "replica" database: a read-only copy of
"default" kept up to date by PostgreSQL's streaming replication. A view wrapped in
`reads_from_replica` (the Figures dashboards) reads the reporting app's tables (facts,
roll-up cells, caseload snapshots, the refresh state) from it, so those large aggregate
queries do not compete with casework on the primary. Everything else goes to "default":
every write (Django asks `db_for_write`, which never says "replica"), every other read in
those views (the user, the session, organisation names), and every read anywhere else, so
the Figures refresh that the worker runs reads what it has just written. The replica may be
a few seconds behind; the Figures are refreshed every 15 minutes and say when.

Without a replica every read goes to "default" and the wrapper changes nothing.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
# The apps whose tables the Figures pages may read from the replica.
REPLICA_APPS = {"reporting"}

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Inside this block, reads of the Figures tables go to the replica (if there is one)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def reads_from_replica(view):
    """A view whose reads of the Figures tables may be served by the replica."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
            and model._meta.app_label in REPLICA_APPS
            and replica_configured()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        # The replica follows the primary's schema through replication.
        return db != REPLICA
