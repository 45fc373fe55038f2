"""The dashboards: one view for all of them. Filters come in the query string, so every
view can be bookmarked and shared; `?download=<table>` returns that table as CSV, exactly
as shown."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from config.routers import reads_from_replica
from core import audit
from reporting import refresh
from reporting.dashboards import england, equity, outcomes, service, value
from reporting.presenters import figures_links, tabs
from reporting.scope import NATIONAL, FiltersForm
from reporting.tables import LEGEND

BUILDERS = {
    "service": lambda scope, data: service.build(scope),
    "outcomes": lambda scope, data: outcomes.build(scope, data["measure"]),
    "value": lambda scope, data: value.build(scope),
    "equity": lambda scope, data: equity.build(scope),
    "england": lambda scope, data: england.build(scope),
}


@reads_from_replica
def dashboard(request, name: str = "service"):
    if name not in BUILDERS:
        raise Http404
    form = FiltersForm(request.GET, user=request.user)
    if name == "england" and form.level != NATIONAL:
        raise PermissionDenied("The England view is for national analysts.")
    board = scope = None
    if form.is_valid():
        scope = form.scope()
        board = BUILDERS[name](scope, form.cleaned_data)
        wanted = request.GET.get("download")
        if wanted:
            return _download(request, name, board, scope, wanted)
    query = request.GET.copy()
    query.pop("download", None)
    return render(
        request,
        "reporting/dashboard.jinja",
        {
            "form": form,
            "board": board,
            "scope": scope,
            "name": name,
            "tabs": tabs(request, name),
            "query": query.urlencode(),
            "refreshed_at": refresh.last_refreshed(),
            "links": figures_links(request.user),
            "legend": LEGEND,
        },
    )


def _download(request, name, board, scope, wanted):
    table = board.table(wanted)
    if table is None:
        raise Http404("No such table on this dashboard")
    audit.record_view(
        by=request.user,
        verb="download_figures",
        dashboard=name,
        table=table.key,
        scope=scope.describe(),
        suppressed=scope.safe,
    )
    exact = "" if scope.safe else "-exact-not-for-sharing"
    filename = f"linkwork-{name}-{table.key}-{scope.first:%Y-%m}-to-{scope.last:%Y-%m}{exact}.csv"
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
