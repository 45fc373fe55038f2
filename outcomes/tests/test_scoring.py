"""Scoring of every instrument against hand-worked cases, and properties over all answers."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes import instruments
from outcomes.instruments import InvalidAnswer, change, get, score


def answers(code, *values):
    return {item.key: v for item, v in zip(get(code).items, values, strict=True)}


# Hand-worked cases


def test_ons4_items_are_banded_separately_and_never_summed():
    result = score(get("ons4"), answers("ons4", 4, 7, 10, 6))
    assert result.measures == {
        "satisfaction": Decimal(4),
        "worthwhile": Decimal(7),
        "happiness": Decimal(10),
        "anxiety": Decimal(6),
    }
    assert result.bands == {
        "satisfaction": "Low",
        "worthwhile": "High",
        "happiness": "Very high",
        "anxiety": "High",
    }
    assert "total" not in result.measures


@pytest.mark.parametrize(
    ("value", "positive", "anxiety"),
    [(0, "Low", "Very low"), (1, "Low", "Very low"), (2, "Low", "Low"), (3, "Low", "Low"),
     (4, "Low", "Medium"), (5, "Medium", "Medium"), (6, "Medium", "High"), (7, "High", "High"),
     (8, "High", "High"), (9, "Very high", "High"), (10, "Very high", "High")],
)  # fmt: skip
def test_ons4_band_edges(value, positive, anxiety):
    result = score(get("ons4"), answers("ons4", value, value, value, value))
    assert result.bands["satisfaction"] == positive and result.bands["anxiety"] == anxiety


def test_swemwbs_hand_worked():
    # "Some of the time" (3) to every statement: raw 21 → metric 19.25.
    result = score(get("swemwbs"), answers("swemwbs", 3, 3, 3, 3, 3, 3, 3))
    assert result.measures == {"raw": Decimal(21), "metric": Decimal("19.25")}
    mixed = score(get("swemwbs"), answers("swemwbs", 5, 4, 2, 3, 4, 1, 5))
    assert mixed.measures == {"raw": Decimal(24), "metric": Decimal("21.54")}


def test_swemwbs_is_never_prorated():
    partial = dict(list(answers("swemwbs", 5, 5, 5, 5, 5, 5, 5).items())[:6])
    result = score(get("swemwbs"), partial)
    assert not result.complete and result.measures == {}
    assert "never prorated" in result.notes[0]


def test_ucla3_totals_three_to_nine():
    assert score(get("ucla3"), answers("ucla3", 1, 1, 1)).measures == {"total": Decimal(3)}
    assert score(get("ucla3"), answers("ucla3", 3, 2, 3)).measures == {"total": Decimal(8)}


def test_ons_direct_loneliness():
    result = score(get("ons_loneliness"), {"lonely": 1})
    assert result.bands["lonely"] == "Often/always" and "Chronic loneliness" in result.notes[0]


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
     (14, "Moderate"), (15, "Severe"), (21, "Severe")],
)  # fmt: skip
def test_gad7_bands(total, band):
    values = [3] * (total // 3) + [total % 3] + [0] * 7
    result = score(get("gad7"), answers("gad7", *values[:7]))
    assert result.measures["total"] == total and result.bands["total"] == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
     (14, "Moderate"), (15, "Moderately severe"), (19, "Moderately severe"), (20, "Severe"),
     (27, "Severe")],
)  # fmt: skip
def test_phq9_bands(total, band):
    values = [3] * (total // 3) + [total % 3] + [0] * 9
    result = score(get("phq9"), answers("phq9", *values[:9]))
    assert result.measures["total"] == total and result.bands["total"] == band


def test_phq9_item_nine_is_a_risk_whatever_the_total():
    result = score(get("phq9"), answers("phq9", 0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.measures["total"] == 1 and result.bands["total"] == "Minimal"
    assert result.risks == ["self_harm"]
    assert score(get("phq9"), {"self_harm": 1}).risks == ["self_harm"]  # even unfinished
    assert score(get("phq9"), answers("phq9", 3, 3, 3, 3, 3, 3, 3, 3, 0)).risks == []


@pytest.mark.parametrize("bad", [{"nervous": 4}, {"nervous": "often"}, {"nosuch": 1}])
def test_impossible_answers_are_refused(bad):
    with pytest.raises(InvalidAnswer):
        score(get("gad7"), bad)


@pytest.mark.parametrize(
    ("code", "measure", "before", "after", "meaningful", "improved"),
    [
        ("swemwbs", "metric", "19.25", "22.35", True, True),
        ("swemwbs", "metric", "19.25", "21.54", False, True),  # +2.29
        ("swemwbs", "metric", "22.35", "19.25", True, False),
        ("gad7", "total", "15", "11", True, True),
        ("gad7", "total", "15", "12", False, True),
        ("phq9", "total", "18", "12", True, True),
        ("phq9", "total", "10", "16", True, False),
        ("ucla3", "total", "8", "5", None, None),  # no agreed threshold
    ],
)
def test_meaningful_change(code, measure, before, after, meaningful, improved):
    result = change(code, measure, Decimal(before), Decimal(after))
    assert result.meaningful is meaningful and result.improved is improved


# Properties over every possible answer


@given(st.lists(st.integers(1, 5), min_size=7, max_size=7))
def test_every_complete_swemwbs_has_a_metric_score_in_range(values):
    result = score(get("swemwbs"), answers("swemwbs", *values))
    raw = sum(values)
    assert result.measures["raw"] == raw
    assert Decimal("7.00") <= result.measures["metric"] <= Decimal("35.00")
    assert result.measures["metric"] == Decimal(instruments.SWEMWBS_METRIC[raw])


def test_the_swemwbs_table_covers_every_raw_score_and_only_rises():
    metrics = [Decimal(instruments.SWEMWBS_METRIC[raw]) for raw in range(7, 36)]
    assert len(metrics) == 29 and metrics == sorted(metrics) and len(set(metrics)) == 29
    assert metrics[0] == Decimal("7.00") and metrics[-1] == Decimal("35.00")


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_and_band_always_defined(values):
    result = score(get("phq9"), answers("phq9", *values))
    assert 0 <= result.measures["total"] <= 27 and result.bands["total"]
    assert (result.risks == ["self_harm"]) == (values[8] > 0)


@given(st.lists(st.integers(0, 3), min_size=7, max_size=7))
def test_gad7_total_and_band_always_defined(values):
    result = score(get("gad7"), answers("gad7", *values))
    assert 0 <= result.measures["total"] <= 21 and result.bands["total"]


@given(st.dictionaries(st.sampled_from([i.key for i in get("ons4").items]), st.integers(0, 10)))
def test_ons4_any_answers_any_subset(partial):
    result = score(get("ons4"), partial)
    assert set(result.measures) == set(partial) and set(result.bands) == set(partial)


def test_definitions_are_complete():
    assert {c: len(i.items) for c, i in instruments.instruments().items()} == {
        "ons4": 4, "swemwbs": 7, "ucla3": 3, "ons_loneliness": 1, "gad7": 7, "phq9": 9,
    }  # fmt: skip
    assert "University of Warwick" in get("swemwbs").licence
    assert get("phq9").item("self_harm").number == 9
