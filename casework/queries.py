from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone

from accounts.models import User
from core.ids import url_by_id
from core.permissions import Role
from referrals.models import Person, Referral
from referrals.queries import needs_by_referral
from referrals.states import Status

HELD = [Status.ALLOCATED, Status.ACTIVE]


def workers_with_caseload(service):
    """The service's link workers with their open and overdue case counts, in one query.

    Only the cases they hold are joined (the status test is in the join, not a filter on the
    count), so the query reads each worker's open cases through the partial index
    `referral_held` and never their closed ones: it costs the same however much history
    there is (bench/query_plans.py)."""
    return (
        User.objects.filter(organisation=service, role=Role.LINK_WORKER, is_active=True)
        .annotate(held=FilteredRelation("caseload", condition=Q(caseload__status__in=HELD)))
        .annotate(
            open_cases=Count("held"),
            overdue=Count("held", filter=Q(held__next_action_due__lt=timezone.localdate())),
        )
        .order_by("full_name")
    )


_ROW_FIELDS = (
    "pk",
    "person_id",
    "status",
    "next_action",
    "next_action_due",
    "first_contact_due",
    "first_contact_at",
    "closed_at",
    "questionnaires_due",
    "open_alerts",
)


class CaseloadRow:
    """One row of a caseload page: the few fields the page shows, read as values rather than
    as a referral with its person, practice, link worker and needs built as models (building
    those cost more than the page's SQL and its HTML together)."""

    __slots__ = (*_ROW_FIELDS, "given_name", "family_name", "needs", "url")

    def __init__(self, values: dict, needs: list[str], url: str):
        for name, value in values.items():
            setattr(self, name, value)
        self.needs = needs
        self.url = url

    # The models' own rules, applied to these fields, so the page cannot drift from them.
    full_name = Person.full_name
    first_contact_overdue = Referral.first_contact_overdue


class _CaseloadPage:
    """What `Paginator` needs of a caseload: its count, and a slice as `CaseloadRow`s.

    The count is of the held cases alone, with no joins. A page is one query: the page's
    cases are chosen first (a subquery on the caseload's index), and only those 25 are joined
    to their questionnaires and alerts, not every case held; their needs come in one more, as
    `prefetch_related` would."""

    def __init__(self, cases, today):
        self.cases = cases
        self.rows = cases.annotate(
            questionnaires_due=Count(
                "questionnaire_requests",
                filter=Q(
                    questionnaire_requests__status__in=["due", "sent"],
                    questionnaire_requests__due_on__lte=today,
                ),
                distinct=True,
            ),
            open_alerts=Count(
                "safety_alerts",
                filter=Q(safety_alerts__acknowledged_at__isnull=True),
                distinct=True,
            ),
        ).values(
            *_ROW_FIELDS, given_name=F("person__given_name"), family_name=F("person__family_name")
        )

    def count(self):
        return self.cases.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("a caseload is read a page at a time")
        rows = list(self.rows.filter(pk__in=self.cases.values("pk")[index]))
        needs = needs_by_referral([row["pk"] for row in rows]) if rows else {}
        case_url = url_by_id("casework:case")
        return [CaseloadRow(row, needs.get(row["pk"], []), case_url(row["pk"])) for row in rows]


def caseload_rows(user, worker, today):
    """The cases `worker` holds that `user` may see, next action first, for `Paginator`:
    each row says whether questionnaires are due by `today` and whether a safety alert is
    unacknowledged."""
    cases = Referral.objects.visible_to(user).caseload_of(worker)
    # Cases received in the same minute with the same next action (or none) tie: the id
    # settles their order, so that paging never shows one twice and another never.
    return _CaseloadPage(cases.order_by(*cases.query.order_by, "pk"), today)
