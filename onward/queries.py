"""The provider's inbox: its tabs, each tab's rows, and how many each has.

A tab's rows come from an index in the order shown (`onward_provider_inbox` for the open
tabs, `onward_provider_closed` for the closed one), so a page costs the same however many
referrals have closed (bench/query_plans.py)."""

from django.db.models import Count, Q

from onward.states import OPEN, PLACE_HOLDING, Status

CLOSED = "closed"
# The closed tab lists (and counts) this many of the latest, at most: "Closed (1000+)".
CLOSED_COUNT_LIMIT = 1000
# key: (label, statuses, order of its rows).
TABS = {
    "answer": ("To answer", [Status.SENT], ["respond_by", "-id"]),
    "waiting": ("Waiting list", [Status.WAITING_LIST], ["-status_changed_at", "-id"]),
    "taking-part": ("Taking part", sorted(PLACE_HOLDING), ["-status_changed_at", "-id"]),
    CLOSED: ("Closed", sorted(set(Status) - OPEN), ["-closed_at", "-id"]),
}


def tab_rows(mine, tab: str):
    """A provider's referrals (`OnwardReferral.objects.for_provider(user)`) in one tab."""
    _, statuses, order = TABS[tab]
    rows = mine.filter(status__in=statuses)
    if tab == CLOSED:
        # The same rows (constraint `onward_closed_at_iff_closed`), said so that PostgreSQL
        # reads them, newest first, from the partial index `onward_provider_closed`.
        rows = rows.filter(closed_at__isnull=False)
    return rows.select_related("service", "referral__person").order_by(*order)


def tab_counts(mine) -> dict[str, int]:
    """How many referrals each tab has: the open tabs in one aggregate over the provider's
    open referrals (a range of `onward_provider_inbox`), the closed tab counted up to
    CLOSED_COUNT_LIMIT (that many entries of `onward_provider_closed`, at most). Neither
    reads more as referrals close: an exact count of every referral ever closed would."""
    open_tabs = {key: statuses for key, (_, statuses, _) in TABS.items() if key != CLOSED}
    counts = (
        mine.filter(status__in=sorted(OPEN))
        .order_by()
        .aggregate(
            **{_alias(key): Count("pk", filter=Q(status__in=s)) for key, s in open_tabs.items()}
        )
    )
    # Newest first, as the tab lists them: the LIMIT then stops the partial index's scan.
    closed = tab_rows(mine, CLOSED).select_related(None)
    return {
        **{key: counts[_alias(key)] for key in open_tabs},
        CLOSED: closed[: CLOSED_COUNT_LIMIT + 1].count(),
    }


def _alias(key: str) -> str:
    return key.replace("-", "_")
