"""One reading of a person's scored answers (outcomes.presenters.scored_series) serves both
the progress charts on their page and the outcome changes in the message back."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from outcomes import actions
from outcomes.message_back import outcome_changes
from outcomes.presenters import progress, scored_series

pytestmark = pytest.mark.django_db
SWEMWBS = ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "mind"]
ONS4 = {"satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 3}
SWEMWBS_NAME = "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)"
ONS4_NAME = "ONS personal wellbeing (ONS4)"


@pytest.fixture
def answered(active_referral, link_worker):
    """SWEMWBS twice (baseline 90 days ago, month 3 now) and ONS4 once, at month 3; and an
    ONS4 form saved but not submitted, which counts for nothing."""

    def save(code, timepoint, answers, submit=True):
        return actions.save_answers(
            by=link_worker,
            referral=active_referral,
            code=code,
            timepoint=timepoint,
            answers=answers,
            submit=submit,
        )

    with time_machine.travel(timezone.now() - timedelta(days=90)):
        save("swemwbs", "baseline", dict.fromkeys(SWEMWBS, 3))
    save("swemwbs", "month-3", dict.fromkeys(SWEMWBS, 4))
    save("ons4", "month-3", ONS4)
    save("ons4", "month-6", {"satisfaction": 1}, submit=False)
    return active_referral


def test_each_measure_with_its_answers_oldest_first(answered):
    series = scored_series(answered)
    # A headline score for SWEMWBS (answered first); each item for ONS4, which has none.
    assert [(s.code, s.name, s.measures, len(s.scored)) for s in series] == [
        ("swemwbs", "metric", 1, 2),
        ("ons4", "satisfaction", 4, 1),
        ("ons4", "worthwhile", 4, 1),
        ("ons4", "happiness", 4, 1),
        ("ons4", "anxiety", 4, 1),
    ]
    swemwbs = series[0].scored
    assert [r.timepoint for r in swemwbs] == ["baseline", "month-3"]
    assert swemwbs[0].submitted_at < swemwbs[1].submitted_at


def test_the_message_back_names_each_measure_and_its_change(answered):
    rows = {row["measure"]: row for row in outcome_changes(answered)}
    assert list(rows) == [
        SWEMWBS_NAME,
        f"{ONS4_NAME}: satisfaction",
        f"{ONS4_NAME}: worthwhile",
        f"{ONS4_NAME}: happiness",
        f"{ONS4_NAME}: anxiety",
    ]
    swemwbs = rows[SWEMWBS_NAME]
    assert (swemwbs["instrument"], swemwbs["name"]) == ("swemwbs", "metric")
    assert (str(swemwbs["before"]), str(swemwbs["after"])) == ("19.25", "25.03")
    assert swemwbs["change"] == "+5.78 (meaningful improvement)"
    assert swemwbs["before_on"] < swemwbs["after_on"]
    # Answered once: a before and nothing after.
    once = rows[f"{ONS4_NAME}: worthwhile"]
    assert str(once["before"]) == "7"
    assert once["after"] is None and once["after_on"] is None and once["change"] == ""


def test_the_progress_charts_follow_the_same_measures(answered):
    charts = progress(answered)
    assert [c.title for c in charts] == [
        SWEMWBS_NAME,
        f"{ONS4_NAME}: life satisfaction",
        f"{ONS4_NAME}: worthwhile",
        f"{ONS4_NAME}: happiness yesterday",
        f"{ONS4_NAME}: anxiety yesterday",
    ]
    swemwbs = charts[0]
    assert [str(p[1]) for p in swemwbs.points] == ["19.25", "25.03"]
    assert swemwbs.change is not None and swemwbs.change.describe() == (
        "+5.78 (meaningful improvement)"
    )
    assert all(c.change is None and len(c.points) == 1 for c in charts[1:])
    assert charts[-1].lower_is_better and not charts[1].lower_is_better  # ONS4 anxiety
