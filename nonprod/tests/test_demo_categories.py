"""The demo directory carries a partner's own categories, left for the directory editor to
map (issue 16, "Taxonomies"): the "Taxonomy terms" page has something to show."""

import random

import pytest

from directory.actions import save_services
from directory.models import Service, TaxonomyTerm
from nonprod import demo, demo_categories
from tests import factories

pytestmark = pytest.mark.django_db


def test_two_listings_in_three_are_filed_under_the_categories_their_words_fit():
    records = demo_categories.tag(demo._activities(300, random.Random(2026)))
    tagged = [r for r in records if r.terms]
    assert 100 <= len(tagged) <= 200
    assert all(not r.terms for n, r in enumerate(records) if n % 3 == 2)
    choirs = [r for r in tagged if "choir" in r.name.lower()]
    assert choirs and all("NAC-02" in {t.code for t in r.terms} for r in choirs)
    assert all(r.term_ids == [t.id for t in r.terms] for r in records)


def test_the_categories_arrive_unmapped_in_the_areas_own_taxonomy():
    area = factories.area()
    records = demo_categories.tag(demo._activities(60, random.Random(2026)))
    save_services(by=None, area=area, records=records)
    terms = TaxonomyTerm.objects.filter(taxonomy__name=demo_categories.TAXONOMY.name)
    assert terms.count() == len({t.id for r in records for t in r.terms}) >= 4
    assert all(term.need_id is None and term.taxonomy.area_id == area.pk for term in terms)
    for record in records:
        linked = set(Service.objects.get(pk=record.id).terms.values_list("id", flat=True))
        assert {t.id for t in record.terms} <= linked


def test_categories_go_by_whole_words():
    records = demo_categories.tag(demo._activities(300, random.Random(2026)))
    music = {r.name for r in records if "NAC-02" in {t.code for t in r.terms}}
    assert music and not any("Housing" in name or "Recovery" in name for name in music)
