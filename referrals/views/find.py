from django.shortcuts import render

from core.pagination import paginate_people
from core.permissions import Permission, has_permission, require_permission
from referrals import references
from referrals.models import Referral

MAX_SEARCH = 100


def find(request):
    """Find a referral by its reference (as the person reads it out), an NHS number or a
    name, among the referrals this user may see and no others: a service's staff, their
    service's; a referrer, their organisation's. A referral outside that is not found, and
    the page says nothing about whether it exists."""
    user = request.user
    service_staff = has_permission(user, Permission.CASE_VIEW)
    if not service_staff:
        require_permission(user, Permission.REFERRAL_VIEW_SENT)
    search = (request.GET.get("q") or "").strip()[:MAX_SEARCH]
    page = None
    if search:
        reference = references.normalise(search)
        found = (
            Referral.objects.visible_to(user)
            .matching(search)
            .for_list()
            .order_by("-received_at", "pk")
        )
        # Every search is recorded, found or not; a reference is not about anyone by itself.
        page = paginate_people(
            request,
            found,
            verb="search_referrals",
            **({"reference": reference} if reference else {}),
        )
    return render(
        request,
        "referrals/find.jinja",
        {"search": search, "page": page, "service_staff": service_staff},
    )
