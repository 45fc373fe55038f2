import uuid

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import lifecycle
from accounts.models import User
from casework.queries import caseload_rows, workers_with_caseload
from core import audit
from core.pagination import paginate_people
from core.permissions import Permission, Role, has_permission, require_permission


def caseload(request):
    require_permission(request.user, Permission.CASE_VIEW)
    worker = request.user
    if "worker" in request.GET or request.user.role != Role.LINK_WORKER:
        if not has_permission(request.user, Permission.TEAM_VIEW):
            return redirect("casework:caseload")
        if "worker" not in request.GET:
            return redirect("casework:team")
        worker = get_object_or_404(
            User.objects.filter(organisation=request.user.organisation, role=Role.LINK_WORKER),
            pk=_uuid_or_404(request.GET["worker"]),
        )
    today = timezone.localdate()
    cases = caseload_rows(request.user, worker, today)
    return render(
        request,
        "casework/caseload.jinja",
        {
            "worker": worker,
            "page": paginate_people(request, cases, verb="list_caseload", worker=worker.pk),
            "today": today,
            "own": worker == request.user,
        },
    )


def team(request):
    require_permission(request.user, Permission.TEAM_VIEW)
    # Caseload counts per worker, no one named: still a read of the service's records.
    audit.record_view(by=request.user, verb="view_team")
    # Open cases of workers switched off (or no longer link workers), named: audited.
    to_reallocate = paginate_people(
        request, lifecycle.to_reallocate(request.user), verb="list_to_reallocate"
    )
    return render(
        request,
        "casework/team.jinja",
        {
            "workers": workers_with_caseload(request.user.organisation),
            "to_reallocate": to_reallocate,
        },
    )


def _uuid_or_404(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("No such link worker") from None
