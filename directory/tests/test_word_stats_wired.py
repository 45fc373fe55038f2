"""Once search_index keeps the word statistics: what actions, refreshes and a rebuild
leave stored is what counting the search documents gives, and search reads it."""

import pytest
from django.core.management import call_command

from directory import search_index, word_stats
from directory.models import SearchDocument, Service
from directory.search import Query, search
from directory.tests.test_word_stats import counted, stored
from tests import factories

pytestmark = pytest.mark.django_db


def documents():
    return list(SearchDocument.objects.values_list("tokens", flat=True))


def test_listings_made_edited_and_rebuilt_keep_the_statistics_exact(area):
    choir = factories.activity(area=area, name="Towcester Choir", description="We sing.")
    factories.activity(area=area, name="Debt advice", description="Money worries, free.")
    assert stored() == counted(documents())
    Service.objects.filter(pk=choir.pk).update(description="Singing and a choir tea")
    search_index.refresh([choir.pk])
    assert stored() == counted(documents())
    Service.objects.filter(pk=choir.pk).update(published=False, status="inactive")
    search_index.refresh([choir.pk, choir.pk])
    assert stored() == counted(documents())
    call_command("rebuild_search_index", verbosity=0)
    assert stored() == counted(documents())
    word_stats.set_version(1)
    call_command("rebuild_search_index", "--if-outdated", verbosity=0)
    assert stored() == counted(documents())


def test_a_word_new_in_another_process_is_known_at_once(area):
    factories.activity(area=area, name="Towcester Choir", description="We sing together.")
    search(Query(text="choir", latitude=52.13, longitude=-0.99))  # totals cached here
    factories.activity(area=area, name="Zumba Gold", description="Gentle dance workouts.")
    assert word_stats.for_stems(["zumba"]).df["zumba"] == 1
    result = search(Query(text="zumba", latitude=52.13, longitude=-0.99))
    assert [m.name for m in result.matches] == ["Zumba Gold"]
