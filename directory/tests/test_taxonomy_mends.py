"""Two mends of the feed taxonomies (ADR 0011 §7): editors see the terms already mapped and
can change one (a change someone made meanwhile is not overwritten unseen), and one area's
import no longer takes another area's taxonomy from its editors."""

import threading
import time
from html import unescape
from uuid import UUID

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from core.errors import ActionError, ConcurrentChange
from core.models import AuditEvent
from directory import actions
from directory.importers import parse_json
from directory.models import Service, Taxonomy, TaxonomyTerm
from directory.search import Query, search
from referrals.models import Need
from tests import factories

from .test_taxonomy_import import (
    ARTS,
    COUNTY,
    ORPHAN,
    SINGING,
    county_term,
    feed,
    import_feed,
    listing,
    state,
)

pytestmark = pytest.mark.django_db
URL = reverse("directory_manage:taxonomies")
MAPPED = f"{URL}?show=mapped"


def text(response):
    return unescape(response.content.decode())


def need(code):
    return Need.objects.get(code=code)


def term(pk):
    return TaxonomyTerm.objects.get(pk=pk)


def found_by(code):
    return {m.service_id for m in search(Query(needs=[code], limit=100)).matches}


def singing_listings():
    return set(term(SINGING).services.values_list("pk", flat=True))


@pytest.fixture
def county(area, directory_editor):
    """The county feed imported, Singing mapped to carer support and Arts to its words."""
    import_feed(area, feed())
    actions.map_taxonomy_term(term(SINGING), need("carer"), by=directory_editor)
    actions.map_taxonomy_term(term(ARTS), None, by=directory_editor)
    return Taxonomy.objects.get(pk=COUNTY)


def change(client, pk, was, **choice):
    return client.post(URL, {"term": pk, "was": was, "show": "mapped", "page": "1", **choice})


# 1. Mapped terms are listed, and changed with what the editor saw.


def test_the_mapped_terms_are_listed_with_their_need_and_when(client, county, directory_editor):
    client.force_login(directory_editor)
    waiting = text(client.get(URL))
    assert "Waiting (1)" in waiting and f'href="{MAPPED}">Mapped (2)' in waiting
    body = text(client.get(MAPPED))
    assert "Terms mapped (2)" in body and "Terms waiting" not in body
    mapped = body.split("Terms mapped")[1]
    assert "Woodwork" not in mapped  # still waiting
    assert "Means <strong>Carer support</strong>, since " in mapped
    assert "Means <strong>its words only</strong>" in mapped
    # Latest first: Arts was mapped after Singing.
    assert mapped.index("Arts and culture") < mapped.index("Singing")
    assert '<input type="hidden" name="was" value="carer">' in mapped
    assert '<input type="hidden" name="was" value="words">' in mapped
    # A plain form in a <details>: it works without JavaScript.
    assert "<details" in mapped and '<form method="post"' in mapped


def test_changing_a_mapping_moves_its_listings_and_is_audited(client, county, directory_editor):
    client.force_login(directory_editor)
    listings = singing_listings()
    assert listings <= found_by("carer")
    response = change(client, SINGING, "carer", need="other", other_need="housing")
    assert response.status_code == 302 and response["Location"] == f"{MAPPED}&page=1"
    assert term(SINGING).need.code == "housing"
    assert listings <= found_by("housing") and not listings & found_by("carer")
    event = AuditEvent.objects.filter(verb="map_taxonomy_term").latest("id")
    assert event.actor_id == directory_editor.pk and event.object_id == SINGING
    assert (event.detail["need"], event.detail["previous"]) == ("housing", "carer")
    body = text(client.get(response["Location"]))
    assert "'Singing' now means Housing" in body and "Means <strong>Housing</strong>" in body


def test_a_mapping_changes_to_words_only_and_back(client, county, directory_editor):
    client.force_login(directory_editor)
    change(client, SINGING, "carer", need="words")
    assert term(SINGING).need is None and term(SINGING).mapped_at is not None
    assert not singing_listings() & found_by("carer")
    change(client, ARTS, "words", other_need="loneliness")
    assert term(ARTS).need.code == "loneliness"
    assert [
        (e.object_id, e.detail["previous"], e.detail["need"])
        for e in AuditEvent.objects.filter(verb="map_taxonomy_term").order_by("id")[2:]
    ] == [(SINGING, "carer", None), (ARTS, None, "loneliness")]


def test_two_editors_changing_one_mapping_at_once(client, county, directory_editor, service):
    """Both saw Singing as carer support: the first change stands; the second editor is
    told what it means now, and nothing of theirs is written or audited."""
    other_editor = factories.user(organisation=service, role="directory_editor")
    client.force_login(directory_editor)
    change(client, SINGING, "carer", other_need="housing")
    client.force_login(other_editor)
    response = change(client, SINGING, "carer", need="words")
    assert response.status_code == 200
    body = text(response)
    assert "There is a problem" in body
    assert "Someone else has just changed 'Singing': it now means Housing. Nothing was changed" in (
        body
    )
    assert term(SINGING).need.code == "housing"
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 3
    # The same for a term someone has changed from its words only.
    client.force_login(directory_editor)
    change(client, ARTS, "words", other_need="carer")
    client.force_login(other_editor)
    body = text(change(client, ARTS, "words", other_need="housing"))
    assert "'Arts and culture': it now means Carer support. Nothing was changed" in body
    assert term(ARTS).need.code == "carer"


def test_the_action_checks_what_the_editor_saw(county, directory_editor):
    singing = term(SINGING)
    with pytest.raises(ConcurrentChange, match="it now means Carer support"):
        actions.map_taxonomy_term(singing, None, by=directory_editor, if_mapped_to=None)
    with pytest.raises(ConcurrentChange, match="it now means Carer support"):
        actions.map_taxonomy_term(singing, None, by=directory_editor, if_mapped_to=need("housing"))
    with pytest.raises(ConcurrentChange, match="it is waiting to be mapped again"):
        actions.map_taxonomy_term(term(ORPHAN), None, by=directory_editor, if_mapped_to=None)
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 2
    actions.map_taxonomy_term(singing, None, by=directory_editor, if_mapped_to=need("carer"))
    assert term(SINGING).need is None


def test_a_change_from_a_need_no_longer_in_use(client, county, directory_editor):
    Need.objects.filter(code="carer").update(active=False)
    client.force_login(directory_editor)
    assert "(a need no longer in use)" in text(client.get(MAPPED))
    assert change(client, SINGING, "carer", other_need="housing").status_code == 302
    assert term(SINGING).need.code == "housing"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"was": "carer", "need": "flying"}, "Choose a need for 'Singing', or 'its words only'"),
        ({"was": "flying", "need": "words"}, "The page showed an unknown need for 'Singing'"),
    ],
)
def test_a_bad_change_says_so_and_changes_nothing(client, county, directory_editor, data, message):
    client.force_login(directory_editor)
    response = client.post(URL, {"term": SINGING, "show": "mapped", **data})
    body = text(response)
    assert response.status_code == 200 and message in body and "Terms mapped (2)" in body
    assert '<details class="nhsuk-details" open>' in body
    assert term(SINGING).need.code == "carer"
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 2


def test_pages_of_mapped_terms(client, county, directory_editor):
    for n in range(30):
        row = TaxonomyTerm.objects.create(taxonomy=county, code=f"T{n:02d}", name=f"Term {n:02d}")
        actions.map_taxonomy_term(row, None, by=directory_editor)
    client.force_login(directory_editor)
    first = text(client.get(MAPPED))
    assert "Terms mapped (32)" in first and "Page 1 of 2" in first
    assert "?show=mapped&page=2" in first  # the pager keeps to the mapped terms
    second = text(client.get(f"{MAPPED}&page=2"))
    assert "Singing" in second and "Term 29" not in second
    response = client.post(
        URL, {"term": SINGING, "was": "carer", "need": "words", "show": "mapped", "page": "2"}
    )
    assert response["Location"] == f"{MAPPED}&page=2"


def test_who_may_not_change_a_mapping(client, county, link_worker):
    assert client.get(MAPPED).status_code == 302
    assert change(client, SINGING, "carer", need="words").status_code == 302
    client.force_login(link_worker)
    assert client.get(MAPPED).status_code == 403
    assert change(client, SINGING, "carer", need="words").status_code == 403
    other_editor = factories.user(
        organisation=factories.service(area=factories.area()), role="directory_editor"
    )
    client.force_login(other_editor)
    assert "Singing" not in text(client.get(MAPPED))
    body = text(change(client, SINGING, "carer", need="words"))
    assert "That term is not in your area's directory any more" in body
    with pytest.raises(PermissionDenied):
        actions.map_taxonomy_term(term(SINGING), None, by=other_editor, if_mapped_to=need("carer"))
    # A shared taxonomy's terms are the administrators' to change, not the area's editors'.
    Taxonomy.objects.filter(pk=COUNTY).update(area=None)
    editor = factories.user(organisation=link_worker.organisation, role="directory_editor")
    client.force_login(editor)
    assert "Singing" not in text(client.get(MAPPED))
    assert "not in your area's directory" in text(change(client, SINGING, "carer", need="words"))
    assert term(SINGING).need.code == "carer"
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_changes_at_the_same_moment_the_lock_lets_one_through(area, service, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    import_feed(area, feed())
    editors = [factories.user(organisation=service, role="directory_editor") for _ in range(2)]
    actions.map_taxonomy_term(term(SINGING), need("carer"), by=editors[0])
    targets = [need("housing"), need("loneliness")]
    first_inside = threading.Event()
    real_refresh = actions.search_index.refresh

    def slow_refresh(ids):
        if threading.current_thread().name == "first":
            first_inside.set()
            time.sleep(0.5)  # holding the lock, not yet committed
        real_refresh(ids)

    monkeypatch.setattr(actions.search_index, "refresh", slow_refresh)
    results = {}

    def decide(index):
        try:
            actions.map_taxonomy_term(
                term(SINGING), targets[index], by=editors[index], if_mapped_to=need("carer")
            )
            results[index] = "changed"
        except ConcurrentChange as refused:
            results[index] = refused.message
        finally:
            connection.close()

    first = threading.Thread(target=decide, args=(0,), name="first")
    first.start()
    assert first_inside.wait(5)
    second = threading.Thread(target=decide, args=(1,), name="second")
    second.start()
    first.join()
    second.join()
    assert results == {
        0: "changed",
        1: "Someone else has just changed 'Singing': it now means Housing. Nothing was changed",
    }
    assert term(SINGING).need.code == "housing"
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 2


# 2. One area's import does not take another area's taxonomy.


@pytest.fixture
def other_area():
    return factories.area()


@pytest.fixture
def other_editor(other_area):
    return factories.user(organisation=factories.service(area=other_area), role="directory_editor")


def activities_term(id_, name, code):
    """A term of a taxonomy the feed names but gives no id."""
    return {"id": id_, "name": name, "code": code, "taxonomy": "Activities"}


WALKING = "0b6f0000-0000-4000-8000-0000000000f1"
SWIMMING = "0b6f0000-0000-4000-8000-0000000000f2"


def test_a_taxonomy_without_an_id_is_matched_by_name_in_the_area_only(
    area, other_area, directory_editor, other_editor
):
    import_feed(area, {"contents": [listing(1, activities_term(WALKING, "Walking", "W"))]})
    ours = term(WALKING).taxonomy
    assert (ours.name, ours.area) == ("Activities", area)
    other_feed = {"contents": [listing(11, activities_term(SWIMMING, "Swimming", "S"))]}
    result = import_feed(other_area, other_feed)
    theirs = term(SWIMMING).taxonomy
    assert theirs != ours
    assert (theirs.name, theirs.area) == ("Activities (imported)", other_area)
    assert Taxonomy.objects.get(pk=ours.pk).area == area
    assert result["warnings"] == [] and not AuditEvent.objects.filter(verb="share_taxonomy")
    # Both areas' editors map their own terms, and only their own.
    actions.map_taxonomy_term(term(WALKING), need("carer"), by=directory_editor)
    actions.map_taxonomy_term(term(SWIMMING), need("housing"), by=other_editor)
    with pytest.raises(PermissionDenied):
        actions.map_taxonomy_term(term(WALKING), None, by=other_editor)
    # Importing the other feed again finds its own taxonomy under the name it was given.
    before = state()
    import_feed(other_area, other_feed)
    assert state() == before
    # A shared taxonomy of that name is used as it is.
    Taxonomy.objects.filter(pk=theirs.pk).update(name="Their activities")
    shared = Taxonomy.objects.create(name="Activities (imported)")
    third = factories.area()
    import_feed(
        third,
        {
            "contents": [
                listing(21, activities_term("0b6f0000-0000-4000-8000-0000000000f3", "Yoga", "Y"))
            ]
        },
    )
    assert term("0b6f0000-0000-4000-8000-0000000000f3").taxonomy == shared
    assert Taxonomy.objects.get(pk=shared.pk).area is None


def other_areas_feed(*terms):
    return {"contents": [listing(11 + n, t) for n, t in enumerate(terms)]}


@pytest.mark.parametrize(
    "reference",
    [
        # The term's id with a taxonomy named but not by id,
        pytest.param(lambda: activities_term(SINGING, "Singing", "SING"), id="by-name"),
        # with another taxonomy's id,
        pytest.param(
            lambda: {
                **county_term(SINGING, "Singing", "SING"),
                "taxonomy_detail": {"id": "0b6f0000-0000-4000-8000-0000000000c0", "name": "X"},
            },
            id="another-taxonomy-id",
        ),
        # or alone.
        pytest.param(lambda: {"id": SINGING}, id="bare-id"),
    ],
)
def test_a_feed_naming_another_areas_term_is_refused(
    area, other_area, directory_editor, other_editor, reference
):
    import_feed(area, feed())
    before = state()
    records, problems = parse_json(other_areas_feed(reference()))
    assert problems == []
    with pytest.raises(ActionError) as refused:
        actions.save_services(by=None, area=other_area, records=records)
    assert refused.value.message == (
        f"Term 'Singing' ({SINGING}) belongs to another area's taxonomy ('Northshire "
        "activities'): a feed may use it only by giving that taxonomy's id with it, which "
        "shares the taxonomy. Nothing was imported"
    )
    assert state() == before and not Service.objects.filter(area=other_area).exists()
    assert Taxonomy.objects.get(pk=COUNTY).area == area
    # The county's editors still map its terms; the other area's do not.
    actions.map_taxonomy_term(term(SINGING), need("carer"), by=directory_editor)
    with pytest.raises(PermissionDenied):
        actions.map_taxonomy_term(term(SINGING), None, by=other_editor)


def test_a_feed_giving_the_taxonomys_id_shares_it_audited_for_both_areas(
    area, other_area, directory_editor, other_editor
):
    import_feed(area, feed())
    result = import_feed(other_area, other_areas_feed(county_term(SINGING, "Singing", "ARTS-SING")))
    assert Taxonomy.objects.get(pk=COUNTY).area is None
    assert (
        "Taxonomy 'Northshire activities' is now used by two areas' feeds"
        in (result["warnings"][0])
    )
    events = AuditEvent.objects.filter(verb="share_taxonomy").order_by("id")
    assert [(e.object_id, e.detail["area"], e.detail["with_area"]) for e in events] == [
        (COUNTY, str(area.pk), str(other_area.pk)),
        (COUNTY, str(other_area.pk), str(area.pk)),
    ]
    assert all(e.detail["brought_by"] == str(other_area.pk) for e in events)
    # Said, not silent: neither area's editors map it now; the administrators do.
    for editor in (directory_editor, other_editor):
        with pytest.raises(PermissionDenied):
            actions.map_taxonomy_term(term(SINGING), None, by=editor)
    # A new term with the taxonomy's id shares it too (it is already shared: said once).
    import_feed(area, feed())
    assert AuditEvent.objects.filter(verb="share_taxonomy").count() == 2
    assert UUID(SINGING) in set(
        Service.objects.filter(area=other_area).values_list("terms", flat=True)
    )


def test_a_new_term_with_another_areas_taxonomy_id_shares_it(area, other_area):
    import_feed(area, feed())
    new = county_term("0b6f0000-0000-4000-8000-0000000000c7", "Knitting", "KNIT")
    import_feed(other_area, other_areas_feed(new))
    assert term(new["id"]).taxonomy_id == UUID(COUNTY)
    assert Taxonomy.objects.get(pk=COUNTY).area is None
    assert AuditEvent.objects.filter(verb="share_taxonomy").count() == 2
