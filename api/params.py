"""Parsing query parameters with errors that name the parameter and the rule, collected so
that one response lists every problem."""

from datetime import datetime, time
from uuid import UUID


class BadParameters(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['parameter']}: {e['message']}" for e in errors))
        self.errors = errors


class Params:
    def __init__(self):
        self.errors: list[dict] = []

    def fail(self, name, message):
        self.errors.append({"parameter": name, "message": message})

    def check(self):
        if self.errors:
            raise BadParameters(self.errors)

    def number(self, name, value, *, low, high, whole=False, default=None):
        if value in (None, ""):
            return default
        try:
            number = int(value) if whole else float(value)
        except ValueError:
            self.fail(name, f"must be a {'whole ' if whole else ''}number, not {value!r}")
            return default
        if not low <= number <= high:
            self.fail(name, f"must be between {low} and {high}")
            return default
        return number

    def boolean(self, name, value, default=False):
        if value in (None, ""):
            return default
        lowered = value.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        self.fail(name, f"must be true or false, not {value!r}")
        return default

    def clock(self, name, value):
        if value in (None, ""):
            return None
        try:
            return time.fromisoformat(value)
        except ValueError:
            self.fail(name, f"must be a time like 09:30, not {value!r}")
            return None

    def uuid(self, name, value):
        if value in (None, ""):
            return None
        try:
            return UUID(value)
        except ValueError:
            self.fail(name, f"must be an id (UUID), not {value!r}")
            return None

    def moment(self, name, value):
        if value in (None, ""):
            return None
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(name, f"must be a date or date-time like 2026-11-01T09:00:00Z, not {value!r}")
            return None
