import copy
import json
import math
import os
import sys
from io import StringIO
from uuid import uuid4

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from directory import evaluation
from directory import evaluation_checks as checks
from directory.search import Match, Result
from directory.tests.evaluation_fixtures import (
    LEEDS,
    TOWCESTER,
    listing,
    tiny_directory,
    tiny_judgements,
    write,
)

LOG3 = math.log2(3)


def run(*args):
    out = StringIO()
    call_command("evaluate_matching", *args, stdout=out)
    return out.getvalue()


# The figures, by hand


def test_ndcg_recall_and_rr_by_hand():
    judgements = {"a": 3, "b": 2, "c": 1, "d": 2}
    ranked = ["b", "x", "a", "c"]
    # DCG = (2^2-1)/log2 2 + 0/log2 3 + (2^3-1)/log2 4 + (2^1-1)/log2 5
    actual = 3 / 1 + 0 + 7 / 2 + 1 / math.log2(5)
    # ideal order 3, 2, 2, 1: 7/1 + 3/log2 3 + 3/log2 4 + 1/log2 5
    ideal = 7 + 3 / LOG3 + 3 / 2 + 1 / math.log2(5)
    assert evaluation.ndcg(ranked, judgements) == pytest.approx(actual / ideal)
    # = (3 + 3.5 + 0.43068) / (7 + 1.89279 + 1.5 + 0.43068) = 6.93068 / 10.82347
    assert evaluation.ndcg(ranked, judgements) == pytest.approx(0.64034, abs=1e-5)
    # grade >= 2: a, b, d; a and b in the top 10: 2 / min(10, 3)
    assert evaluation.recall(ranked, judgements) == pytest.approx(2 / 3)
    # the first grade 3 (a) is third
    assert evaluation.reciprocal_rank(ranked, judgements) == pytest.approx(1 / 3)
    assert evaluation.recall(ranked, {"a": 1}) is None
    assert evaluation.reciprocal_rank(ranked, {"b": 2}) is None
    assert evaluation.reciprocal_rank(["x"], {"a": 3}) == 0.0


def test_only_the_top_ten_count():
    judgements = {f"r{i}": 2 for i in range(12)}
    ranked = [f"n{i}" for i in range(10)] + ["r0", "r1"]
    assert evaluation.ndcg(ranked, judgements) == 0.0
    assert evaluation.recall(ranked, judgements) == 0.0
    # 12 relevant: the denominator is min(10, 12)
    assert evaluation.recall([f"r{i}" for i in range(12)], judgements) == 1.0


grades = st.dictionaries(st.sampled_from([f"s{i}" for i in range(15)]), st.integers(0, 3))


@given(grades.filter(lambda j: any(j.values())), st.permutations([f"s{i}" for i in range(15)]))
def test_ndcg_is_between_zero_and_one(judgements, ranked):
    assert 0.0 <= evaluation.ndcg(ranked, judgements) <= 1.0 + 1e-12


@given(grades.filter(lambda j: any(j.values())))
def test_ndcg_of_the_ideal_order_is_one(judgements):
    ideal = sorted(judgements, key=lambda s: -judgements[s])
    assert evaluation.ndcg(ideal, judgements) == pytest.approx(1.0)


# The plain checker


@pytest.fixture
def query():
    from directory.query_params import parse_query

    def make(**values):
        values.setdefault("lat", str(TOWCESTER[0]))
        values.setdefault("lon", str(TOWCESTER[1]))
        return parse_query(values)

    return make


def breaks_of(service, q):
    return checks.breaks(q, checks.listings([service.pk])[str(service.pk)])


def kinds(service, q):
    return [b.split(":")[0] for b in breaks_of(service, q)]


@pytest.mark.django_db
def test_checker_catches_each_kind_of_break(area, query):
    far = listing(area, "Far", places=(LEEDS + (True,),))
    assert breaks_of(far, query(radius_km="10")) == ["radius: 189.4 km, further than 10 km"]
    assert kinds(far, query(radius_km="10", lat=str(LEEDS[0]), lon=str(LEEDS[1]))) == []

    evening = listing(area, "Evening", sessions=(("WEEKLY", "WE", "18:30", "19:30"),))
    assert kinds(evening, query(days="mon")) == ["days/times"]
    assert kinds(evening, query(days="wed", **{"from": "09:00", "to": "12:00"})) == ["days/times"]
    # overlapping the window is enough: 19:00–21:00 overlaps 18:30–19:30
    assert kinds(evening, query(days="wed", **{"from": "19:00", "to": "21:00"})) == []
    # [opens, closes): free from 19:30 is too late, until 18:30 too early
    assert kinds(evening, query(**{"from": "19:30"})) == ["days/times"]
    assert kinds(evening, query(to="18:30")) == ["days/times"]

    monthly = listing(area, "Monthly", sessions=(("MONTHLY", "2TU", "10:00", "12:00"),))
    assert kinds(monthly, query(days="tue")) == []
    assert kinds(monthly, query(days="thu")) == ["days/times"]
    untimed = listing(area, "Untimed", sessions=(("WEEKLY", "FR", None, None),))
    assert kinds(untimed, query(days="fri", **{"from": "19:00", "to": "20:00"})) == []
    assert kinds(untimed, query(days="sat")) == ["days/times"]
    no_timetable = listing(area, "To arrange", sessions=())
    assert kinds(no_timetable, query(days="sun")) == []

    paid = listing(area, "Paid", amount="3.00")
    assert breaks_of(paid, query(free_only="true")) == ["free only: £3.00 per session"]
    assert kinds(paid, query()) == []

    steps = listing(area, "Steps", places=(TOWCESTER + (False,),))
    assert kinds(steps, query(wheelchair="true")) == ["step-free"]
    # a step-free place out of reach does not help; one in reach does
    two = listing(area, "Two venues", places=(TOWCESTER + (False,), LEEDS + (True,)))
    assert kinds(two, query(wheelchair="true")) == ["step-free"]
    assert kinds(two, query(wheelchair="true", lat=str(LEEDS[0]), lon=str(LEEDS[1]))) == []

    teens = listing(area, "Teens", min_age=13, max_age=18)
    assert breaks_of(teens, query(age="70")) == ["age: for ages 13–18"]
    assert kinds(teens, query(age="15")) == []

    shed = listing(area, "Shed", eligibility="Men only, any age.")
    assert breaks_of(shed, query(sex="female")) == ["sex: only for men"]
    assert kinds(shed, query(sex="male")) == []
    assert kinds(shed, query()) == []  # sex not given
    mums = listing(area, "Mums", eligibility="A group for mums with babies")
    assert kinds(mums, query(sex="male")) == ["sex"]
    both = listing(area, "Both", eligibility="For men and women over 50")
    assert kinds(both, query(sex="male")) == kinds(both, query(sex="female")) == []
    health = listing(area, "Health", eligibility="For mental health service users")
    assert kinds(health, query(sex="female")) == []

    everything = query(
        radius_km="5", days="mon", free_only="true", wheelchair="true", age="70", sex="male"
    )
    placeless = listing(area, "Telephone", places=(), sessions=())
    assert kinds(placeless, everything) == []
    assert kinds(listing(area, "Unpriced", amount=None), query(free_only="true")) == ["free only"]


# The judgement file


@pytest.fixture
def directory(area):
    return tiny_directory(area)


@pytest.fixture
def judged(directory):
    return tiny_judgements(directory)


def problems(data):
    with pytest.raises(evaluation.JudgementError) as error:
        evaluation.validate(data)
    return error.value.problems


def mutate(data, change):
    data = copy.deepcopy(data)
    change(data)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(format="v2"), "format: must be 'linkwork-judgements/1', not 'v2'"),
        (lambda d: d.update(split="test"), "split: must be one of dev, heldout, not 'test'"),
        (lambda d: d.update(cases=[]), "cases: must be a non-empty list of cases"),
        (lambda d: d["cases"].append("x"), "case 4: must be an object"),
        (lambda d: d["cases"][0].pop("id"), "case 1: id: must be a non-empty string"),
        (lambda d: d["cases"][1].update(id="choir"), "case 'choir': id: used by an earlier case"),
        (lambda d: d["cases"][0].update(person=""), "case 'choir': person: must describe"),
        (lambda d: d["cases"][0].update(mode="gp"), "case 'choir': mode: must be one of public"),
        (lambda d: d["cases"][0].update(colour=1), "case 'choir': colour: not a field of a case"),
        (lambda d: d["cases"][0].update(query=[]), "case 'choir': query: must be an object"),
        (lambda d: d["cases"][0].update(judgements={}), "case 'choir': judgements: must be an"),
        (
            lambda d: d["cases"][0].update(judgements={"abc": 3}),
            "case 'choir': judgements: 'abc' is not a listing id (a UUID)",
        ),
        (
            lambda d: d["cases"][0].update(judgements={str(uuid4()): 4}),
            "grade must be 0, 1, 2 or 3, not 4",
        ),
        (
            lambda d: d["cases"][0].update(judgements={str(uuid4()): 0}),
            "case 'choir': judgements: no listing graded 1 or more",
        ),
        (lambda d: d["cases"][0]["query"].update(colour="red"), "query.colour: unknown parameter"),
        (lambda d: d["cases"][0]["query"].update(limit=5), "query.limit: not for a judgement"),
        (lambda d: d["cases"][0]["query"].update(age="old"), "query.age: must be a number"),
        (lambda d: d["cases"][0]["query"].update(age=200), "query.age: must be between 0 and 120"),
        (lambda d: d["cases"][0]["query"].update(free_only="y"), "query.free_only: must be true"),
        (lambda d: d["cases"][0]["query"].update(days="mon"), "query.days: must be a list of days"),
        (lambda d: d["cases"][0]["query"].update(days=["mon", "funday"]), "'funday' is not a day"),
        (lambda d: d["cases"][0]["query"].update(needs="x"), "query.needs: must be a list of"),
        (lambda d: d["cases"][0]["query"].update(needs=["flying"]), "unknown need 'flying'"),
        (lambda d: d["cases"][0]["query"].update(postcode="ZZ99 9ZZ"), "query.postcode: "),
        (lambda d: d["cases"][0]["query"].update(sex="other"), "query.sex: must be female or male"),
        (lambda d: d["cases"][2]["query"].update(groups=["cats"]), "query.groups: unknown group"),
        (lambda d: d["cases"][0]["query"].update(q=3), "case 'choir': query.q: must be a string"),
        (
            lambda d: d["cases"][0]["query"].update(what_matters="x"),
            "case 'choir': query.what_matters/goals: only for link_worker cases",
        ),
        (
            lambda d: d["cases"][0].update(query={"radius_km": 3}),
            "case 'choir': query.q: give at least one of q, needs, postcode or lat/lon",
        ),
    ],
)
def test_every_problem_in_a_file_is_named(judged, change, expected):
    found = problems(mutate(judged, change))
    assert any(expected in p for p in found), found


@pytest.mark.django_db
def test_all_problems_are_listed_together(judged):
    def two(d):
        d["format"] = "x"
        d["cases"][1]["mode"] = "y"

    assert len(problems(mutate(judged, two))) == 2


@pytest.mark.django_db
def test_link_worker_case_carries_what_matters_and_known_groups(judged):
    cases = evaluation.validate(judged).cases
    public, link_worker = cases[0].query, cases[2].query
    assert public.groups is None and public.context_text == ""
    assert link_worker.groups == set() and link_worker.context_text == "company get out"
    assert link_worker.limit == 10 and not link_worker.include_near
    with_groups = mutate(judged, lambda d: d["cases"][2]["query"].update(groups=["carers"]))
    assert evaluation.validate(with_groups).cases[2].query.groups == {"carers"}


@pytest.mark.django_db
def test_unknown_listing_ids_stop_the_run(tmp_path, judged):
    stranger = str(uuid4())
    judged["cases"][1]["judgements"][stranger] = 2
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, judged))
    assert "not in this directory (judged on another directory?)" in str(error.value)
    assert f"case 'knit-wednesday': {stranger}" in str(error.value)


def test_unreadable_files(tmp_path, db):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(CommandError, match="is not JSON"):
        run(str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.json"))


# The command


@pytest.mark.django_db
def test_keyword_baseline_figures_by_hand(tmp_path, directory, judged):
    out_json = tmp_path / "out.json"
    printed = run(write(tmp_path, judged), "--engine", "keyword", "--json", str(out_json))
    report = json.loads(out_json.read_text())
    cases = {c["id"]: c for c in report["cases"]}
    d = directory
    # "choir": the name match first (BM25, name counted twice), the description match
    # second; Choir of Leeds is 189 km away, outside 5 km. Grades 2, 3:
    # DCG = 3/log2 2 + 7/log2 3 = 7.41650; ideal 3, 2, 1 = 7 + 3/log2 3 + 1/2 = 9.39279
    assert cases["choir"]["ranked"] == [str(d["choir"].pk), str(d["club"].pk)]
    assert cases["choir"]["ndcg"] == pytest.approx((3 + 7 / LOG3) / (7 + 3 / LOG3 + 0.5))
    assert cases["choir"]["ndcg"] == pytest.approx(0.78960, abs=1e-5)
    assert cases["choir"]["recall"] == 1.0  # both grade >= 2 listings: 2 / min(10, 2)
    assert cases["choir"]["reciprocal_rank"] == 0.5  # the grade 3 listing is second
    # "knit-wednesday": Knit and Natter meets on Tuesdays, so nothing fits: all zero
    assert cases["knit-wednesday"]["ranked"] == []
    assert cases["knit-wednesday"]["ndcg"] == 0.0
    assert cases["knit-wednesday"]["recall"] == 0.0
    assert cases["knit-wednesday"]["reciprocal_rank"] == 0.0
    # "chat": both chat listings, the shorter first (6 words against 9): grade 1 first = ideal;
    # no grade >= 2 or grade 3 listing: left out of recall and MRR
    assert cases["chat"]["ranked"][0] == str(d["knit"].pk)
    assert cases["chat"]["ndcg"] == 1.0
    assert cases["chat"]["recall"] is None and cases["chat"]["reciprocal_rank"] is None
    overall = report["overall"]
    assert overall["ndcg_at_10"] == pytest.approx((0.78960 + 0 + 1) / 3, abs=1e-5)
    assert overall["recall_at_10"] == 0.5 and overall["recall_cases"] == 2
    assert overall["mrr"] == 0.25 and overall["mrr_cases"] == 2
    assert overall["breaks"] == 0
    assert report["engine"] == "keyword" and report["split"] == "dev"

    assert "[1/3] choir: nDCG@10 0.790  recall@10 1.000  RR 0.500  breaks 0" in printed
    assert "[3/3] chat: nDCG@10 1.000  recall@10 -  RR -  breaks 0" in printed
    assert "  nDCG@10    0.597" in printed
    assert "  recall@10  0.500 over 2 cases (1 with no grade >= 2 listing left out)" in printed
    assert "  MRR        0.250 over 2 cases (1 with no grade 3 listing left out)" in printed
    assert "  constraint breaks in the top 10: 0" in printed


@pytest.mark.django_db
def test_keyword_baseline_ranks_a_name_match_first(area):
    from directory.query_params import parse_query

    listing(area, "Allotment Friends", description="Gardening, and walks to the garden.")
    listing(area, "Garden Club", description="We meet weekly.")
    listing(area, "Long description", description="A garden " + "and more words " * 30)
    ranked = evaluation.KeywordBaseline().search(parse_query({"q": "garden"}))
    names = [checks.listings(ranked)[s].name for s in ranked]
    assert names[0] == "Garden Club"
    assert set(names) == {"Garden Club", "Allotment Friends", "Long description"}


@pytest.mark.django_db
def test_fail_under_exit_code(tmp_path, directory, judged):
    path = write(tmp_path, judged)
    assert "nDCG@10    0.597" in run(path, "--engine", "keyword", "--fail-under", "0.5")
    with pytest.raises(CommandError) as error:
        run(path, "--engine", "keyword", "--fail-under", "0.6")
    assert error.value.returncode == 1
    assert "overall nDCG@10 0.597 is under 0.6" in str(error.value)


@pytest.mark.django_db
def test_engine_breaks_are_counted_printed_and_fail(tmp_path, monkeypatch, directory, judged):
    """The checker is not the engine's: a listing the engine lets through against the
    person's days is counted as a break."""
    d = directory

    def engine(query):
        ranked = [d["club"], d["knit"]]
        matches = [Match(s.pk, s.name, 1.0, 0.1, [], False, [], "Free", "") for s in ranked]
        return Result(matches, len(matches), [])

    monkeypatch.setattr(evaluation, "search", engine)
    judged["cases"][0]["query"]["days"] = ["thu"]
    path = write(tmp_path, judged)
    with pytest.raises(CommandError) as error:
        run(path, "--fail-under", "0")
    assert error.value.returncode == 1
    assert "constraint break(s) in the top 10" in str(error.value)
    printed = run(path)
    assert f"#1 Tuesday Club ({d['club'].pk}): days/times: no session when the person" in printed
    # Tuesday Club (3) first, Knit and Natter (1) second, both on Tuesdays, not Thursdays:
    # (7 + 1/log2 3) / 9.39279 = 7.63093 / 9.39279 = 0.812; recall 1 of 2; RR 1
    assert "[1/3] choir: nDCG@10 0.812  recall@10 0.500  RR 1.000  breaks 2" in printed
    assert "constraint breaks in the top 10: 4 in 2 cases (days/times 4)" in printed


@pytest.mark.django_db
def test_the_engine_runs_each_case(tmp_path, directory, judged):
    out = tmp_path / "out.json"
    printed = run(write(tmp_path, judged), "--json", str(out))
    assert "Evaluating 3 cases (dev set) with the linkwork engine on tiny test directory" in printed
    report = json.loads(out.read_text())
    assert report["engine"] == "linkwork"
    by_id = {c["id"]: c for c in report["cases"]}
    for case in tiny_judgements(directory)["cases"]:
        got = by_id[case["id"]]
        assert len(got["ranked"]) <= 10
        assert got["ndcg"] == pytest.approx(evaluation.ndcg(got["ranked"], case["judgements"]))


@pytest.mark.django_db
def test_lexical_only_switches_semantic_off_for_the_run(tmp_path, monkeypatch, directory, judged):
    before = os.environ.get("LINKWORK_SEMANTIC")
    seen = []

    def engine(query):
        seen.append(os.environ.get("LINKWORK_SEMANTIC"))
        return Result([], 0, [])

    monkeypatch.setattr(evaluation, "search", engine)
    monkeypatch.delitem(sys.modules, "directory.semantic", raising=False)
    printed = run(write(tmp_path, judged), "--lexical-only")
    assert seen == ["off", "off", "off"]
    assert "Note: the engine has no semantic part yet: --lexical-only changed nothing" in printed
    monkeypatch.setitem(sys.modules, "directory.semantic", object())
    printed = run(write(tmp_path, judged), "--lexical-only")
    assert "Note: semantic similarity was off (LINKWORK_SEMANTIC=off)" in printed
    printed = run(write(tmp_path, judged), "--lexical-only", "--engine", "keyword")
    assert "Note: --lexical-only has no effect on the keyword baseline" in printed
    assert os.environ.get("LINKWORK_SEMANTIC") == before
