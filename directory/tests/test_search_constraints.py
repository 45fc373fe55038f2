"""Hard constraints are filters in the one engine, with near misses (ADR 0011 §2)."""

from dataclasses import replace
from datetime import time
from decimal import Decimal

import pytest

from directory.actions import save_services
from directory.models import SearchEntry
from directory.records import CostRecord, LocationRecord, ScheduleRecord, ServiceRecord
from directory.search import NEAR_LIMIT, Query, search, shorten
from tests import factories

pytestmark = pytest.mark.django_db

TOWCESTER = (52.13, -0.99)
KM_NORTH = 1 / 111.2  # degrees of latitude in a kilometre


def listing(area, name, *, km=0.1, sessions=(("TU", "10:00", "12:00"),), **fields):
    """A published listing `km` north of Towcester, meeting loneliness, with `sessions`
    (byday, opens, closes; freq MONTHLY when the day has an ordinal)."""
    cost = fields.pop("amount", None)
    step_free = fields.pop("wheelchair", True)
    place = fields.pop("place", True)
    record = ServiceRecord(
        id=factories.uuid7(),
        organization_id=factories.uuid7(),
        organization_name=f"{name} group",
        name=name,
        need_codes=fields.pop("needs", ["loneliness"]),
        description=fields.pop("description", f"{name} in Towcester"),
        locations=[
            LocationRecord(
                id=factories.uuid7(),
                name="Hall",
                city="Towcester",
                latitude=TOWCESTER[0] + km * KM_NORTH,
                longitude=TOWCESTER[1],
                wheelchair_accessible=step_free,
            )
        ]
        if place
        else [],
        schedules=[
            ScheduleRecord(
                id=factories.uuid7(),
                freq="MONTHLY" if day[:1].isdigit() or day[:1] == "-" else "WEEKLY",
                byday=day,
                opens_at=time.fromisoformat(opens) if opens else None,
                closes_at=time.fromisoformat(closes) if closes else None,
            )
            for day, opens, closes in sessions
        ],
        costs=[
            CostRecord(
                id=factories.uuid7(),
                option="per session" if cost else "Free",
                amount=Decimal(cost or 0),
            )
        ],
        **fields,
    )
    save_services(by=None, area=area, records=[record])
    return record


def near(**kw):
    return Query(latitude=TOWCESTER[0], longitude=TOWCESTER[1], needs=["loneliness"], **kw)


def words(**kw):
    """A search with no place: words only."""
    return Query(text="cafe", **kw)


def names(result):
    return sorted(m.name for m in result.matches)


def near_names(result):
    return sorted(m.name for m in result.near_misses)


# Each constraint, as a filter: what breaks it is never a match, with or without a place,
# and is a near miss only when asked for.
CASES = [
    # (constraint given, fields of a listing that keeps it, fields of one that breaks it)
    ({"radius_km": 5}, {"km": 1}, {"km": 6.2}),
    (
        {"days": ["thu"]},
        {"sessions": [("TH", "10:00", "12:00")]},
        {"sessions": [("TU", "10:00", "12:00")]},
    ),
    ({"free_only": True}, {}, {"amount": "3.00"}),
    ({"wheelchair": True}, {}, {"wheelchair": False}),
    ({"age": 70}, {"minimum_age": 60}, {"minimum_age": 18, "maximum_age": 25}),
    ({"sex": "female"}, {}, {"eligibility_description": "Men only"}),
    ({"groups": set()}, {}, {"eligibility_description": "For unpaid carers"}),
]
LABELS = [
    "6.2 km — further than 5 km",
    "Tuesdays 10:00–12:00 — not when you are free",
    "£3.00 per session — not free",
    "no step-free access",
    "for ages 18–25",
    "for men",
    "for carers",
]


@pytest.mark.parametrize(
    ("given", "keeps", "breaks", "label"), [(*c, lb) for c, lb in zip(CASES, LABELS, strict=True)]
)
def test_each_constraint_is_a_filter_with_a_near_miss(area, given, keeps, breaks, label):
    listing(area, "Fits cafe", **keeps)
    listing(area, "Breaks cafe", **{**keeps, **breaks})
    result = search(near(**given))
    assert names(result) == ["Fits cafe"] and result.total == 1
    assert result.near_misses == []
    result = search(near(**given, include_near=True))
    assert names(result) == ["Fits cafe"] and result.total == 1
    assert near_names(result) == ["Breaks cafe"]
    assert result.near_misses[0].does_not_fit == [label]


@pytest.mark.parametrize(
    ("given", "keeps", "breaks"), [c for c in CASES if "radius_km" not in c[0]]
)
def test_each_constraint_is_a_filter_without_a_place(area, given, keeps, breaks):
    listing(area, "Fits cafe", **keeps)
    listing(area, "Breaks cafe", **{**keeps, **breaks})
    result = search(words(**given, include_near=True))
    assert names(result) == ["Fits cafe"] and result.total == 1
    assert near_names(result) == ["Breaks cafe"]


def test_a_session_overlapping_the_free_time_fits(area):
    listing(area, "Evening choir", sessions=[("WE", "18:00", "20:00")])
    free = {"days": ["wed"], "from_time": time(19), "to_time": time(21)}
    result = search(near(**free))
    assert names(result) == ["Evening choir"]
    assert "Wednesdays 18:00–20:00 — you are free" in result.matches[0].reasons
    assert search(near(days=["wed"], from_time=time(20), to_time=time(22))).total == 0


def test_monthly_and_fortnightly_rules_count_as_their_weekday(area):
    listing(area, "Second Tuesday lunch", sessions=[("2TU", "12:00", "13:30")])
    listing(area, "Last Friday supper", sessions=[("-1FR", "18:00", "20:00")])
    tuesday = search(near(days=["tue"]))
    assert names(tuesday) == ["Second Tuesday lunch"]
    assert "Second Tuesday of the month 12:00–13:30 — you are free" in tuesday.matches[0].reasons
    assert names(search(near(days=["fri"], from_time=time(17)))) == ["Last Friday supper"]


def test_sessions_without_times_and_listings_without_a_timetable(area):
    listing(area, "Saturday drop-in", sessions=[("SA", None, None)])
    listing(area, "Call us to arrange", sessions=[])
    listing(area, "Sunday lunch", sessions=[("SU", "12:00", "14:00")])
    result = search(near(days=["sat"], from_time=time(17), to_time=time(23)))
    assert names(result) == ["Call us to arrange", "Saturday drop-in"]
    arrange = next(m for m in result.matches if m.name == "Call us to arrange")
    assert "times to arrange" in arrange.reasons


def test_a_long_timetable_is_not_cut(area):
    # Thirty-five sessions; the old index stored the first 28 and lost the weekend.
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    sessions = [(d, f"{h:02d}:00", f"{h:02d}:30") for d in days for h in range(8, 18, 2)]
    listing(area, "Busy centre", sessions=sessions)
    assert names(search(near(days=["sun"], from_time=time(16, 10), to_time=time(16, 20)))) == [
        "Busy centre"
    ]


def test_a_timetable_too_busy_to_store_exactly_is_checked_on_its_schedules(area):
    sessions = [
        (d, f"{h:02d}:00", f"{h:02d}:30")
        for d in ["MO", "TU", "WE", "TH", "FR"]
        for h in range(8, 18)
    ]
    listing(area, "Very busy centre", sessions=sessions)
    assert SearchEntry.objects.get().slots.startswith("~")
    assert search(near(days=["fri"], from_time=time(17, 10), to_time=time(17, 20))).total == 1
    # In a gap the stored ranges have closed over, but no session runs.
    gap = search(
        near(days=["fri"], from_time=time(17, 35), to_time=time(17, 55), include_near=True)
    )
    assert gap.total == 0
    assert near_names(gap) == ["Very busy centre"]


def test_eligibility_by_sex(area):
    listing(area, "Men's shed", eligibility_description="Men only")
    listing(area, "Women's walk", eligibility_description="A walk for women, at a gentle pace")
    assert names(search(near(sex="female"))) == ["Women's walk"]
    assert names(search(near(sex="male"))) == ["Men's shed"]
    # Not known (a public search): both, and each says who it is for.
    result = search(near())
    assert names(result) == ["Men's shed", "Women's walk"]
    assert "for men" in next(m for m in result.matches if m.name == "Men's shed").reasons


def test_eligibility_by_group_known_and_unknown(area):
    listing(area, "Carers' break", eligibility_description="For unpaid carers", km=0.1)
    listing(area, "Open cafe", km=0.5)
    # Known not to be a carer: left out. Known to be one: in.
    assert names(search(near(groups=set()))) == ["Open cafe"]
    assert names(search(near(groups={"carers"}))) == ["Carers' break", "Open cafe"]
    # Not known: kept, labelled, and a little lower than it would otherwise be.
    unknown = search(near())
    assert [m.name for m in unknown.matches] == ["Open cafe", "Carers' break"]
    assert "for carers" in unknown.matches[1].reasons
    # Unless their words name the group.
    named = search(near(text="carers"))
    assert named.matches[0].name == "Carers' break"


def test_near_misses_break_exactly_one_constraint(area):
    listing(area, "Fits", km=1)
    listing(area, "Too far", km=6)
    listing(area, "Too far and paid", km=6, amount="2.00")
    listing(area, "Far beyond half again", km=8)  # > 1.5 x 5 km
    listing(area, "Paid", amount="2.00")
    result = search(near(radius_km=5, free_only=True, include_near=True))
    assert names(result) == ["Fits"] and result.total == 1
    assert near_names(result) == ["Paid", "Too far"]
    assert all(len(m.does_not_fit) == 1 for m in result.near_misses)


def test_near_misses_at_most_ten_ordered_by_score_never_in_total(area):
    for i in range(NEAR_LIMIT + 3):
        listing(area, f"Paid {i:02d}", km=0.2 + i * 0.3, amount="1.50")
    listing(area, "Free", km=3)
    result = search(near(free_only=True, include_near=True, limit=5))
    assert result.total == 1 and names(result) == ["Free"]
    assert len(result.near_misses) == NEAR_LIMIT
    scores = [m.score for m in result.near_misses]
    assert scores == sorted(scores, reverse=True)
    assert [m.name for m in result.near_misses][:2] == ["Paid 00", "Paid 01"]


def test_no_near_misses_without_constraints_broken(area):
    listing(area, "Cafe")
    assert search(near(include_near=True)).near_misses == []


def test_match_description_is_shortened_for_a_card(area):
    long = "A friendly group. " * 30
    listing(area, "Wordy cafe", description=long)
    listing(area, "Short cafe", description="Tea and a chat.")
    result = search(near())
    by_name = {m.name: m for m in result.matches}
    assert by_name["Short cafe"].description == "Tea and a chat."
    card = by_name["Wordy cafe"].description
    assert card.endswith("…") and len(card) <= 201 and long.startswith(card[:-1])
    assert long[len(card) - 1] == " "  # cut between words


def test_shorten():
    assert shorten("") == ""
    assert shorten("one two three", limit=8) == "one two…"
    assert shorten("x" * 300, limit=10) == "x" * 10 + "…"


def test_reimport_keeps_eligibility_in_step(area):
    record = listing(area, "Shed", eligibility_description="Men only")
    assert search(near(sex="female")).total == 0
    save_services(by=None, area=area, records=[replace(record, eligibility_description="")])
    assert search(near(sex="female")).total == 1


def _plain_breaks(service, query) -> set[str]:
    """What a listing breaks, by a plain reading of its rows (not the engine's code)."""
    from geography.lookup import distance_km

    broken = set()
    places = list(service.service_at_locations.select_related("location"))
    if query.latitude is not None and places:
        # At each place: too far, not step-free; the listing is as good as its best place.
        at_places = []
        for p in places:
            km = distance_km(
                query.latitude, query.longitude, p.location.latitude, p.location.longitude
            )
            here = set()
            if km > query.radius_km:
                here.add("distance")
            if query.wheelchair and not p.location.wheelchair_accessible:
                here.add("step-free")
            at_places.append(here)
        broken |= min(at_places, key=len)
    elif query.wheelchair:
        broken.add("step-free")
    if query.free_only and not service.is_free:
        broken.add("free")
    if query.age is not None and (
        (service.minimum_age is not None and query.age < service.minimum_age)
        or (service.maximum_age is not None and query.age > service.maximum_age)
    ):
        broken.add("age")
    sessions = list(service.schedules.all())
    if sessions and (query.days or query.from_time):
        day_codes = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR"}
        wanted = {day_codes[d] for d in query.days} if query.days else set(day_codes.values())
        if not any(
            s.byday[-2:] in wanted
            and (query.from_time is None or s.closes_at > query.from_time)
            and (query.to_time is None or s.opens_at < query.to_time)
            for s in sessions
        ):
            broken.add("schedule")
    if query.sex == "female" and "Men only" in service.eligibility_description:
        broken.add("eligibility")
    return broken


def test_random_directory_no_match_breaks_a_constraint(area):
    """Thirty listings and forty queries drawn at random: every match breaks nothing,
    every near miss breaks exactly one thing, by a plain reading of the listing's rows;
    and asking for near misses changes neither the matches nor the total."""
    import random

    from directory.models import Service

    rng = random.Random(16)
    for i in range(30):
        listing(
            area,
            f"Cafe {i:02d}",
            km=rng.choice([0.5, 2, 4, 6, 7, 12]),
            sessions=[
                (
                    rng.choice(["MO", "TU", "2WE", "TH", "-1FR"]),
                    f"{h:02d}:00",
                    f"{h + rng.choice([1, 2]):02d}:30",
                )
                for h in rng.sample([9, 11, 14, 18], rng.choice([1, 2]))
            ],
            amount=rng.choice([None, None, "2.50"]),
            wheelchair=rng.random() < 0.6,
            minimum_age=rng.choice([None, None, 18, 65]),
            eligibility_description=rng.choice(["", "", "", "Men only"]),
        )
    services = {
        s.pk: s
        for s in Service.objects.prefetch_related("schedules", "service_at_locations__location")
    }
    seen_matches = seen_near = 0
    for _ in range(40):
        start = rng.choice([None, 9, 12, 17])
        q = near(
            radius_km=rng.choice([3, 5, 10]),
            days=rng.sample(["mon", "tue", "wed", "thu", "fri"], rng.choice([0, 1, 2])),
            from_time=time(start) if start else None,
            to_time=time(start + 3) if start else None,
            free_only=rng.random() < 0.3,
            wheelchair=rng.random() < 0.3,
            age=rng.choice([None, 30, 70]),
            sex=rng.choice([None, "female"]),
            limit=100,
        )
        plain = search(q)
        with_near = search(replace(q, include_near=True))
        assert [m.service_id for m in with_near.matches] == [m.service_id for m in plain.matches]
        assert with_near.total == plain.total == len(plain.matches)
        for m in plain.matches:
            assert _plain_breaks(services[m.service_id], q) == set(), (m.name, q)
        for m in with_near.near_misses:
            assert len(_plain_breaks(services[m.service_id], q)) == 1, (m.name, q)
            assert len(m.does_not_fit) == 1
        expected = {pk for pk, s in services.items() if not _plain_breaks(s, q)}
        assert {m.service_id for m in plain.matches} == expected, q
        seen_matches += len(plain.matches)
        seen_near += len(with_near.near_misses)
    assert seen_matches > 40 and seen_near > 40  # the draw tests something
