"""Inviting staff by email, one at a time or from a CSV, and the invitations sent: resend
(a new link; the old one stops working) and cancel. Who may invite whom is in
accounts/invitations.py; an invitation outside the administrator's reach is a 404.

Inviting gives someone access, so these pages ask an administrator who has not confirmed
it was them in the last 15 minutes to do so first (accounts/reauth.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import invitations, reauth
from accounts.actions import cancel_invitation, invite_staff, invite_staff_in_bulk
from accounts.actions import resend_invitation as resend
from administration.invite_forms import InviteForm
from core import audit, csv_safe
from core.errors import ActionError
from core.permissions import Permission, require_permission
from organisations.actions import area_office

PER_PAGE = 50
STATES = [
    ("", "All"),
    (invitations.Shown.PENDING, "Waiting"),
    (invitations.Shown.EXPIRED, "Expired"),
    (invitations.Shown.ACCEPTED, "Accepted"),
    (invitations.Shown.CANCELLED, "Cancelled"),
]


def invitation_list(request):
    require_permission(request.user, Permission.STAFF_MANAGE)
    shown = request.GET.get("show", "")
    if shown not in dict(STATES):
        shown = ""
    search = (request.GET.get("q") or "").strip()
    rows = invitations.filter_by_state(invitations.invitations_visible_to(request.user), shown)
    if search:
        rows = rows.filter(
            Q(user__full_name__icontains=search) | Q(user__email__icontains=search.lower())
        )
    page = Paginator(rows.order_by("-invited_at", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    for invitation in page.object_list:
        invitation.shown = invitations.state(invitation)
    audit.record_view(
        by=request.user,
        verb="view_invitations",
        show=shown,
        search=search,
        shown=len(page.object_list),
    )
    return render(
        request,
        "administration/invitations.jinja",
        {
            "page": page,
            "states": STATES,
            "shown": shown,
            "search": search,
            "Shown": invitations.Shown,
            "bulk": not invitations.is_system_admin(request.user),
        },
    )


def invite(request):
    require_permission(request.user, Permission.STAFF_MANAGE)
    if confirm := reauth.confirm_first(request, return_to="administration:invite_staff"):
        return confirm
    by = request.user
    form = InviteForm(request.POST or None, by=by)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if invitations.is_system_admin(by):
                organisation, role = area_office(by=by, area=data["area"]), "service_admin"
            else:
                organisation, role = data["organisation"], data["role"]
            invitation = invite_staff(
                by=by,
                email=data["email"],
                full_name=data["full_name"],
                organisation=organisation,
                role=role,
                job_title=data["job_title"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.user.full_name} ({invitation.user.email}). "
                f"The link works once, for {invitations.LIFETIME.days} days.",
            )
            return redirect("administration:invitations")
    return render(
        request,
        "administration/invite.jinja",
        {"form": form, "days": invitations.LIFETIME.days},
    )


def _bulk_allowed(request):
    require_permission(request.user, Permission.STAFF_MANAGE)
    if invitations.is_system_admin(request.user):
        raise PermissionDenied("Bulk invitations are for a service administrator's own area")


def bulk_invite(request):
    _bulk_allowed(request)
    if confirm := reauth.confirm_first(request, return_to="administration:bulk_invite"):
        return confirm
    error, result = "", None
    if request.method == "POST":
        try:
            text = csv_safe.read_upload(
                request.FILES.get("file"),
                max_rows=invitations.MAX_ROWS,
                max_bytes=invitations.MAX_BYTES,
            )
        except csv_safe.CsvRefused as refused:
            error = refused.message
        else:
            try:
                result = invite_staff_in_bulk(by=request.user, text=text)
            except ActionError as refused:
                error = refused.message
            else:
                if result.ok:
                    count = len(result.invitations)
                    messages.success(
                        request, f"{count} invitation{'s' if count != 1 else ''} sent."
                    )
                    return redirect("administration:invitations")
    return render(
        request,
        "administration/bulk_invite.jinja",
        {
            "error": error,
            "result": result,
            "columns": invitations.COLUMNS,
            "max_rows": invitations.MAX_ROWS,
            "days": invitations.LIFETIME.days,
        },
    )


def bulk_invite_template(request):
    _bulk_allowed(request)
    response = HttpResponse(invitations.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invite-staff.csv"'
    return response


def _invitation(request, pk):
    require_permission(request.user, Permission.STAFF_MANAGE)
    return get_object_or_404(invitations.invitations_visible_to(request.user), pk=pk)


@require_POST
def resend_invitation(request, pk):
    invitation = _invitation(request, pk)
    if confirm := reauth.confirm_first(request, return_to="administration:invitations"):
        return confirm
    try:
        invitation = resend(by=request.user, invitation=invitation)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"A new invitation was sent to {invitation.user.email}; the earlier link no longer "
            "works.",
        )
    return redirect("administration:invitations")


@require_POST
def cancel(request, pk):
    invitation = _invitation(request, pk)
    if confirm := reauth.confirm_first(request, return_to="administration:invitations"):
        return confirm
    try:
        invitation = cancel_invitation(by=request.user, invitation=invitation)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Invitation to {invitation.user.email} cancelled: the link no longer works."
        )
    return redirect("administration:invitations")
