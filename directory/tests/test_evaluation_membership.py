"""The evaluation's plain checker counts a listing only for a group the person is known not
to be in as a constraint break (ADR 0011 §6), and never when membership is unknown."""

import pytest

from directory import evaluation_checks as checks
from directory.query_params import parse_query
from tests import factories

pytestmark = pytest.mark.django_db

TOWCESTER = (52.13, -0.99)


def query(groups=None):
    q = parse_query({"lat": str(TOWCESTER[0]), "lon": str(TOWCESTER[1])})
    # As a link worker's case gives it: the groups the person is known to be in.
    q.groups = None if groups is None else set(groups)
    return q


def breaks(service, q):
    return checks.breaks(q, checks.listings([service.pk])[str(service.pk)])


@pytest.mark.parametrize(
    ("eligibility", "groups", "broken"),
    [
        ("Unpaid carers only.", [], ["who it is for: only for carers"]),
        ("Unpaid carers only.", ["carers"], []),
        ("Only for veterans and their families.", ["carers"], ["who it is for: only for veterans"]),
        ("Only for people living with dementia.", ["carers"], []),  # and their carers
        ("Only for people living with dementia.", [], ["who it is for: only for dementia"]),
        ("Carers welcome, everyone else too.", [], []),
        ("", [], []),
    ],
)
def test_membership_known(area, eligibility, groups, broken):
    service = factories.activity(area=area, name="Group", eligibility=eligibility)
    assert breaks(service, query(groups=groups)) == broken


def test_membership_unknown_breaks_nothing(area):
    service = factories.activity(area=area, name="Group", eligibility="Unpaid carers only.")
    # A public search: who the person is is not known.
    assert breaks(service, query()) == []
