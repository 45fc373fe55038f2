"""Which social prescribing service a referral goes to.

A referral from (or for a person registered with) a GP practice goes to the area's active
link-worker service whose coverage names that practice; failing that, one whose coverage
names the practice's PCN. Where the area has only one active service, or none of its active
services records any coverage (the demo, small areas, an area not yet set up), that service
-- the oldest -- takes everything, as before coverage existed. Where several services cover
the same practice, the one naming the practice itself wins over one naming only its PCN,
then by name (then age), so the same referral always lands in the same place.

A referral that no coverage matches in an area with several services (a practice nobody
listed, a referring partner with no practice, a closed practice) is never refused for it:
it goes to the area's oldest active service -- the one that took every referral before there
were several -- and a warning is logged so that the area's administrator can fix the
coverage. Its team triages it like any other and can decline it as the wrong service.

Closed (inactive) services are never chosen; a closed practice's coverage is not used (its
records are stale), so its referrals take the fallback. The area's services and their
coverage are read at most once a minute per process (below); routing itself reads nothing."""

import copy
import logging
from collections import defaultdict
from dataclasses import dataclass
from time import monotonic

from organisations.models import Organisation

logger = logging.getLogger(__name__)

_CoversPractice = Organisation.covers_practices.through
_CoversPcn = Organisation.covers_pcns.through


@dataclass(frozen=True)
class Route:
    """Where a referral goes, and by which rule (for logs and tests)."""

    service: Organisation | None
    # "practice", "pcn": coverage matched; "only": the area's one service, or no service
    # records coverage; "fallback": several services and none covers it; "none": no
    # active service in the area.
    rule: str


@dataclass(frozen=True)
class _Candidate:
    service: Organisation
    practice_ids: frozenset
    pcn_ids: frozenset

    @property
    def has_coverage(self) -> bool:
        return bool(self.practice_ids or self.pcn_ids)


# An area's active services and what each covers, kept in each process for a minute rather
# than read for every referral (the FHIR API's busiest path). A change made in this process
# (a save, a delete, coverage set, a migration or a test flush) is seen at once; other
# processes see it within CACHE_SECONDS (docs/go-live.md says so).
CACHE_SECONDS = 60
_MAX_AREAS = 1000
_cache: dict = {}


def _candidates(area_id) -> tuple[_Candidate, ...]:
    """The area's active link-worker services, oldest first, with their coverage."""
    hit = _cache.get(area_id)
    if hit is not None and monotonic() - hit[0] <= CACHE_SECONDS:
        return hit[1]
    services = list(
        Organisation.objects.filter(
            area_id=area_id, kind=Organisation.Kind.LINK_WORKER_SERVICE, active=True
        ).order_by("created_at", "pk")
    )
    practices, pcns = defaultdict(set), defaultdict(set)
    if len(services) > 1:  # one service takes everything: its coverage does not matter
        ids = [s.pk for s in services]
        for service_id, practice_id in _CoversPractice.objects.filter(
            from_organisation_id__in=ids
        ).values_list("from_organisation_id", "to_organisation_id"):
            practices[service_id].add(practice_id)
        for service_id, pcn_id in _CoversPcn.objects.filter(organisation_id__in=ids).values_list(
            "organisation_id", "primarycarenetwork_id"
        ):
            pcns[service_id].add(pcn_id)
    found = tuple(
        _Candidate(s, frozenset(practices[s.pk]), frozenset(pcns[s.pk])) for s in services
    )
    if len(_cache) >= _MAX_AREAS:
        _cache.clear()
    _cache[area_id] = (monotonic(), found)
    return found


def forget(*args, **kwargs) -> None:
    """Read the services and their coverage again next time (a signal receiver)."""
    _cache.clear()


def route_referral(*, area_id, practice: Organisation | None = None) -> Route:
    """The service for a referral in `area_id` from, or for someone registered with,
    `practice` (None when there is no practice: a referring partner, say)."""
    if practice is not None and (
        practice.kind != Organisation.Kind.GP_PRACTICE or practice.area_id != area_id
    ):
        practice = None
    usable = practice is not None and practice.active
    candidates = _candidates(area_id)
    if not candidates:
        return Route(None, "none")
    oldest = candidates[0]
    if len(candidates) == 1 or not any(c.has_coverage for c in candidates):
        return _route(oldest, "only")
    if usable:
        for rule, covers in (
            ("practice", lambda c: practice.pk in c.practice_ids),
            ("pcn", lambda c: practice.pcn_id is not None and practice.pcn_id in c.pcn_ids),
        ):
            covering = [c for c in candidates if covers(c)]
            if covering:
                # Stable: by name, then the oldest (candidates are already oldest first).
                return _route(min(covering, key=lambda c: c.service.name), rule)
    logger.warning(
        "No link-worker service's coverage includes %s in area %s: referral sent to %s, "
        "the area's oldest service. Check the services' practices and PCNs.",
        _describe(practice),
        area_id,
        oldest.service.name,
    )
    return _route(oldest, "fallback")


def _route(candidate: _Candidate, rule: str) -> Route:
    # A copy: the cached instance is shared by every request (and thread) of this process.
    return Route(copy.copy(candidate.service), rule)


def service_for(referrer: Organisation) -> Organisation | None:
    """The service for a referral sent by `referrer`, or for a person registered with it
    (a GP practice: a self-referral's practice, a practice referring by form, FHIR or CSV).
    Any other kind of referrer has no practice of its own, so its area decides."""
    return route_referral(area_id=referrer.area_id, practice=referrer).service


def service_for_area(area_id) -> Organisation | None:
    """The service for a referral known only by its area (no practice)."""
    return route_referral(area_id=area_id).service


def _describe(practice: Organisation | None) -> str:
    if practice is None:
        return "a referral with no GP practice"
    closed = "" if practice.active else " (closed)"
    return f"practice {practice.ods_code or practice.pk}{closed}"
