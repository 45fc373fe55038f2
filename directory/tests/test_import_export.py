import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory.models import Schedule, Service
from tests import factories

pytestmark = pytest.mark.django_db
FEED = Path(__file__).parent / "oruk_feed.json"


@pytest.fixture
def area_with_listings(area):
    factories.activity(area=area, name="Happy Cafe", capacity=3, maximum=10, wheelchair=True)
    factories.activity(
        area=area, name="Walk", needs=("physical-activity",), amount="2.50", byday="MO,TH"
    )
    return area


def export(area, fmt, tmp_path):
    out = tmp_path / f"export.{fmt}"
    call_command("export_directory", area=area.code, format=fmt, output=str(out))
    return out


def import_(area, path, **kw):
    call_command("import_directory", str(path), area=area.code, verbosity=0, **kw)


def snapshot():
    return sorted(
        (
            str(s.id),
            s.name,
            s.is_free,
            s.capacity_available,
            sorted(t.code for t in s.terms.all()),
            sorted((x.byday, str(x.opens_at)) for x in s.schedules.all()),
        )
        for s in Service.objects.prefetch_related("terms", "schedules")
    )


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_is_idempotent(area_with_listings, tmp_path, fmt):
    before = snapshot()
    path = export(area_with_listings, fmt, tmp_path)
    import_(area_with_listings, path)
    import_(area_with_listings, path)
    assert snapshot() == before
    assert Schedule.objects.count() == 2


def test_json_import_keeps_feed_ids_and_validates(area, tmp_path):
    feed = json.loads(FEED.read_text())
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    import_(area, path)
    service = Service.objects.get(pk="3c1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c10")
    assert service.name == "Brackley Community Garden"
    assert service.is_free and service.capacity_available == 5
    assert [s.byday for s in service.schedules.all()] == ["SA"]
    assert {t.code for t in service.terms.all()} == {"physical-activity", "low-mood"}


def test_bad_feed_imports_nothing_and_names_every_problem(area, tmp_path, capsys):
    good = json.loads(FEED.read_text())["contents"][0]
    bad = dict(
        good,
        id="not-a-uuid",
        status="open",
        minimum_age=30,
        maximum_age=20,
        schedules=[
            {
                "id": "4d1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c10",
                "freq": "DAILY",
                "byday": "XX",
                "opens_at": "13:00",
                "closes_at": "12:00",
            }
        ],
    )
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"contents": [good, bad]}))
    with pytest.raises(CommandError, match="nothing was imported"):
        import_(area, path)
    report = capsys.readouterr().err
    for expected in [
        "record 2",
        "id: must be a UUID",
        "status: must be one of",
        "maximum_age: must not be below",
        "freq: must be WEEKLY or MONTHLY",
        "byday: must be iCal days",
        "closes_at: must be after opens_at",
    ]:
        assert expected in report
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: line 1"),
        ('"just a string"', "problem"),
    ],
)
def test_malformed_json(area, tmp_path, content, message):
    path = tmp_path / "feed.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        import_(area, path)


def test_csv_problems_named_by_line(area, tmp_path, capsys):
    path = tmp_path / "feed.csv"
    path.write_text(
        "id,organization_id,organization_name,name,needs,days,opens_at,closes_at,postcode\n"
        "3c1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c11,3c1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c12,Org,Cafe,"
        "loneliness,TU,10:00,12:00,NN12 6AB\n"
        "3c1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c11,3c1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c12,Org,,"
        "flying,Tuesday,10am,12:00,NN12 6AB\n"
    )
    with pytest.raises(CommandError):
        import_(area, path)
    report = capsys.readouterr().err
    for expected in [
        "line 3: name: is required",
        "line 3: needs: 'flying' is not a need code",
        "line 3: days: must be iCal days",
        "line 3: opens_at: must be a time",
        "appears more than once",
    ]:
        assert expected in report
    assert not Service.objects.exists()


def test_csv_missing_columns(area, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("name,town\nCafe,Corby\n")
    with pytest.raises(CommandError):
        import_(area, path)


def test_dry_run_imports_nothing(area_with_listings, tmp_path):
    path = export(area_with_listings, "json", tmp_path)
    Service.objects.all().delete()
    import_(area_with_listings, path, dry_run=True)
    assert not Service.objects.exists()


def test_unknown_area(tmp_path):
    with pytest.raises(CommandError, match="No area"):
        call_command("export_directory", area="nope")
