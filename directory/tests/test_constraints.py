"""The constraint rules on their own (directory/constraints.py): pure, no database."""

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory import constraints as c

DAYS = list(c.DAYS)


def session(byday="TU", opens="10:00", closes="12:00"):
    return {
        "byday": byday,
        "opens_at": time.fromisoformat(opens) if opens else None,
        "closes_at": time.fromisoformat(closes) if closes else None,
    }


def fits(schedules, days=(), start=None, end=None):
    return c.slots_fit(
        c.encode_slots(schedules),
        list(days),
        time.fromisoformat(start) if start else None,
        time.fromisoformat(end) if end else None,
    )


def test_overlap_not_inside():
    # The old rule asked for the session to lie inside the window: 18:00-20:00 did not
    # fit someone free 19:00-21:00. It overlaps, so it fits.
    evening = [session("WE", "18:00", "20:00")]
    assert fits(evening, ["wed"], "19:00", "21:00") is True
    assert fits(evening, ["wed"], "17:00", "18:30") is True
    # Touching is not overlapping: [opens, closes) against [from, to).
    assert fits(evening, ["wed"], "20:00", "22:00") is False
    assert fits(evening, ["wed"], "09:00", "18:00") is False
    assert fits(evening, ["thu"], "19:00", "21:00") is False


@pytest.mark.parametrize("byday", ["2TU", "-1TU", "+1TU", "1TU,3TU"])
def test_monthly_rule_counts_as_its_weekday(byday):
    assert c.weekdays(byday) == ["tue"]
    assert fits([session(byday)], ["tue"]) is True
    assert fits([session(byday)], ["mon", "wed"]) is False


def test_session_without_times_fits_any_time_of_its_day():
    untimed = [session("FR", None, None)]
    assert c.encode_slots(untimed) == "FR"
    assert fits(untimed, ["fri"], "06:00", "07:00") is True
    assert fits(untimed, ["fri"], "22:00", "23:30") is True
    assert fits(untimed, ["sat"]) is False


def test_session_with_a_start_only_lasts_an_hour():
    assert c.encode_slots([session("MO", "18:00", None)]) == "MO1800-1900"
    assert fits([session("MO", "18:00", None)], ["mon"], "18:30", "20:00") is True


def test_no_timetable_passes_as_times_to_arrange():
    assert c.encode_slots([]) == ""
    assert fits([], ["mon"], "09:00", "10:00") is None


def test_session_without_a_day_counts_for_every_day():
    assert fits([session("", "10:00", "11:00")], ["sun"], "10:30", "12:00") is True


def test_per_weekday_ranges_are_merged():
    schedules = [
        session("MO,WE", "09:30", "11:00"),
        session("MO", "10:30", "13:00"),
        session("MO", "18:00", "20:00"),
        session("2WE", None, None),
    ]
    assert c.encode_slots(schedules) == "MO0930-1300,1800-2000;WE"
    assert c.decode_slots("MO0930-1300,1800-2000;WE") == {
        "mon": ((570, 780), (1080, 1200)),
        "wed": (c.WHOLE_DAY,),
    }


def test_stored_format_before_adr_0011_still_reads():
    assert c.decode_slots("MO,WE|1000|1200;1FR|1800|") == {
        "mon": ((600, 720),),
        "wed": ((600, 720),),
        "fri": ((1080, 1140),),
    }


def test_a_long_timetable_is_not_cut():
    # Thirty-five sessions: the old index kept the first 28 (400 characters) and lost
    # Saturday's and Sunday's.
    schedules = [
        session(day, f"{hour:02d}:00", f"{hour:02d}:30")
        for day in c.ICAL_DAYS
        for hour in range(8, 18, 2)
    ]
    stored = c.encode_slots(schedules)
    assert len(stored) <= c.SLOTS_LIMIT and not c.is_coarse(stored)
    assert c.slots_fit(stored, ["sun"], time(16, 10), time(16, 20)) is True
    assert c.slots_fit(stored, ["sun"], time(16, 40), time(16, 50)) is False


def test_a_timetable_too_busy_to_store_exactly_is_marked_coarse():
    schedules = [
        session(day, f"{hour:02d}:00", f"{hour:02d}:30")
        for day in ("MO", "TU", "WE", "TH", "FR")
        for hour in range(8, 18)
    ]
    stored = c.encode_slots(schedules)
    assert len(stored) <= c.SLOTS_LIMIT and c.is_coarse(stored)
    # Every real session still fits; the engine checks the gaps on the schedules.
    assert c.slots_fit(stored, ["fri"], time(17, 10), time(17, 20)) is True


minute_times = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
bydays = st.lists(
    st.tuples(st.sampled_from(["", "1", "2", "-1"]), st.sampled_from(c.ICAL_DAYS)),
    min_size=0,
    max_size=3,
).map(lambda parts: ",".join(n + d for n, d in parts))
schedules = st.lists(
    st.fixed_dictionaries(
        {
            "byday": bydays,
            "opens_at": st.none() | minute_times,
            "closes_at": st.none() | minute_times,
        }
    ),
    max_size=80,
)


@given(
    schedules,
    st.lists(st.sampled_from(DAYS), unique=True),
    st.none() | minute_times,
    st.none() | minute_times,
)
def test_stored_timetable_answers_as_its_schedules_do(rows, days, start, end):
    stored = c.encode_slots(rows)
    assert len(stored) <= c.SLOTS_LIMIT
    exact = any(c.schedule_fits(s, days, start, end) for s in rows)
    answer = c.slots_fit(stored, days, start, end)
    if not rows:
        assert answer is None
    elif c.is_coarse(stored):
        # Coarser only ever lets more through; the engine checks these on their schedules.
        assert answer or not exact
    else:
        assert answer is exact


@given(st.text(max_size=200))
def test_eligibility_never_fails_on_any_text(text):
    groups = c.eligibility_groups(text)
    assert set(groups) <= set(c.ELIGIBILITY_GROUPS)
    assert not {"men", "women"} <= set(groups)


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("Men only. A shed for making and mending.", ["men"]),
        ("A group for dads and their toddlers", ["parents", "men"]),
        ("For unpaid carers: a break and a brew", ["carers"]),
        ("Parents of under-5s welcome to stay and play", ["parents"]),
        ("New parents and babies", ["parents"]),
        ("Women only swimming", ["women"]),
        ("Breakfast club for veterans", ["veterans"]),
        ("For people living with dementia and their carers", ["dementia"]),
        ("A choir for men and women of all ages", []),
        ("Mental health walk, open to all", []),
        ("Support for mental health", []),
        ("Friendly cafe. Carers welcome too.", []),
    ],
)
def test_eligibility_phrases_are_conservative(text, groups):
    assert sorted(c.eligibility_groups(text)) == sorted(groups)


def test_eligibility_by_sex_and_by_known_or_unknown_membership():
    men = ("men",)
    assert c.check_eligibility(men, "female", None).breaks == ("men",)
    assert c.check_eligibility(men, "male", None).breaks == ()
    assert c.check_eligibility(men, None, None) == c.Eligibility((), ())  # sex not given
    carers = ("carers",)
    assert c.check_eligibility(carers, None, None) == c.Eligibility((), ("carers",))
    assert c.check_eligibility(carers, None, set()).breaks == ("carers",)
    assert c.check_eligibility(carers, None, {"carers"}) == c.Eligibility((), ())
    # A listing for people with dementia admits their carers.
    assert c.check_eligibility(("dementia",), None, {"carers"}).breaks == ()


def test_age_labels():
    assert c.age_label(18, 25) == "for ages 18–25"
    assert c.age_label(65, None) == "for ages 65 and over"
    assert c.age_label(None, 5) == "for ages up to 5"


@pytest.mark.parametrize(
    "text",
    [
        "Mainly for men; women welcome at the second session of the week.",
        "Especially for carers, but anyone can come.",
        "Veterans welcome, as is everyone.",
        "Family carers welcome.",
    ],
)
def test_who_a_listing_suits_is_not_who_may_come(text):
    assert c.eligibility_groups(text) == []


@pytest.mark.parametrize(
    "text, group",
    [
        ("A group for men, meeting in the shed.", "men"),
        ("For carers only.", "carers"),
        ("Mainly social; for veterans only.", "veterans"),
    ],
)
def test_who_a_listing_is_only_for(text, group):
    assert group in c.eligibility_groups(text)


@pytest.mark.parametrize(
    "text",
    [
        "Not just for men: partners and friends come too",
        "Also for men who care for someone",
        "A weekly walk. There is a separate session for women on Fridays.",
        "A club for dementia carers, but everyone is welcome",
        "For veterans of the armed forces and their families.",
    ],
)
def test_texts_that_welcome_more_than_one_group_restrict_nobody(text):
    assert c.eligibility_groups(text) == []


@pytest.mark.parametrize(
    "text",
    ["For mums, dads and carers of under 5s", "Stay and play for dads, mums and grandparents"],
)
def test_a_group_for_mums_and_dads_is_for_parents_of_either_sex(text):
    assert c.eligibility_groups(text) == ["parents"]
