"""Postcode → latitude/longitude, offline. Full postcodes where the ONS Postcode Directory
is installed, falling back to the sector, then the district centroid."""

import math
import re
from dataclasses import dataclass

from geography.models import Postcode

OUTWARD_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)$")
FULL_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9])([A-Z]{2})$")
EARTH_RADIUS_KM = 6371.0088


class PostcodeError(ValueError):
    """A postcode that is malformed or not known. The message can be shown as it is."""


@dataclass(frozen=True)
class Place:
    postcode: str
    latitude: float
    longitude: float
    precision: str


def parse(text: str) -> tuple[str, str | None, str | None]:
    """(outward, sector, full) in normalised form; outward alone is allowed ("NN12")."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if not compact:
        raise PostcodeError("Enter a postcode, like NN12 6AB or NN12")
    full = FULL_RE.match(compact)
    if full:
        outward, sector_digit, unit = full.groups()
        return outward, f"{outward} {sector_digit}", f"{outward} {sector_digit}{unit}"
    if OUTWARD_RE.match(compact):
        return compact, None, None
    raise PostcodeError(f"'{text.strip()}' is not a postcode. Enter one like NN12 6AB or NN12")


def locate(text: str) -> Place:
    outward, sector, full = parse(text)
    candidates = [c for c in (full, sector, outward) if c]
    found = {p.code: p for p in Postcode.objects.filter(code__in=candidates)}
    for code in candidates:
        if code in found:
            place = found[code]
            return Place(full or outward, place.latitude, place.longitude, place.precision)
    raise PostcodeError(
        f"We do not know where {full or outward} is. Check it, or try the "
        "first half only (like NN12)"
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle, for an indexed prefilter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * max(math.cos(math.radians(lat)), 0.01)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
