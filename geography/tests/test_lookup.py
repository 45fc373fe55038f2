import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from geography.lookup import PostcodeError, bounding_box, distance_km, locate, parse
from geography.models import Postcode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["nn12 6ab", "NN126AB", " nn12  6ab ", "Nn12 6Ab"])
def test_parse_normalises(typed):
    assert parse(typed) == ("NN12", "NN12 6", "NN12 6AB")


def test_parse_outward_only():
    assert parse("nn12") == ("NN12", None, None)


@pytest.mark.parametrize("typed", ["", "hello", "NN12 6", "12345", "NN12 6ABC"])
def test_parse_rejects_malformed_with_message(typed):
    with pytest.raises(PostcodeError):
        parse(typed)


letters = st.sampled_from("ABCDEFGHJKLMNOPRSTUWYZ")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", max_size=10))
def test_parse_never_crashes(text):
    try:
        outward, sector, full = parse(text)
    except PostcodeError:
        return
    assert outward and outward == outward.upper()
    assert full is None or full.startswith(outward + " ")


def test_locate_falls_back_to_district_centroid():
    place = locate("nn12 6ab")
    assert place.precision == "district"
    assert place.postcode == "NN12 6AB"
    assert round(place.latitude, 2) == 52.13


def test_locate_prefers_full_then_sector():
    Postcode.objects.create(
        code="NN12 6AB", precision="full", latitude=52.1, longitude=-1.0, source="test"
    )
    Postcode.objects.create(
        code="NN12 7", precision="sector", latitude=52.2, longitude=-1.0, source="test"
    )
    assert locate("NN12 6AB").precision == "full"
    assert locate("NN12 7ZZ").precision == "sector"


def test_locate_unknown_district_has_clear_message():
    with pytest.raises(PostcodeError, match="do not know where ZZ9 9ZZ is"):
        locate("ZZ9 9ZZ")


def test_distance_and_box():
    towcester, northampton = locate("NN12"), locate("NN1")
    km = distance_km(
        towcester.latitude, towcester.longitude, northampton.latitude, northampton.longitude
    )
    assert 12 < km < 16
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(52.0, -1.0, 10)
    assert lat_lo < 52.0 < lat_hi and lon_lo < -1.0 < lon_hi
    assert distance_km(52.0, -1.0, lat_hi, -1.0) == pytest.approx(10, rel=0.01)


def test_import_postcodes(tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text(
        "pcds,lat,long,doterm\nNN12 6AB,52.13,-0.99,\nNN12 6AD,52.15,-0.97,\n"
        "NN12 9ZZ,52.0,-1.0,201001\nZZ1 1ZZ,99.999999,0,\n"
    )
    call_command("import_postcodes", str(path), verbosity=0)
    assert Postcode.objects.get(code="NN12 6AB").precision == "full"
    assert Postcode.objects.get(code="NN12 6").latitude == pytest.approx(52.14)
    assert not Postcode.objects.filter(code__in=["NN12 9ZZ", "ZZ1 1ZZ"]).exists()


def test_import_postcodes_places_practices_at_their_full_postcode(tmp_path):
    from tests import factories

    practice = factories.practice(area=factories.area(), postcode="NN12 6AB")
    district = practice.latitude
    path = tmp_path / "onspd.csv"
    path.write_text("pcds,lat,long,doterm\nNN12 6AB,52.13,-0.99,\n")
    call_command("import_postcodes", str(path), verbosity=0)
    practice.refresh_from_db()
    assert practice.latitude == pytest.approx(52.13) and practice.latitude != district


def test_import_postcodes_keeps_the_deprivation_decile_of_english_lsoas(tmp_path):
    path = tmp_path / "onspd.csv"
    # Ranks out of 32,844 English LSOAs: 1 and 3,284 are the most deprived tenth, 3,285
    # the second, 32,844 the least deprived. Welsh ranks are on another index.
    path.write_text(
        "pcds,lat,long,lsoa11,imd\n"
        "NN1 1AA,52.2,-0.9,E01027100,1\nNN1 1AB,52.2,-0.9,E01027101,3284\n"
        "NN1 1AD,52.2,-0.9,E01027102,3285\nNN1 1AE,52.2,-0.9,E01027103,32844\n"
        "CF10 1AA,51.5,-3.2,W01001700,12\nNN1 1AF,52.2,-0.9,,\n"
    )
    call_command("import_postcodes", str(path), verbosity=0)
    deciles = dict(Postcode.objects.filter(precision="full").values_list("code", "imd_decile"))
    assert deciles == {
        "NN1 1AA": 1,
        "NN1 1AB": 1,
        "NN1 1AD": 2,
        "NN1 1AE": 10,
        "CF10 1AA": None,
        "NN1 1AF": None,
    }
    assert Postcode.objects.get(code="NN1 1AA").lsoa == "E01027100"


def test_import_postcodes_bad_file_changes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("pcds,lat,long\nNN12 6AB,52.13,-0.99\nNN12 6AD,oops,-0.97\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_postcodes", str(path), verbosity=0)
    assert not Postcode.objects.filter(precision="full").exists()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("postcode,x\n")
    with pytest.raises(CommandError, match="not an ONSPD file"):
        call_command("import_postcodes", str(wrong), verbosity=0)
