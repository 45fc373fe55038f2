"""Referring yourself: finding your GP practice, turning plain words into needs, and spam
protection that excludes nobody (no CAPTCHA): a hidden field only bots fill, a minimum time
to fill the form, and a limit per network address."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils import timezone

from core.client_address import client_address
from directory import text as lexicon
from directory.search import synonyms
from geography.grid import Box
from geography.lookup import PostcodeError, bounding_box, distance_km, locate
from organisations.models import Organisation
from referrals.models import Need, SelfReferralAttempt

MIN_SECONDS = 4  # people take longer than this to fill the form; scripts do not
MAX_AGE = timedelta(hours=3)
PER_ADDRESS_PER_HOUR = 5
SALT = "self-referral-form"


def form_token() -> str:
    return signing.dumps(timezone.now().timestamp(), salt=SALT)


def too_fast_or_stale(token: str) -> str:
    """'' if the form was filled in a human time, else why not."""
    try:
        started = signing.loads(token or "", salt=SALT, max_age=MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        return "stale"
    except signing.BadSignature:
        return "forged"
    if timezone.now().timestamp() - float(started) < MIN_SECONDS:
        return "fast"
    return ""


def address_hash(request) -> str:
    # Kept only as a keyed hash, and only for an hour's counting.
    address = client_address(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def over_the_limit(request) -> bool:
    since = timezone.now() - timedelta(hours=1)
    return (
        SelfReferralAttempt.objects.filter(
            address_hash=address_hash(request), at__gte=since
        ).count()
        >= PER_ADDRESS_PER_HOUR
    )


def find_practices(text: str):
    """GP practices matching a name, town, postcode or ODS code."""
    words = [w for w in text.replace(",", " ").split() if len(w) > 1]
    if not words:
        return Organisation.objects.none()
    query = Q()
    for word in words:
        query &= (
            Q(name__icontains=word)
            | Q(postcode__istartswith=word)
            | Q(ods_code__iexact=word)
            | Q(pcn__name__icontains=word)
        )
    # A practice ODS lists as closed is not offered (organisations/ods.py).
    return Organisation.objects.filter(
        query, kind=Organisation.Kind.GP_PRACTICE, active=True
    ).order_by("name")


# Rings searched around a self-referrer's place, widening until a practice is found; a grid
# cell is about 5.5 km, so the first ring is a few cells and the last a few hundred.
NEAREST_PRACTICE_RINGS_KM = (3, 6, 12, 25, 50)
NEAREST_PRACTICE_MAX_KM = NEAREST_PRACTICE_RINGS_KM[-1]


def nearest_practice(postcode: str):
    """For someone not registered with a GP: the practice nearest their postcode, which
    decides the area (and so the service) their referral goes to; None if there is none
    within NEAREST_PRACTICE_MAX_KM (or the postcode is not known).

    Practices carry their place and grid cell (kept by `organisations.actions`), so this
    reads only the cells around the person, one widening ring at a time (one indexed query
    each, a handful in all, however many practices England has). A practice in a farther
    cell can be nearer than one in a nearer cell, so the search goes on until the ring's
    radius reaches the best distance found: every practice closer than that has been seen."""
    try:
        place = locate(postcode)
    except PostcodeError:
        return None
    practices = Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE, active=True)
    seen: set[int] = set()
    best = None  # (km, pk as text for a stable tie-break, pk)
    for radius in NEAREST_PRACTICE_RINGS_KM:
        box = Box.around(*bounding_box(place.latitude, place.longitude, radius))
        ring = set(box.cells()) - seen
        seen |= ring
        for pk, lat, lon in practices.filter(cell__in=sorted(ring)).values_list(
            "pk", "latitude", "longitude"
        ):
            km = distance_km(place.latitude, place.longitude, lat, lon)
            if km <= NEAREST_PRACTICE_MAX_KM and (best is None or (km, str(pk)) < best[:2]):
                best = (km, str(pk), pk)
        # The box holds every point within `radius`, so nothing unseen is nearer than this.
        if best is not None and best[0] <= radius:
            break
    return practices.get(pk=best[2]) if best else None


PLAIN_NEEDS = {
    "loneliness": "I feel lonely or cut off from people",
    "anxiety": "I feel anxious, worried or stressed",
    "low-mood": "I feel low or down",
    "new-parent": "I'm finding things hard since having a baby",
    "mental-health-crisis": "I'm getting back on my feet after a mental health crisis",
    "long-term-condition": "I'm living with a long-term illness or pain",
    "physical-activity": "I'd like to be more active",
    "money-debt": "I'm worried about money, bills or debt",
    "housing": "I have problems with where I live",
    "carer": "I look after someone and need support",
    "bereavement": "Someone close to me has died",
}


def needs_from_words(text: str) -> list[Need]:
    codes = lexicon.expand_query(text, synonyms()).needs
    return list(Need.objects.filter(code__in=codes))
