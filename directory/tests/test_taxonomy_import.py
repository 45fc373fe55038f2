"""An Open Referral feed brings its own taxonomy (a county's activity categories, the LGA
service types): its terms are imported with the listings, never mapped to needs by the
import, and importing the same feed again changes nothing (ADR 0011 §7)."""

import json
from pathlib import Path
from uuid import UUID

import pytest
from django.core.management import call_command

from core.errors import ActionError
from core.models import AuditEvent
from directory.actions import save_services
from directory.importers import parse_json
from directory.models import Service, Taxonomy, TaxonomyTerm
from referrals.models import Need
from tests import factories

pytestmark = pytest.mark.django_db
FEED = Path(__file__).parent / "oruk_feed.json"

COUNTY = "0b6f0000-0000-4000-8000-000000000001"
ARTS = "0b6f0000-0000-4000-8000-0000000000a1"
SINGING = "0b6f0000-0000-4000-8000-0000000000a2"
ORPHAN = "0b6f0000-0000-4000-8000-0000000000a3"
MISSING_PARENT = "0b6f0000-0000-4000-8000-0000000000ff"


def county_term(id_, name, code, parent=None, description=""):
    return {
        "id": id_,
        "code": code,
        "name": name,
        "description": description,
        "parent_id": parent,
        "taxonomy": "Northshire activities",
        "taxonomy_detail": {
            "id": COUNTY,
            "name": "Northshire activities",
            "description": "The county's own categories",
            "uri": "https://example.org/northshire/activities",
            "version": "2",
        },
    }


def listing(n, *terms):
    base = f"0b6f0000-0000-4000-8000-{n:012d}"
    return {
        "id": base,
        "name": f"Listing {n}",
        "status": "active",
        "organization": {"id": f"0b6f0001-0000-4000-8000-{n:012d}", "name": "Northshire CVS"},
        "attributes": [
            {"id": f"0b6f0002-{i:04d}-4000-8000-{n:012d}", "taxonomy_term": term}
            for i, term in enumerate(terms)
        ],
    }


def feed():
    arts = county_term(ARTS, "Arts and culture", "ARTS")
    singing = county_term(SINGING, "Singing", "ARTS-SING", parent=ARTS, description="Choirs")
    orphan = county_term(ORPHAN, "Woodwork", "WOOD", parent=MISSING_PARENT)
    need_term = {"id": "0b6f0000-0000-4000-8000-0000000000b1", "code": "loneliness"}
    return {
        "contents": [
            listing(1, singing, need_term),
            listing(2, arts, orphan),
            listing(3, singing),
        ]
    }


def import_feed(area, data):
    records, problems = parse_json(data)
    assert problems == []
    return save_services(by=None, area=area, records=records)


def state():
    return (
        sorted(Taxonomy.objects.values_list("id", "name", "area_id", "uri", "version")),
        sorted(
            TaxonomyTerm.objects.values_list(
                "id", "taxonomy_id", "code", "name", "description", "parent_id", "need_id"
            )
        ),
        sorted(Service.terms.through.objects.values_list("service_id", "taxonomyterm_id")),
    )


def test_the_repository_feed_still_imports(area):
    call_command("import_directory", str(FEED), area=area.code, verbosity=0)
    service = Service.objects.get(pk="3c1d5a2e-8f4b-4c1e-9d2a-0b6f7e8a9c10")
    assert {t.code for t in service.terms.all()} == {"physical-activity", "low-mood"}
    assert {t.taxonomy.name for t in service.terms.all()} == {"linkwork-needs"}
    assert Taxonomy.objects.count() == 1


def test_a_feed_with_its_own_taxonomy_imports_with_it(area):
    needs_terms_before = sorted(
        TaxonomyTerm.objects.filter(taxonomy__name="linkwork-needs").values_list(
            "id", "code", "name", "need_id"
        )
    )
    result = import_feed(area, feed())

    taxonomy = Taxonomy.objects.get(pk=COUNTY)
    assert taxonomy.name == "Northshire activities" and taxonomy.area == area
    assert taxonomy.uri == "https://example.org/northshire/activities"
    singing = TaxonomyTerm.objects.get(pk=SINGING)
    assert (singing.code, singing.name, singing.description) == ("ARTS-SING", "Singing", "Choirs")
    assert singing.parent_id == UUID(ARTS) and singing.taxonomy_id == UUID(COUNTY)
    orphan = TaxonomyTerm.objects.get(pk=ORPHAN)
    assert orphan.parent is None
    # Imports never map: the editors do.
    assert not TaxonomyTerm.objects.filter(taxonomy=taxonomy, need__isnull=False).exists()
    assert not TaxonomyTerm.objects.filter(mapped_at__isnull=False).exists()
    # A parent not in the feed is a warning, not a failure; it is kept in the audit trail.
    assert result["warnings"] == [
        f"Term 'Woodwork' ({ORPHAN}): its parent {MISSING_PARENT} is not in the feed (nor "
        "known already), so it was imported without one"
    ]
    event = AuditEvent.objects.filter(verb="save_services").latest("id")
    assert event.detail["warnings"] == result["warnings"]
    first = Service.objects.get(pk="0b6f0000-0000-4000-8000-000000000001")
    assert {t.name for t in first.terms.all()} == {"Singing", "Loneliness or isolation"}
    assert {t.code for t in Service.objects.get(name="Listing 2").terms.all()} == {"ARTS", "WOOD"}
    assert (
        sorted(
            TaxonomyTerm.objects.filter(taxonomy__name="linkwork-needs").values_list(
                "id", "code", "name", "need_id"
            )
        )
        == needs_terms_before
    )


def test_importing_the_same_feed_again_changes_nothing(area):
    import_feed(area, feed())
    before = state()
    result = import_feed(area, feed())
    assert state() == before
    assert result["created"] == 0 and result["updated"] == 3


def test_a_reimport_keeps_the_editors_mapping_and_takes_new_names(area, directory_editor):
    from directory.actions import map_taxonomy_term

    import_feed(area, feed())
    choir = Need.objects.get(code="loneliness")
    map_taxonomy_term(TaxonomyTerm.objects.get(pk=SINGING), choir, by=directory_editor)
    renamed = feed()
    renamed["contents"][0]["attributes"][0]["taxonomy_term"]["name"] = "Singing and choirs"
    import_feed(area, renamed)
    singing = TaxonomyTerm.objects.get(pk=SINGING)
    assert singing.name == "Singing and choirs" and singing.need == choir


def test_a_parent_already_known_stays_when_the_feed_leaves_it_out(area):
    import_feed(area, feed())
    data = feed()
    data["contents"][1]["attributes"] = []  # Arts (Singing's parent) tags nothing now
    import_feed(area, data)
    assert TaxonomyTerm.objects.get(pk=SINGING).parent_id == UUID(ARTS)


def test_a_bare_unknown_term_is_a_problem_with_a_clear_message(area):
    data = feed()
    data["contents"][2]["attributes"].append(
        {"id": "0b6f0003-0000-4000-8000-000000000001", "taxonomy_term_id": MISSING_PARENT}
    )
    records, problems = parse_json(data)
    assert [str(p) for p in problems] == [
        "record 3 (0b6f0000-0000-4000-8000-000000000003): attributes[2].taxonomy_term: term "
        f"'{MISSING_PARENT}' is not known: the feed must carry the term's name (to import it "
        "with its taxonomy), or use a linkwork need code"
    ]


def test_a_term_cannot_be_added_to_linkwork_needs(area):
    data = feed()
    data["contents"][0]["attributes"][0]["taxonomy_term"].update(
        taxonomy="linkwork-needs", taxonomy_detail=None, code="flying"
    )
    _, problems = parse_json(data)
    assert any("'flying' is not a linkwork need code" in str(p) for p in problems)


def test_two_terms_with_one_code_are_a_problem(area):
    data = feed()
    data["contents"][2]["attributes"][0]["taxonomy_term"] = county_term(
        "0b6f0000-0000-4000-8000-0000000000c1", "Choirs", "ARTS-SING"
    )
    _, problems = parse_json(data)
    assert any("'ARTS-SING' is the code of two different terms" in str(p) for p in problems)


def test_a_taxonomy_name_taken_by_another_taxonomy_gets_imported(area):
    factories_taxonomy = Taxonomy.objects.create(name="Northshire activities")
    import_feed(area, feed())
    assert Taxonomy.objects.get(pk=COUNTY).name == "Northshire activities (imported)"
    assert Taxonomy.objects.get(pk=factories_taxonomy.pk).name == "Northshire activities"
    import_feed(area, feed())  # and stays so
    assert Taxonomy.objects.get(pk=COUNTY).name == "Northshire activities (imported)"


def test_terms_without_a_taxonomy_id_go_by_name_or_into_the_areas_own(area):
    data = feed()
    by_name = data["contents"][0]["attributes"][0]["taxonomy_term"]
    by_name.update(taxonomy_detail=None, taxonomy="LGA service types", parent_id=None)
    nameless = data["contents"][2]["attributes"][0]["taxonomy_term"] = {
        "id": "0b6f0000-0000-4000-8000-0000000000d1",
        "name": "Cooking",
    }
    import_feed(area, data)
    assert TaxonomyTerm.objects.get(pk=SINGING).taxonomy.name == "LGA service types"
    cooking = TaxonomyTerm.objects.get(pk=nameless["id"])
    assert cooking.taxonomy.name == f"{area.name} feed terms"
    assert cooking.code == nameless["id"] and cooking.taxonomy.area == area
    before = state()
    import_feed(area, data)
    assert state() == before


def test_a_second_areas_feed_makes_the_taxonomy_shared(area):
    import_feed(area, feed())
    other = factories.area()
    data = feed()
    for n, item in enumerate(data["contents"], start=11):  # the other area's own listings
        item.update(listing(n))
        item["attributes"] = feed()["contents"][n - 11]["attributes"]
    result = import_feed(other, data)
    assert Taxonomy.objects.get(pk=COUNTY).area is None
    assert (
        "Taxonomy 'Northshire activities' is now used by two areas' feeds"
        in (result["warnings"][0])
    )
    assert Service.objects.filter(area=other).count() == 3


def test_a_code_taken_in_the_database_refuses_the_import(area):
    import_feed(area, feed())
    data = feed()
    data["contents"][2]["attributes"][0]["taxonomy_term"] = county_term(
        "0b6f0000-0000-4000-8000-0000000000e1", "Singers", "ARTS"
    )
    data["contents"][1]["attributes"] = []
    records, problems = parse_json(data)
    assert problems == []
    with pytest.raises(ActionError, match="code 'ARTS' is already used by another term"):
        save_services(by=None, area=area, records=records)


def test_the_feed_file_with_a_taxonomy_imports_through_the_command(area, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed()))
    call_command("import_directory", str(path), area=area.code, verbosity=0)
    assert Taxonomy.objects.get(pk=COUNTY).terms.count() == 3
