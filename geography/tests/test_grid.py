from hypothesis import given
from hypothesis import strategies as st

from geography import grid
from geography.lookup import bounding_box, distance_km

latitudes = st.floats(min_value=49.0, max_value=61.0)
longitudes = st.floats(min_value=-8.0, max_value=2.0)


@given(
    latitudes, longitudes, st.floats(min_value=0.1, max_value=50), st.floats(0, 1), st.floats(0, 1)
)
def test_every_point_inside_the_radius_is_in_the_box_cells(lat, lon, radius, a, b):
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(lat, lon, radius)
    point = (lat_lo + a * (lat_hi - lat_lo), lon_lo + b * (lon_hi - lon_lo))
    box = grid.Box.around(lat_lo, lat_hi, lon_lo, lon_hi)
    if distance_km(lat, lon, *point) <= radius:
        cell = grid.cell(*point)
        assert cell in box.cells()
        # …and the text index is asked about a cell word that place carries.
        assert set(grid.tokens(cell)) & set(box.search_tokens())


def test_cells_of_a_row_are_consecutive_numbers():
    here = grid.cell(52.13, -0.99)
    assert grid.cell(52.13, -0.99 + grid.LON_STEP) == here + 1
    assert grid.cell(52.13 + grid.LAT_STEP, -0.99) == here + grid.ROW


def test_wide_boxes_use_coarse_words():
    small = grid.Box.around(*bounding_box(52.13, -0.99, 10))
    wide = grid.Box.around(*bounding_box(52.13, -0.99, 50))
    assert all(t.startswith("zzg") for t in small.search_tokens())
    assert all(t.startswith("zzh") for t in wide.search_tokens())
    assert len(wide.search_tokens()) < wide.size
