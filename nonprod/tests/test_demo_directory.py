"""The demo county's directory reads like a real one (ADR 0011 §6), and the dev judged set
still fits it: a change to the generator that moves or drops a judged listing fails here,
not silently in the evaluation."""

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from directory.actions import HIDE_AFTER_DAYS
from directory.models import Synonym
from nonprod import demo

pytestmark = pytest.mark.django_db

JUDGEMENTS = Path(__file__).resolve().parents[2] / "directory/judgements/demo-county-dev.json"


def _directory(count=300):
    return demo._activities(count, random.Random(2026))


def test_no_town_has_two_listings_that_say_the_same():
    for count in (300, 3000):
        records = _directory(count)
        by_place = Counter((r.locations[0].city, r.description) for r in records)
        assert [key for key, n in by_place.items() if n > 1] == [], count
        names = Counter(r.name for r in records)
        assert [name for name, n in names.items() if n > 1] == [], count


def test_listings_describe_what_happens_and_who_they_are_for():
    records = _directory()
    assert all(len(re.findall(r"[.!?](\s|$)", r.description)) >= 2 for r in records)
    assert len({r.description for r in records}) >= 80
    assert sum(bool(r.eligibility_description) for r in records) >= 60
    assert sum(r.minimum_age is not None or r.maximum_age is not None for r in records) >= 60
    assert any(r.maximum_age is not None for r in records)
    assert any("men" in r.eligibility_description.lower().split() for r in records)
    # Some names say nothing about the activity: only the description carries it.
    assert {"Open Door", "The Tuesday Club"} & {r.name for r in records}
    assert any(not r.need_codes for r in records)
    assert len({r.locations[0].city for r in records}) >= 15


def test_the_same_seed_gives_the_same_ids():
    assert [r.id for r in _directory()] == [r.id for r in _directory()]


def test_every_judged_listing_is_in_the_demo_directory_and_findable():
    data = json.loads(JUDGEMENTS.read_text())
    assert data["format"] == "linkwork-judgements/1" and data["split"] == "dev"
    assert len(data["cases"]) >= 40
    today = timezone.localdate()
    # Listings the daily freshness review hides can never be found, so none is judged.
    findable = {
        str(r.id) for r in _directory() if (today - r.last_verified_on).days <= HIDE_AFTER_DAYS
    }
    for case in data["cases"]:
        grades = case["judgements"]
        assert set(grades) <= findable, case["id"]
        assert grades and set(grades.values()) <= {1, 2, 3}, case["id"]
    modes = Counter(case["mode"] for case in data["cases"])
    assert modes["public"] >= 15 and modes["link_worker"] >= 15


def test_residents_words_for_their_needs_are_synonyms():
    phrases = set(Synonym.objects.values_list("phrase", flat=True))
    assert {"dementia", "carer", "bereaved", "debt", "money", "damp"} <= phrases
    assert set(Synonym.objects.get(phrase="debt").needs.values_list("code", flat=True)) == {
        "money-debt"
    }
