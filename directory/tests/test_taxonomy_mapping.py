"""Directory editors map their area's imported taxonomy terms to linkwork needs on one page,
helped by suggestions; the listings are then found by the need (ADR 0011 §7)."""

import threading
import time
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.actions import complete_set_up, create_administrator
from core.errors import ConcurrentChange
from core.models import AuditEvent
from directory import actions, term_suggestions
from directory.models import SearchEntry, Service, Taxonomy, TaxonomyTerm
from directory.search import Query, search
from directory.tasks import refresh_term_listings
from referrals.models import Need
from tests import factories

from .test_taxonomy_import import ARTS, COUNTY, SINGING, feed, import_feed

pytestmark = pytest.mark.django_db
URL = reverse("directory_manage:taxonomies")


def text(response):
    return unescape(response.content.decode())


@pytest.fixture
def county(area):
    import_feed(area, feed())
    return Taxonomy.objects.get(pk=COUNTY)


def singing_listings():
    return set(
        Service.terms.through.objects.filter(taxonomyterm_id=SINGING).values_list(
            "service_id", flat=True
        )
    )


def found_by(need_code):
    return {m.service_id for m in search(Query(needs=[need_code], limit=100)).matches}


def test_the_page_lists_unmapped_terms_with_counts_and_suggestions(
    client, county, directory_editor
):
    client.force_login(directory_editor)
    body = text(client.get(URL))
    assert "Terms waiting (3)" in body
    assert "Singing" in body and "2 listings" in body and "Woodwork" in body
    # Listing 1 is tagged Singing and (through linkwork's needs) Loneliness.
    assert "1 of its 2 listings is also tagged Loneliness or isolation" in body
    assert "linkwork-needs" not in body


def test_the_directory_management_index_links_to_it(client, directory_editor):
    client.force_login(directory_editor)
    assert URL in text(client.get(reverse("directory_manage:editor_changes")))


def test_suggestions_count_listings_and_words(area, county):
    # A term whose words are a need's: "alone" is in Loneliness' hint, "isolation" its label.
    lonely = TaxonomyTerm.objects.create(
        taxonomy=county, code="LONE", name="Isolation and feeling alone"
    )
    three = [factories.activity(area=area, name=f"Cafe {n}") for n in range(3)]
    loneliness = TaxonomyTerm.objects.get(taxonomy__name="linkwork-needs", code="loneliness")
    mood = TaxonomyTerm.objects.get(taxonomy__name="linkwork-needs", code="low-mood")
    for service in three:
        service.terms.add(lonely, loneliness)
    three[0].terms.add(mood)
    other_area = factories.activity(area=factories.area(), name="Elsewhere")
    other_area.terms.add(lonely)  # not counted: another area's listing

    found = term_suggestions.suggest([lonely], area_id=area.pk)[lonely.pk]
    assert [s.need.code for s in found][:2] == ["loneliness", "low-mood"]
    assert found[0].reasons[0] == "3 of its 3 listings are also tagged Loneliness or isolation"
    assert any(
        r.startswith("its name is close to the need 'Loneliness or isolation' (")
        and "isolation" in r
        for r in found[0].reasons
    )
    assert found[1].reasons == ["1 of its 3 listings is also tagged Low mood"]
    assert len(found) <= 3


def test_mapping_a_term_on_the_page_makes_its_listings_found_by_the_need(
    client, county, directory_editor
):
    client.force_login(directory_editor)
    listings = singing_listings()
    assert not listings & found_by("carer")
    response = client.post(URL, {"term": SINGING, "need": "other", "other_need": "carer"})
    assert response.status_code == 302
    term = TaxonomyTerm.objects.get(pk=SINGING)
    assert term.need.code == "carer" and term.mapped_at is not None
    assert listings <= found_by("carer")
    assert all(
        " carer " in f" {e.needs} " for e in SearchEntry.objects.filter(service_id__in=listings)
    )
    event = AuditEvent.objects.get(verb="map_taxonomy_term")
    assert event.actor_id == directory_editor.pk and event.object_id == SINGING
    assert event.detail["need"] == "carer" and event.detail["listings"] == 2
    body = text(client.get(URL))
    assert "'Singing' now means Carer support" in body and "Terms waiting (2)" in body


def test_a_need_chosen_in_the_list_counts_without_ticking_another_need(
    client, county, directory_editor
):
    client.force_login(directory_editor)
    assert client.post(URL, {"term": SINGING, "other_need": "housing"}).status_code == 302
    assert TaxonomyTerm.objects.get(pk=SINGING).need.code == "housing"


def test_words_only_takes_the_term_off_the_list_without_a_need(client, county, directory_editor):
    client.force_login(directory_editor)
    client.post(URL, {"term": ARTS, "need": "words"})
    term = TaxonomyTerm.objects.get(pk=ARTS)
    assert term.need is None and term.mapped_at is not None
    assert "Arts and culture" not in text(client.get(URL)).split("Terms waiting")[1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"term": SINGING, "need": "flying"}, "Choose a need for 'Singing', or 'its words only'"),
        ({"term": SINGING}, "Choose a need for 'Singing'"),
        ({"term": SINGING, "need": "other", "other_need": ""}, "Choose a need for 'Singing'"),
        (
            {"term": "0b6f0000-0000-4000-8000-00000000dead", "need": "carer"},
            "That term is not in your area's directory any more",
        ),
        ({"term": "not-a-uuid", "need": "carer"}, "That term is not in your area's directory"),
    ],
)
def test_a_bad_need_or_a_stale_term_says_so_and_changes_nothing(
    client, county, directory_editor, data, message
):
    client.force_login(directory_editor)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert message in text(response) and "There is a problem" in text(response)
    assert not TaxonomyTerm.objects.filter(mapped_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(verb="map_taxonomy_term").exists()


def test_a_need_no_longer_in_use_is_refused(county, directory_editor):
    need = Need.objects.get(code="carer")
    Need.objects.filter(pk=need.pk).update(active=False)
    need.refresh_from_db()
    with pytest.raises(actions.ActionError, match="no longer in use"):
        actions.map_taxonomy_term(TaxonomyTerm.objects.get(pk=SINGING), need, by=directory_editor)


def test_two_editors_mapping_one_term_at_once(client, county, directory_editor, service):
    """Both saw it undecided: the first decision stands and is audited; the second editor
    is told who won and nothing of theirs is written."""
    other_editor = factories.user(organisation=service, role="directory_editor")
    client.force_login(directory_editor)
    client.post(URL, {"term": SINGING, "need": "loneliness"})
    client.force_login(other_editor)
    response = client.post(URL, {"term": SINGING, "need": "words"})
    assert (
        "Someone else has just mapped 'Singing' to Loneliness or isolation: nothing was changed"
        in text(response)
    )
    assert TaxonomyTerm.objects.get(pk=SINGING).need.code == "loneliness"
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 1
    # The action alone (no page) is last-write-wins, and both are audited.
    term = TaxonomyTerm.objects.get(pk=SINGING)
    actions.map_taxonomy_term(term, None, by=other_editor)
    with pytest.raises(ConcurrentChange):
        actions.map_taxonomy_term(term, None, by=directory_editor, only_if_undecided=True)
    assert TaxonomyTerm.objects.get(pk=SINGING).need is None
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 2


def test_pages_of_terms(client, county, directory_editor, settings):
    for n in range(30):
        TaxonomyTerm.objects.create(taxonomy=county, code=f"T{n:02d}", name=f"Term {n:02d}")
    client.force_login(directory_editor)
    first = text(client.get(URL))
    assert "Terms waiting (33)" in first and "Page 1 of 2" in first
    # Most used first: the imported terms have listings, the new ones none.
    assert first.index("Singing") < first.index("Term 00")
    second = text(client.get(URL, {"page": 2}))
    assert "Term 29" in second and "Singing" not in second
    response = client.post(
        URL, {"term": str(county.terms.get(code="T29").pk), "need": "words", "page": "2"}
    )
    assert response["Location"] == f"{URL}?page=2"


def test_who_may_not_map(client, county, link_worker, directory_editor):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    assert client.post(URL, {"term": SINGING, "need": "carer"}).status_code == 302
    client.force_login(link_worker)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"term": SINGING, "need": "carer"}).status_code == 403
    other_editor = factories.user(
        organisation=factories.service(area=factories.area()), role="directory_editor"
    )
    client.force_login(other_editor)
    assert "Singing" not in text(client.get(URL))
    response = client.post(URL, {"term": SINGING, "need": "carer"})
    assert "That term is not in your area's directory any more" in text(response)
    with pytest.raises(PermissionDenied):
        actions.map_taxonomy_term(TaxonomyTerm.objects.get(pk=SINGING), None, by=other_editor)
    assert TaxonomyTerm.objects.get(pk=SINGING).mapped_at is None


def test_shared_taxonomies_are_mapped_by_administrators_only(county, directory_editor):
    Taxonomy.objects.filter(pk=COUNTY).update(area=None)
    term = TaxonomyTerm.objects.get(pk=SINGING)
    with pytest.raises(PermissionDenied):
        actions.map_taxonomy_term(term, None, by=directory_editor)
    admin, token = create_administrator(by=None, email="sys@example.nhs.uk", full_name="Sam")
    admin = complete_set_up(token=token, password=factories.PASSWORD)
    actions.map_taxonomy_term(term, Need.objects.get(code="carer"), by=admin)
    assert TaxonomyTerm.objects.get(pk=SINGING).need.code == "carer"


def test_linkwork_needs_are_not_mapped(county):
    term = TaxonomyTerm.objects.get(taxonomy__name="linkwork-needs", code="carer")
    with pytest.raises(actions.ActionError, match="not mapped"):
        actions.map_taxonomy_term(term, None, by=None)


def test_past_the_threshold_the_refresh_is_a_background_task(county, directory_editor, monkeypatch):
    monkeypatch.setattr(actions, "REFRESH_INLINE_MAX", 1)
    listings = singing_listings()
    assert len(listings) == 2
    actions.map_taxonomy_term(
        TaxonomyTerm.objects.get(pk=SINGING), Need.objects.get(code="carer"), by=directory_editor
    )
    task = DBTaskResult.objects.get(task_path=refresh_term_listings.module_path)
    assert task.queue_name == "bulk" and task.args_kwargs["args"] == [SINGING]
    assert not listings & found_by("carer")  # not yet: the task has not run
    assert AuditEvent.objects.get(verb="map_taxonomy_term").detail["background"] is True
    assert refresh_term_listings.call(SINGING) == 2
    assert listings <= found_by("carer")


def test_operators_map_shared_terms_with_the_command(county):
    from django.core.management import CommandError, call_command

    Taxonomy.objects.filter(pk=COUNTY).update(area=None)
    with pytest.raises(CommandError, match="'flying' is not a need code"):
        call_command("map_taxonomy_term", SINGING, "flying")
    call_command("map_taxonomy_term", SINGING, "carer")
    assert TaxonomyTerm.objects.get(pk=SINGING).need.code == "carer"
    assert singing_listings() <= found_by("carer")
    assert AuditEvent.objects.get(verb="map_taxonomy_term").actor_id is None


@pytest.mark.django_db(transaction=True)
def test_two_editors_at_the_same_moment_the_lock_lets_one_decide(area, service, monkeypatch):
    """Real concurrency: the second editor's action waits on the first's row lock, then
    sees the decision and is told; without the lock both would write."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    import_feed(area, feed())
    editors = [factories.user(organisation=service, role="directory_editor") for _ in range(2)]
    needs = [Need.objects.get(code="carer"), Need.objects.get(code="loneliness")]
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
            term = TaxonomyTerm.objects.get(pk=SINGING)
            actions.map_taxonomy_term(term, needs[index], by=editors[index], only_if_undecided=True)
            results[index] = "mapped"
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
    assert results[0] == "mapped"
    assert results[1].startswith("Someone else has just mapped 'Singing' to Carer support")
    assert TaxonomyTerm.objects.get(pk=SINGING).need.code == "carer"
    assert AuditEvent.objects.filter(verb="map_taxonomy_term").count() == 1
