"""The area's staff accounts, for its administrators: search by name or email address,
filter by role and organisation, a page at a time. Each row leads to the person's page
(administration/views/staff.py). Only accounts of the administrator's own area are listed;
the page shows no case or person record."""

from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import render

from accounts import invitations
from accounts.models import Invitation, User
from core import audit
from core.permissions import Permission, Role, require_permission
from organisations.models import Organisation

PER_PAGE = 50


def staff_list(request):
    require_permission(request.user, Permission.STAFF_MANAGE)
    area = request.user.organisation.area
    search = (request.GET.get("q") or "").strip()
    roles = [(value, label) for value, label in Role.choices]
    role = request.GET.get("role", "")
    if role not in dict(roles):
        role = ""
    organisations = Organisation.objects.filter(area=area, staff__isnull=False).distinct()
    organisations = organisations.order_by("name")
    organisation = request.GET.get("organisation", "")
    if organisation and not organisations.filter(pk=_uuid_or_none(organisation)).exists():
        organisation = ""

    latest = Invitation.objects.filter(user=OuterRef("pk")).order_by("-invited_at")
    rows = (
        User.objects.filter(organisation__area=area)
        .select_related("organisation")
        .annotate(
            invitation_status=Subquery(latest.values("status")[:1]),
            invitation_expires_at=Subquery(latest.values("expires_at")[:1]),
        )
    )
    if search:
        rows = rows.filter(Q(full_name__icontains=search) | Q(email__icontains=search.lower()))
    if role:
        rows = rows.filter(role=role)
    if organisation:
        rows = rows.filter(organisation_id=organisation)
    page = Paginator(rows.order_by("full_name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    for user in page.object_list:
        user.status = _status(user)
    audit.record_view(
        by=request.user,
        verb="view_staff_list",
        obj=area,
        search=search,
        role=role,
        organisation=organisation,
        shown=len(page.object_list),
    )
    return render(
        request,
        "administration/staff_list.jinja",
        {
            "area": area,
            "page": page,
            "search": search,
            "roles": roles,
            "role": role,
            "organisations": organisations,
            "organisation": organisation,
            "bulk": not invitations.is_system_admin(request.user),
        },
    )


def _status(user) -> str:
    if user.invitation_status and not user.has_usable_password():
        pending = Invitation(status=user.invitation_status, expires_at=user.invitation_expires_at)
        shown = invitations.state(pending)
        return {
            invitations.Shown.PENDING: "Invited",
            invitations.Shown.EXPIRED: "Invitation expired",
            invitations.Shown.CANCELLED: "Invitation cancelled",
        }.get(shown, "Active" if user.is_active else "Switched off")
    return "Active" if user.is_active else "Switched off"


def _uuid_or_none(text):
    from uuid import UUID

    try:
        return UUID(text)
    except ValueError:
        return None
