"""Needs a listing's own words name or mean, semantic similarity in the score, what matters
letting a listing in, and groups made for the person's age (ADR 0011 §3, §4)."""

import pytest

from directory import actions, need_inference, search_index, semantic
from directory.models import SearchDocument, SearchEntry, Service
from directory.search import Query, search
from referrals.models import Need
from tests import factories

from .test_taxonomy_import import county_term, import_feed, listing

pytestmark = pytest.mark.django_db

HERE = {"latitude": 52.13, "longitude": -0.99}
MOURN = "A safe place to mourn after a loss in the family."


def needs_of(name):
    return SearchEntry.objects.filter(name=name).values_list("needs", flat=True).get()


def names(result):
    return [m.name for m in result.matches]


@pytest.fixture
def semantic_on(monkeypatch):
    monkeypatch.delenv("LINKWORK_SEMANTIC", raising=False)
    semantic.forget_model()
    semantic.forget_prototypes()
    yield
    semantic.forget_model()
    semantic.forget_prototypes()


@pytest.fixture
def semantic_off(monkeypatch):
    monkeypatch.setenv("LINKWORK_SEMANTIC", "off")
    semantic.forget_model()
    semantic.forget_prototypes()
    yield
    semantic.forget_model()
    semantic.forget_prototypes()


def test_a_description_naming_a_need_meets_it_as_inferred(area, semantic_on):
    factories.activity(
        area=area, name="Tuesday Club", needs=(), description="A bereavement group over tea."
    )
    factories.activity(area=area, name="Pottery", needs=(), description="Throw a pot.")
    assert needs_of("Tuesday Club") == " ~bereavement "

    result = search(Query(needs=["bereavement"], **HERE))

    assert names(result) == ["Tuesday Club"]
    reasons = result.matches[0].reasons
    assert "may help with: bereavement (from its description)" in reasons
    assert not any(r.startswith("meets:") for r in reasons)


def test_a_tag_outranks_the_same_need_only_inferred(area, semantic_on):
    for name, needs in (("Inferred", ()), ("Tagged", ("bereavement",))):
        factories.activity(area=area, name=name, needs=needs, description="Grief support.")
    # The tag is kept as it is, never inferred again.
    assert needs_of("Tagged") == " bereavement "
    assert needs_of("Inferred") == " ~bereavement "

    result = search(Query(needs=["bereavement"], **HERE))

    assert names(result) == ["Tagged", "Inferred"]
    assert result.matches[0].score > result.matches[1].score
    assert "meets: bereavement" in result.matches[0].reasons


def test_meaning_infers_a_need_that_no_phrase_names(area, semantic_on):
    factories.activity(area=area, name="Tuesday Club", needs=(), description=MOURN)
    assert needs_of("Tuesday Club") == " ~bereavement "
    vector = SearchDocument.objects.get(service__name="Tuesday Club").vector
    assert vector is not None and len(bytes(vector)) == semantic.DIM

    assert names(search(Query(needs=["bereavement"], **HERE))) == ["Tuesday Club"]


def test_with_semantic_similarity_off_words_still_infer_and_search_works(area, semantic_off):
    factories.activity(area=area, name="By meaning", needs=(), description=MOURN)
    factories.activity(area=area, name="By words", needs=(), description="Grief support.")

    assert needs_of("By meaning") == ""
    assert needs_of("By words") == " ~bereavement "
    assert SearchDocument.objects.get(service__name="By meaning").vector is None
    assert names(search(Query(needs=["bereavement"], **HERE))) == ["By words"]
    assert names(search(Query(text="mourn", **HERE))) == ["By meaning"]


def test_an_unmapped_term_of_a_feed_carries_its_need(area, semantic_on):
    grief = county_term(
        "0b6f0000-0000-4000-8000-0000000000c1", "Grief and loss", "GRIEF", description=""
    )
    pottery = county_term("0b6f0000-0000-4000-8000-0000000000c2", "Pottery", "POT")
    import_feed(area, {"contents": [listing(1, grief), listing(2, pottery)]})

    assert needs_of("Listing 1") == " ~bereavement "
    assert "bereavement" not in needs_of("Listing 2")
    assert names(search(Query(needs=["bereavement"]))) == ["Listing 1"]


def test_a_synonym_that_names_a_need_infers_it_again_after_saving(
    area, directory_editor, run_tasks, semantic_off, django_capture_on_commit_callbacks
):
    factories.activity(area=area, name="Tuesday Club", needs=(), description="Heartache café.")
    assert needs_of("Tuesday Club") == ""
    bereavement = Need.objects.get(code="bereavement")

    with django_capture_on_commit_callbacks(execute=True):
        synonym = actions.save_synonym(
            by=directory_editor, phrase="heartache", expands_to="", needs=[bereavement]
        )
    run_tasks()
    assert needs_of("Tuesday Club") == " ~bereavement "

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_synonym(by=directory_editor, synonym=synonym)
    run_tasks()
    assert needs_of("Tuesday Club") == ""


def test_a_synonym_naming_no_need_indexes_nothing_again(
    area, directory_editor, semantic_off, django_capture_on_commit_callbacks
):
    factories.activity(area=area, name="Tuesday Club", needs=(), description="Heartache café.")
    key = SearchDocument.objects.get().key

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.save_synonym(by=directory_editor, phrase="heartache", expands_to="grief", needs=[])

    # Only the synonyms cache is forgotten: no refresh of listings is queued.
    assert all("refresh" not in repr(c) for c in callbacks)
    assert SearchDocument.objects.get().key == key


def test_semantic_similarity_ranks_the_listing_closest_in_meaning_first(area, semantic_on):
    for name, description in (
        ("Club A", "Knitting and crochet circle: bring your wool."),
        ("Club B", MOURN),
    ):
        factories.activity(area=area, name=name, needs=("loneliness",), description=description)

    result = search(
        Query(needs=["loneliness"], context_text="coping with the death of my wife", **HERE)
    )

    assert names(result) == ["Club B", "Club A"]


def test_semantic_similarity_off_leaves_equal_listings_tied(area, semantic_off):
    for name, description in (("Club A", "Knitting circle."), ("Club B", MOURN)):
        factories.activity(area=area, name=name, needs=("loneliness",), description=description)

    result = search(
        Query(needs=["loneliness"], context_text="coping with the death of my wife", **HERE)
    )

    assert result.matches[0].score == result.matches[1].score


def test_what_matters_lets_in_an_activity_meeting_no_need(area, semantic_off):
    factories.activity(area=area, name="Cookery", needs=(), description="Learn to cook a meal.")
    factories.activity(area=area, name="Darts", needs=(), description="Darts league.")
    factories.activity(area=area, name="Cafe", needs=("bereavement",), description="Tea.")

    result = search(
        Query(needs=["bereavement"], context_text="Learning to cook a proper meal", **HERE)
    )

    assert sorted(names(result)) == ["Cafe", "Cookery"]
    cookery = next(m for m in result.matches if m.name == "Cookery")
    assert not any(r.startswith("meets:") for r in cookery.reasons)


def test_what_matters_alone_does_not_let_in_a_weak_match(area, semantic_off):
    # One common word of several is not enough to be about what matters to them.
    factories.activity(
        area=area, name="Darts", needs=(), description="Darts league for a proper laugh."
    )
    factories.activity(
        area=area,
        name="Cafe",
        needs=("bereavement",),
        description="Tea. Learn to cook meals with friends at home.",
    )

    result = search(
        Query(
            needs=["bereavement"],
            context_text="Learning to cook a proper meal with friends at home",
            **HERE,
        )
    )

    assert names(result) == ["Cafe"]


def test_a_group_made_for_the_persons_age_comes_first(area, semantic_off):
    factories.activity(area=area, name="For all", needs=("loneliness",), description="Chat.")
    factories.activity(
        area=area,
        name="For 18-25s",
        needs=("loneliness",),
        description="Chat.",
        min_age=18,
        max_age=25,
    )

    young = search(Query(needs=["loneliness"], age=19, **HERE))
    assert names(young) == ["For 18-25s", "For all"]
    assert "for ages 18–25 — your age" in young.matches[0].reasons

    # No age given: neither is made for the person.
    unknown = search(Query(needs=["loneliness"], **HERE))
    assert unknown.matches[0].score == unknown.matches[1].score
    assert not any("your age" in r for m in unknown.matches for r in m.reasons)


def test_inference_skips_listings_that_are_not_searched(area, semantic_on):
    factories.activity(area=area, name="Tuesday Club", needs=(), description="Grief support.")
    service = Service.objects.get(name="Tuesday Club")
    Service.objects.filter(pk=service.pk).update(published=False)
    search_index.refresh([service.pk])

    assert not SearchEntry.objects.exists()
    assert SearchDocument.objects.get().vector is None


def test_listing_text_leaves_out_the_organisation_and_blank_parts():
    text = need_inference.listing_text(
        {"name": "Tuesday Club", "description": "", "alternate_name": None}, ["", "Grief"]
    )
    assert text == "Tuesday Club. Grief"


def test_what_matters_with_no_need_asked_ranks_what_is_nearby(area, semantic_off):
    # No words typed, no need asked, and nothing nearby about what matters to them: the
    # nearby activities are still shown (what matters only ranks them).
    factories.activity(area=area, name="Cafe", needs=("loneliness",), description="Tea.")
    factories.activity(area=area, name="Darts", needs=(), description="Darts league.")

    result = search(Query(context_text="I would love to go fishing again", **HERE))

    assert sorted(names(result)) == ["Cafe", "Darts"]


def test_a_near_miss_for_another_age_is_not_made_for_them(area, semantic_off):
    factories.activity(
        area=area,
        name="For 18-25s",
        needs=("loneliness",),
        description="Chat.",
        min_age=18,
        max_age=25,
    )
    factories.activity(
        area=area, name="Over 60s", needs=("loneliness",), description="Chat.", min_age=60
    )

    result = search(Query(needs=["loneliness"], age=70, include_near=True, **HERE))

    assert names(result) == ["Over 60s"]
    assert [m.name for m in result.near_misses] == ["For 18-25s"]
    assert result.near_misses[0].score < result.matches[0].score
    assert not any("your age" in r for r in result.near_misses[0].reasons)


def test_a_synonym_of_stop_words_only_indexes_every_listing_again(
    area, directory_editor, run_tasks, semantic_off, django_capture_on_commit_callbacks
):
    factories.activity(
        area=area, name="Tuesday Club", needs=(), description="If you are by yourself."
    )
    assert needs_of("Tuesday Club") == ""
    loneliness = Need.objects.get(code="loneliness")

    with django_capture_on_commit_callbacks(execute=True):
        actions.save_synonym(
            by=directory_editor, phrase="by yourself", expands_to="", needs=[loneliness]
        )
    run_tasks()

    assert needs_of("Tuesday Club") == " ~loneliness "


def test_a_listing_indexed_without_a_vector_is_neither_favoured_nor_buried(
    area, monkeypatch, semantic_on
):
    for name in ("A", "B", "C"):
        factories.activity(
            area=area,
            name=f"Club {name}",
            needs=("loneliness",),
            description=MOURN if name == "A" else "Knitting.",
        )
    SearchDocument.objects.filter(service__name="Club C").update(vector=None)
    search_index.generation += 1  # as after a change: the engine's caches are read again

    result = search(Query(needs=["loneliness"], context_text="grieving my wife", **HERE))

    scores = {m.name: m.score for m in result.matches}
    assert scores["Club A"] >= scores["Club C"] >= scores["Club B"]


def test_words_that_mean_a_need_no_synonym_names_find_it(area, semantic_on):
    factories.activity(
        area=area,
        name="Tuesday Club",
        needs=("bereavement",),
        description="Tea and a chat with others who have lost someone close.",
    )
    factories.activity(
        area=area, name="Housing advice", needs=("housing",), description="Losing your home?"
    )

    result = search(Query(text="somewhere to talk about losing my husband", **HERE))

    # Without the need the words mean, the club has none of the words: it would be missing.
    club = next(m for m in result.matches if m.name == "Tuesday Club")
    assert "meets: bereavement" in club.reasons
    assert result.expanded_needs == ["bereavement"]


def test_words_mean_no_need_with_semantic_similarity_off(area, semantic_off):
    factories.activity(area=area, name="Tuesday Club", needs=("bereavement",), description="Tea.")
    result = search(Query(text="somewhere to talk about losing my husband", **HERE))
    assert result.expanded_needs == []


def test_words_of_what_matters_that_most_listings_have_are_left_out(area, semantic_off):
    from directory import search as engine
    from directory.text import expand_query

    for i in range(24):
        factories.activity(area=area, name=f"Group {i}", description="Friendly people.")
    factories.activity(area=area, name="Cookery", description="Learn to cook.")

    kept = engine._informative(expand_query("cook with people", [], weight=0.3))

    assert set(kept.stems) == {"cook"}  # "people" is in 24 of 25 listings
