"""Coded reasons for referral → needs, for every ServiceRequest: kept in each process for a
few minutes rather than read on every request. The table is reference data, changed by
migrations (a deploy restarts the processes) and rarely by hand: a change made in this
process (a save, a delete, a migration or a test database flush) is seen at once, and other
processes see it within CACHE_SECONDS."""

from time import monotonic

from api.fhir.models import ReasonMapping

CACHE_SECONDS = 300
_EMPTY: tuple[float, dict] = (float("-inf"), {})
_cache = _EMPTY


def reason_map() -> dict[tuple[str, str], list]:
    """(system, code) → the needs it maps to, in the table's order."""
    global _cache
    loaded_at, found = _cache
    if monotonic() - loaded_at > CACHE_SECONDS:
        found = {}
        for mapping in ReasonMapping.objects.select_related("need").order_by("pk"):
            found.setdefault((mapping.system, mapping.code), []).append(mapping.need)
        _cache = (monotonic(), found)
    return found


def forget(*args, **kwargs) -> None:
    """Read the table again next time (a signal receiver, hence the arguments)."""
    global _cache
    _cache = _EMPTY
