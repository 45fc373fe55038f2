"""The practice nearest a self-referrer who has no GP: right among England's ~6,300
practices, in a handful of queries, and never one that is far away."""

import math

import pytest

from geography import grid
from geography.lookup import bounding_box, distance_km, locate
from geography.models import Postcode
from organisations.actions import create_organisation
from organisations.models import Organisation
from referrals.self_referral import (
    NEAREST_PRACTICE_MAX_KM,
    NEAREST_PRACTICE_RINGS_KM,
    nearest_practice,
)

pytestmark = pytest.mark.django_db

# The middle of a fine grid cell near Northampton, so offsets are easy to reason about.
_ROW, _COLUMN = divmod(grid.cell(52.24, -0.89), grid.ROW)
HOME = ((_ROW + 0.5) * grid.LAT_STEP - 90.0, (_COLUMN + 0.5) * grid.LON_STEP - 180.0)
HOME_POSTCODE = "ZZ1 1AA"


def place(code: str, lat: float, lon: float) -> str:
    """A full postcode the test invents (reference data, as the ONSPD import writes it)."""
    Postcode.objects.create(code=code, precision="full", latitude=lat, longitude=lon, source="test")
    return code


def km_north(lat: float, km: float) -> float:
    return lat + math.degrees(km / 6371.0088)


def km_east(lat: float, lon: float, km: float) -> float:
    return lon + math.degrees(km / (6371.0088 * math.cos(math.radians(lat))))


@pytest.fixture
def home():
    return place(HOME_POSTCODE, *HOME)


def practice(area, name: str, postcode: str) -> Organisation:
    return create_organisation(
        by=None, area=area, kind=Organisation.Kind.GP_PRACTICE, name=name, postcode=postcode
    )


def crowd(area, count: int, *, at: list[str], name_prefix: str = "Aa") -> None:
    """`count` practices spread over the places `at`, made cheaply: each place is located
    once and the rows written in one go (the actions would locate each one)."""
    located = []
    for code in at:
        there = locate(code)
        located.append(
            (code, there.latitude, there.longitude, grid.cell(there.latitude, there.longitude))
        )
    Organisation.objects.bulk_create(
        [
            Organisation(
                area=area,
                kind=Organisation.Kind.GP_PRACTICE,
                name=f"{name_prefix} practice {i:05d}",
                postcode=located[i % len(located)][0],
                latitude=located[i % len(located)][1],
                longitude=located[i % len(located)][2],
                cell=located[i % len(located)][3],
            )
            for i in range(count)
        ],
        batch_size=1000,
    )


def test_nearest_among_more_than_5000_practices_in_a_handful_of_queries(
    area, home, django_assert_max_num_queries
):
    # 5,200 practices around Northampton and across England, all named to sort before the
    # nearest one: the old loop looked at the first 5,000 only, one query each.
    crowd(area, 5_200, at=["NN1", "NN3", "NN4", "NN5", "MK1", "LE1", "CV1", "B1", "M1", "LS1"])
    nearest = practice(
        area, "Zz Nearest Surgery", place("ZZ1 1AB", km_north(HOME[0], 0.4), HOME[1])
    )
    with django_assert_max_num_queries(2 + len(NEAREST_PRACTICE_RINGS_KM)):
        found = nearest_practice(HOME_POSTCODE)
    assert found == nearest


def test_a_practice_in_a_farther_ring_can_be_the_nearest(area, home):
    # The first ring's cells reach past its radius at the corners: a practice there is
    # found first, but one just beyond the ring's cells, straight up the road, is nearer.
    first = grid.Box.around(*bounding_box(*HOME, NEAREST_PRACTICE_RINGS_KM[0]))
    _, top_hi = first.rows[-1]
    corner_row, corner_column = divmod(top_hi, grid.ROW)
    corner = (
        (corner_row + 0.95) * grid.LAT_STEP - 90.0,
        (corner_column + 0.95) * grid.LON_STEP - 180.0,
    )
    beyond = ((corner_row + 1.05) * grid.LAT_STEP - 90.0, HOME[1])
    assert grid.cell(*corner) in first.cells() and grid.cell(*beyond) not in first.cells()
    assert distance_km(*HOME, *beyond) < distance_km(*HOME, *corner)
    assert distance_km(*HOME, *beyond) > NEAREST_PRACTICE_RINGS_KM[0]

    practice(area, "In the corner", place("ZZ1 1AC", *corner))
    up_the_road = practice(area, "Up the road", place("ZZ1 1AD", *beyond))
    assert nearest_practice(HOME_POSTCODE) == up_the_road


def test_the_nearest_is_chosen_by_distance_not_by_cell(area, home):
    # Both in the first ring; the one in the next cell over is nearer than the one at the
    # far edge of the person's own cell.
    same_cell = (HOME[0] + 0.45 * grid.LAT_STEP, HOME[1] - 0.45 * grid.LON_STEP)
    next_cell = (HOME[0], HOME[1] + 0.55 * grid.LON_STEP)
    assert grid.cell(*same_cell) == grid.cell(*HOME) != grid.cell(*next_cell)
    practice(area, "Same cell", place("ZZ1 1AE", *same_cell))
    next_door = practice(area, "Next cell", place("ZZ1 1AF", *next_cell))
    assert nearest_practice(HOME_POSTCODE) == next_door


def test_a_practice_whose_postcode_is_not_known_is_ignored(area, home):
    unknown = practice(area, "Aa Unknown Postcode", "ZZ9 9ZZ")
    blank = practice(area, "Aa No Postcode", "")
    assert unknown.cell is None and blank.cell is None
    known = practice(area, "Known", place("ZZ1 1AG", km_north(HOME[0], 20), HOME[1]))
    assert nearest_practice(HOME_POSTCODE) == known


def test_no_practice_within_range_gives_none(area, home):
    # Penzance is ~350 km from Northampton: not "the nearest practice" to anyone there.
    far = practice(area, "Far away", "TR18 1AA")
    just_outside = place("ZZ1 1AH", HOME[0], km_east(HOME[0], HOME[1], NEAREST_PRACTICE_MAX_KM + 1))
    practice(area, "Just outside", just_outside)
    assert far.cell is not None
    assert nearest_practice(HOME_POSTCODE) is None


def test_the_widest_ring_still_finds_one_just_inside_range(area, home):
    inside = place("ZZ1 1AJ", HOME[0], km_east(HOME[0], HOME[1], NEAREST_PRACTICE_MAX_KM - 1))
    rural = practice(area, "Rural practice", inside)
    assert nearest_practice(HOME_POSTCODE) == rural


def test_only_gp_practices_count(area, home):
    create_organisation(
        by=None,
        area=area,
        kind=Organisation.Kind.LINK_WORKER_SERVICE,
        name="Service next door",
        postcode=place("ZZ1 1AK", km_north(HOME[0], 0.1), HOME[1]),
    )
    practice_ = practice(area, "Practice", place("ZZ1 1AL", km_north(HOME[0], 2), HOME[1]))
    assert nearest_practice(HOME_POSTCODE) == practice_


def test_an_unknown_or_malformed_home_postcode_gives_none(area, home):
    practice(area, "Practice", HOME_POSTCODE)
    assert nearest_practice("ZZ8 8ZZ") is None
    assert nearest_practice("not a postcode") is None
