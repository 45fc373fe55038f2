"""A service administrator's own area: its organisations and PCNs. Anything in another
area is a 404; none of these pages shows a person or a case."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from administration.forms import OrganisationForm, PcnForm
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission, require_permission
from organisations import actions
from organisations.models import Organisation, PrimaryCareNetwork

PCNS = "pcn"
# The list's tabs, in order: each kind of organisation, and PCNs.
TABS = [
    (Organisation.Kind.GP_PRACTICE, "GP practices"),
    (Organisation.Kind.LINK_WORKER_SERVICE, "Link-worker services"),
    (Organisation.Kind.REFERRING_PARTNER, "Referring partners"),
    (Organisation.Kind.PROVIDER, "Community providers"),
    (PCNS, "Primary care networks"),
]
PER_PAGE = 50


def _area(request):
    require_permission(request.user, Permission.ORGANISATIONS_MANAGE)
    return request.user.organisation.area


def organisation_list(request):
    area = _area(request)
    kind = request.GET.get("kind") or Organisation.Kind.GP_PRACTICE
    if kind not in dict(TABS):
        raise Http404("No such kind of organisation")
    search = (request.GET.get("q") or "").strip()
    if kind == PCNS:
        rows = PrimaryCareNetwork.objects.filter(area=area)
        if search:
            rows = rows.filter(Q(name__icontains=search) | Q(ods_code__iexact=search))
    else:
        rows = Organisation.objects.filter(area=area, kind=kind).select_related("pcn")
        if search:
            rows = rows.filter(
                Q(name__icontains=search)
                | Q(ods_code__iexact=search)
                | Q(postcode__istartswith=search)
            )
    page = Paginator(rows.order_by("name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "administration/organisations.jinja",
        {
            "area": area,
            "tabs": TABS,
            "kind": kind,
            "kind_label": dict(TABS)[kind],
            "search": search,
            "page": page,
            "addable": kind in actions.MANAGED_KINDS or kind == PCNS,
        },
    )


def new_organisation(request):
    area = _area(request)
    kind = request.GET.get("kind", "")
    if kind not in actions.MANAGED_KINDS:
        raise Http404("That kind of organisation is not added here")
    form = OrganisationForm(request.POST or None, area=area, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = actions.add_organisation(
                by=request.user, area=area, kind=kind, **form.action_fields()
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            return _saved(request, organisation, "added")
    return render(
        request,
        "administration/organisation_form.jinja",
        {
            "form": form,
            "kind": kind,
            "kind_label": Organisation.Kind(kind).label,
            "organisation": None,
        },
    )


def edit_organisation(request, pk):
    area = _area(request)
    organisation = get_object_or_404(Organisation, pk=pk, area=area)
    if organisation.kind not in (*actions.MANAGED_KINDS, Organisation.Kind.GP_PRACTICE):
        raise Http404("This organisation is not edited here")
    initial = {name: getattr(organisation, name) for name in actions.EDITABLE}
    initial["version"] = organisation.version
    if organisation.kind == Organisation.Kind.LINK_WORKER_SERVICE:
        initial["covers_pcns"] = list(organisation.covers_pcns.all())
        initial["covers_practices"] = list(organisation.covers_practices.all())
    form = OrganisationForm(
        request.POST or None, initial=initial, area=area, kind=organisation.kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = actions.update_organisation(
                by=request.user,
                organisation=organisation,
                version=form.cleaned_data["version"] or 0,
                **form.action_fields(),
            )
        except ConcurrentChange as error:
            organisation.refresh_from_db()
            form.add_concurrent_change(error, current_version=organisation.version)
        except ActionError as error:
            form.add_action_error(error)
        else:
            return _saved(request, organisation, "saved")
    return render(
        request,
        "administration/organisation_form.jinja",
        {
            "form": form,
            "kind": organisation.kind,
            "kind_label": organisation.get_kind_display(),
            "organisation": organisation,
        },
    )


def new_pcn(request):
    area = _area(request)
    form = PcnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pcn = actions.add_pcn(by=request.user, area=area, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            return _saved(request, pcn, "added", kind=PCNS)
    return render(request, "administration/pcn_form.jinja", {"form": form, "pcn": None})


def edit_pcn(request, pk):
    area = _area(request)
    pcn = get_object_or_404(PrimaryCareNetwork, pk=pk, area=area)
    form = PcnForm(request.POST or None, initial={"name": pcn.name}, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            actions.rename_pcn(by=request.user, pcn=pcn, name=form.cleaned_data["name"])
        except ActionError as error:
            form.add_action_error(error)
        else:
            return _saved(request, pcn, "saved", kind=PCNS)
    return render(request, "administration/pcn_form.jinja", {"form": form, "pcn": pcn})


def _saved(request, thing, verb, kind=None):
    from django.contrib import messages
    from django.urls import reverse

    messages.success(request, f"{thing.name} {verb}.")
    kind = kind or thing.kind
    return redirect(f"{reverse('administration:organisations')}?kind={kind}")
