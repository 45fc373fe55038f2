"""A fixed latitude/longitude grid, so that "near this place" is a handful of equality and
range lookups on an ordinary B-tree index on either database (no PostGIS or SpatiaLite).

Fine cells are 0.05° of latitude by 0.08° of longitude (about 5.6 km by 5.5 km in England).
A coarse cell is 4 × 4 fine cells; the text index uses it when a search covers many fine
cells. A cell number is `row * 10_000 + column`, so the cells of one grid row are
consecutive numbers and a box is one range per row.
"""

import math
from dataclasses import dataclass

LAT_STEP = 0.05
LON_STEP = 0.08
COARSE = 4
ROW = 10_000  # more columns than the 4,500 a full turn of longitude needs
MAX_FINE_TOKENS = 64  # beyond this many cells, the text index is asked about coarse cells


def _row(lat: float) -> int:
    return math.floor((min(max(lat, -90.0), 90.0) + 90.0) / LAT_STEP)


def _column(lon: float) -> int:
    return math.floor((min(max(lon, -180.0), 180.0) + 180.0) / LON_STEP)


def cell(lat: float, lon: float) -> int:
    return _row(lat) * ROW + _column(lon)


def coarse(cell_number: int) -> int:
    row, column = divmod(cell_number, ROW)
    return (row // COARSE) * ROW + column // COARSE


TOKEN_PREFIX = "zz"  # no English word starts with it, so a person's words never match


def tokens(cell_number: int) -> list[str]:
    """The words the text index holds for a place: its fine and its coarse cell."""
    return [f"zzg{cell_number}", f"zzh{coarse(cell_number)}"]


@dataclass(frozen=True)
class Box:
    """The cells covering a box: for each grid row, the first and last cell number."""

    rows: tuple[tuple[int, int], ...]

    @classmethod
    def around(cls, lat_lo: float, lat_hi: float, lon_lo: float, lon_hi: float) -> "Box":
        first, last = _column(lon_lo), _column(lon_hi)
        return cls(
            tuple(
                (row * ROW + first, row * ROW + last)
                for row in range(_row(lat_lo), _row(lat_hi) + 1)
            )
        )

    @property
    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.rows)

    def cells(self) -> list[int]:
        return [c for lo, hi in self.rows for c in range(lo, hi + 1)]

    def search_tokens(self) -> list[str]:
        """Words for the text index that cover the box: fine cells when there are few,
        else the coarse cells holding them (a little wider, never narrower)."""
        if self.size <= MAX_FINE_TOKENS:
            return [f"zzg{c}" for c in self.cells()]
        return sorted({f"zzh{coarse(c)}" for c in self.cells()})
