"""The held-out judged set (ADR 0011 §6): a second directory, written apart from the demo
county, imported through the real Open Referral import, and a judged set over it. These
tests keep the two files usable together; they never assert a score, since the set is run
once, at the end, and reported as it comes."""

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.importers import parse_json
from directory.models import Service, TaxonomyTerm
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent
FEED = ROOT / "nonprod" / "data" / "shire-directory.oruk.json"
JUDGED = ROOT / "directory" / "judgements" / "shire-heldout.json"
TAXONOMY = "Lincolnshire Community Activity Categories"


@pytest.fixture
def feed():
    return json.loads(FEED.read_text(encoding="utf-8"))


@pytest.fixture
def judged():
    return json.loads(JUDGED.read_text(encoding="utf-8"))


@pytest.fixture
def shire():
    """The feed imported by the command an operator runs, into an area of its own."""
    area = factories.area(name="Held-out shire", code="E10000019")
    out = StringIO()
    call_command("import_directory", str(FEED), "--area", area.code, stdout=out)
    assert "Warning" not in out.getvalue()
    return area


def test_feed_is_a_directory_of_its_own_with_its_own_taxonomy(feed):
    services = feed["contents"]
    records, problems = parse_json(feed)
    assert problems == []
    assert len(records) == len(services) >= 300
    untagged = sum(1 for s in services if not s.get("attributes"))
    assert 0.3 <= untagged / len(services) <= 0.5
    taxonomies = {
        a["taxonomy_term"]["taxonomy_detail"]["name"]
        for s in services
        for a in s.get("attributes") or []
    }
    assert taxonomies == {TAXONOMY}
    # Generic names repeat across providers, as in a real county's directory.
    names = Counter(s["name"].lower() for s in services)
    assert names.most_common(1)[0][1] >= 3
    assert FEED.stat().st_size < 1.5 * 1024 * 1024


def test_import_brings_the_feeds_taxonomy_with_its_parents(shire, feed):
    assert Service.objects.filter(area=shire).count() == len(feed["contents"])
    terms = TaxonomyTerm.objects.filter(taxonomy__name=TAXONOMY)
    assert terms.count() >= 15
    assert terms.filter(parent__isnull=False).exists()
    # The import maps nothing to needs: that is the editors' decision.
    assert not terms.filter(need__isnull=False).exists()


def test_every_judged_listing_is_public_after_import(shire, judged):
    assert judged["format"] == "linkwork-judgements/1"
    assert judged["split"] == "heldout"
    cases = judged["cases"]
    assert len(cases) >= 40
    assert len({c["id"] for c in cases}) == len(cases)
    assert {c["mode"] for c in cases} == {"public", "link_worker"}
    judged_ids = set()
    for case in cases:
        grades = case["judgements"]
        assert grades, case["id"]
        assert all(grade in (1, 2, 3) for grade in grades.values()), case["id"]
        judged_ids |= set(grades)
    public = {
        str(pk) for pk in Service.objects.public().filter(area=shire).values_list("pk", flat=True)
    }
    assert judged_ids - public == set()


def test_evaluate_matching_runs_on_the_heldout_set(shire, judged):
    for engine in ("linkwork", "keyword"):
        out = StringIO()
        call_command("evaluate_matching", str(JUDGED), "--engine", engine, stdout=out)
        text = out.getvalue()
        assert f"Evaluating {len(judged['cases'])} cases (heldout set)" in text
        assert f"[{len(judged['cases'])}/{len(judged['cases'])}]" in text
        assert "nDCG@10" in text.split("Overall")[-1]
