from operator import attrgetter

from django.core.paginator import Paginator

from core import audit

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """A page of results; a bad or too-large page number gives the nearest real page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def paginate_people(request, queryset, *, verb: str, person: str = "person_id", **detail):
    """A page of rows about people, with the read audited: who saw which people.

    `person` is the attribute path from a row to its person's id (e.g. "referral.person_id").
    """
    page = paginate(request, queryset)
    audit_list(request, page, verb=verb, person=person, page=page.number, **detail)
    return page


def audit_list(request, rows, *, verb: str, person: str = "person_id", **detail):
    """Audit a list of people shown to the signed-in user (rows are evaluated here)."""
    person_of = attrgetter(person)
    audit.record_list_view(
        by=request.user, verb=verb, person_ids=[person_of(row) for row in rows], **detail
    )
    return rows


def page_number(request) -> int:
    """The ?page= number asked for; anything odd means the first page."""
    value = request.GET.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1
