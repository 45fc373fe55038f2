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
records are stale), so its referrals take the fallback. All of it is one query."""

import logging
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Value

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


def route_referral(*, area_id, practice: Organisation | None = None) -> Route:
    """The service for a referral in `area_id` from, or for someone registered with,
    `practice` (None when there is no practice: a referring partner, say)."""
    if practice is not None and (
        practice.kind != Organisation.Kind.GP_PRACTICE or practice.area_id != area_id
    ):
        practice = None
    usable = practice is not None and practice.active
    has_coverage = Exists(
        _CoversPractice.objects.filter(from_organisation=OuterRef("pk"))
    ) | Exists(_CoversPcn.objects.filter(organisation=OuterRef("pk")))
    if usable:
        names_practice = Exists(
            _CoversPractice.objects.filter(
                from_organisation=OuterRef("pk"), to_organisation_id=practice.pk
            )
        )
        names_pcn = Exists(
            _CoversPcn.objects.filter(
                organisation=OuterRef("pk"), primarycarenetwork_id=practice.pcn_id
            )
        )
    else:
        names_practice = names_pcn = Value(False)
    services = Organisation.objects.filter(
        area_id=area_id, kind=Organisation.Kind.LINK_WORKER_SERVICE, active=True
    ).annotate(has_coverage=has_coverage, names_practice=names_practice, names_pcn=names_pcn)
    # An area has a handful of services: read them all at once and decide here.
    candidates = list(services.order_by("created_at", "pk"))
    if not candidates:
        return Route(None, "none")
    oldest = candidates[0]
    if len(candidates) == 1 or not any(s.has_coverage for s in candidates):
        return Route(oldest, "only")
    if usable:
        for rule, covers in (("practice", "names_practice"), ("pcn", "names_pcn")):
            covering = [s for s in candidates if getattr(s, covers)]
            if covering:
                # Stable: by name, then the oldest (candidates are already oldest first).
                return Route(min(covering, key=lambda s: s.name), rule)
    logger.warning(
        "No link-worker service's coverage includes %s in area %s: referral sent to %s, "
        "the area's oldest service. Check the services' practices and PCNs.",
        _describe(practice),
        area_id,
        oldest.name,
    )
    return Route(oldest, "fallback")


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
