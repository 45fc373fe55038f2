"""Providers keep their own listings fresh; directory editors approve changes, deal with
reports and keep the synonyms that make residents' words work."""

from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ActionError
from core.forms import ActionFormMixin
from core.pagination import paginate
from core.permissions import Permission, require_permission
from directory import actions, listing_fields, term_suggestions
from directory.forms import ListingForm
from directory.models import ListingChange, ListingFlag, Service, Synonym, TaxonomyTerm
from referrals.models import Need


class PlacesForm(ActionFormMixin, forms.Form):
    available = forms.IntegerField(
        label="Spare places now",
        min_value=0,
        required=False,
        help_text="0 means full (people can join a waiting list). "
        "Leave empty if you do not count places.",
    )


class FlagForm(ActionFormMixin, forms.Form):
    message = forms.CharField(
        label="What is wrong?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Tell us what is wrong"},
    )
    website = forms.CharField(required=False)  # honeypot: people never see or fill it


class SynonymForm(ActionFormMixin, forms.Form):
    phrase = forms.CharField(
        label="Words people use", max_length=100, help_text="For example: new mum, can't sleep"
    )
    expands_to = forms.CharField(
        label="What it means, in listing words",
        max_length=300,
        required=False,
        help_text="For example: postnatal baby parent",
    )
    needs = forms.ModelMultipleChoiceField(
        label="Needs it is about",
        required=False,
        queryset=Need.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
    )


def _own_listing(request, pk):
    require_permission(request.user, Permission.LISTING_EDIT_OWN)
    return get_object_or_404(Service.objects.editable_by(request.user), pk=pk)


def provider_listings(request):
    require_permission(request.user, Permission.LISTING_EDIT_OWN)
    listings = (
        Service.objects.editable_by(request.user)
        .annotate(pending=Count("changes", filter=Q(changes__status="pending")))
        .order_by("name")
    )
    return render(
        request,
        "directory/provider_listings.jinja",
        {
            "page": paginate(request, listings),
            "remind_before": timezone.localdate()
            - timezone.timedelta(days=actions.REMIND_AFTER_DAYS),
        },
    )


def provider_listing(request, pk):
    service = _own_listing(request, pk)
    pending = service.changes.filter(status="pending").first()
    last_rejected = (
        service.changes.filter(status="rejected").order_by("-decided_at").first()
        if not pending
        else None
    )
    editable = listing_fields.editable(service)
    form = ListingForm(request.POST or None, editable=editable, prefix="listing")
    places = PlacesForm(initial={"available": service.capacity_available}, prefix="places")
    if request.method == "POST" and form.is_valid():
        try:
            actions.propose_change(by=request.user, service=service, proposed=form.proposed())
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request,
                "Thank you. Your changes will show once a directory editor has checked them.",
            )
            return redirect("directory_manage:provider_listings")
    return render(
        request,
        "directory/provider_listing.jinja",
        {
            "service": service,
            "form": form,
            "places": places,
            "pending": pending,
            "pending_diff": actions.diff(pending) if pending else [],
            "last_rejected": last_rejected,
            "not_editable": [
                f.label for name, f in listing_fields.FIELDS.items() if name not in editable
            ],
        },
    )


@require_POST
def provider_verify(request, pk):
    service = _own_listing(request, pk)
    actions.verify_listing(by=request.user, service=service)
    messages.success(request, f"Thank you: {service.name} is marked as checked today.")
    return redirect("directory_manage:provider_listings")


@require_POST
def provider_places(request, pk):
    service = _own_listing(request, pk)
    if request.POST.get("step") in ("freed", "taken"):
        try:
            service = actions.step_spare_places(
                by=request.user, service=service, freed=request.POST["step"] == "freed"
            )
        except ActionError as error:
            messages.error(request, f"{service.name}: {error.message}")
        else:
            messages.success(
                request, f"{service.name}: {service.capacity_available} spare places now."
            )
        return redirect("directory_manage:provider_listings")
    form = PlacesForm(request.POST, prefix="places")
    if form.is_valid():
        try:
            actions.set_spare_places(
                by=request.user, service=service, available=form.cleaned_data["available"]
            )
        except ActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Spare places for {service.name} updated.")
    else:
        messages.error(request, "Spare places must be a whole number, 0 or more.")
    return redirect("directory_manage:provider_listing", pk=service.pk)


def editor_changes(request):
    require_permission(request.user, Permission.DIRECTORY_EDIT)
    area = request.user.organisation.area_id
    changes = ListingChange.objects.filter(service__area_id=area, status="pending").select_related(
        "service", "by__organisation"
    )
    flags = ListingFlag.objects.filter(
        service__area_id=area, resolved_at__isnull=True
    ).select_related("service")
    return render(
        request,
        "directory/editor_changes.jinja",
        {
            "changes": paginate(request, changes),
            "flags": flags[:100],
        },
    )


def editor_change(request, pk):
    require_permission(request.user, Permission.DIRECTORY_EDIT)
    change = get_object_or_404(
        ListingChange.objects.filter(
            service__area_id=request.user.organisation.area_id
        ).select_related("service", "by"),
        pk=pk,
    )
    error = None
    if request.method == "POST":
        try:
            actions.decide_change(
                by=request.user,
                change=change,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""),
            )
        except ActionError as problem:
            error = problem.message
        else:
            messages.success(request, f"Change to {change.service.name} {change.status}.")
            return redirect("directory_manage:editor_changes")
    return render(
        request,
        "directory/editor_change.jinja",
        {"change": change, "diff": actions.diff(change), "error": error},
    )


@require_POST
def editor_resolve_flag(request, pk):
    require_permission(request.user, Permission.DIRECTORY_EDIT)
    flag = get_object_or_404(
        ListingFlag.objects.filter(service__area_id=request.user.organisation.area_id), pk=pk
    )
    try:
        actions.resolve_flag(by=request.user, flag=flag)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Report marked as dealt with.")
    return redirect("directory_manage:editor_changes")


def editor_synonyms(request, pk=None):
    require_permission(request.user, Permission.DIRECTORY_EDIT)
    synonym = get_object_or_404(Synonym, pk=pk) if pk else None
    initial = (
        {
            "phrase": synonym.phrase,
            "expands_to": synonym.expands_to,
            "needs": list(synonym.needs.all()),
        }
        if synonym
        else None
    )
    form = SynonymForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("delete") and synonym:
        actions.delete_synonym(by=request.user, synonym=synonym)
        messages.success(request, f"'{synonym.phrase}' removed.")
        return redirect("directory_manage:synonyms")
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_synonym(by=request.user, synonym=synonym, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"'{saved.phrase}' saved. Searches use it within a minute.")
            return redirect("directory_manage:synonyms")
    return render(
        request,
        "directory/synonyms.jinja",
        {
            "form": form,
            "synonym": synonym,
            "synonyms": Synonym.objects.prefetch_related("needs"),
        },
    )


def _uuid(value):
    try:
        return UUID(str(value))
    except ValueError:
        return None


def editor_taxonomies(request):
    """The area's feed terms no one has mapped yet, most used first, each with suggested
    needs; the editor picks a need or "its words only". `?show=mapped`: the terms already
    mapped, latest first, each one changeable (a wrong click is not for ever)."""
    require_permission(request.user, Permission.DIRECTORY_EDIT)
    area_id = request.user.organisation.area_id
    data = request.POST if request.method == "POST" else request.GET
    mapped = data.get("show") == "mapped"
    error = None
    if request.method == "POST":
        term = (
            TaxonomyTerm.objects.filter(
                taxonomy__area_id=area_id, pk=_uuid(request.POST.get("term"))
            )
            .select_related("taxonomy")
            .first()
        )
        choice = request.POST.get("need", "")
        if choice in ("other", ""):  # a need chosen in the list counts, radio ticked or not
            choice = request.POST.get("other_need", "")
        need = Need.objects.filter(active=True, code=choice).first()
        # A change carries what the editor saw ("words", or a need's code, in use or not),
        # so that a change someone made meanwhile is not overwritten unseen.
        seen = request.POST.get("was")
        was = Need.objects.filter(code=seen).first() if seen and seen != "words" else None
        if term is None:
            error = "That term is not in your area's directory any more, so nothing was changed"
        elif choice != "words" and need is None:
            error = f"Choose a need for '{term.name}', or 'its words only'"
        elif seen is not None and seen != "words" and was is None:
            error = f"The page showed an unknown need for '{term.name}': nothing was changed"
        else:
            check = {"if_mapped_to": was} if seen is not None else {"only_if_undecided": True}
            try:
                actions.map_taxonomy_term(term, need, by=request.user, **check)
            except ActionError as problem:
                error = problem.message
            else:
                messages.success(
                    request,
                    f"'{term.name}' now means {need.label if need else 'its words only'}. "
                    "Its listings are found that way from now on.",
                )
                query = {"show": "mapped"} if mapped else {}
                page = request.POST.get("page", "")
                if page.isdigit():
                    query["page"] = page
                return redirect(request.path + (f"?{urlencode(query)}" if query else ""))
    area_terms = TaxonomyTerm.objects.filter(taxonomy__area_id=area_id)
    waiting = area_terms.filter(need__isnull=True, mapped_at__isnull=True)
    decided = area_terms.filter(mapped_at__isnull=False)
    shown = decided if mapped else waiting
    page = paginate(
        request,
        shown.select_related("taxonomy", "need")
        .annotate(listings=Count("services", filter=Q(services__area_id=area_id)))
        .order_by(*(("-mapped_at", "name", "pk") if mapped else ("-listings", "name", "pk"))),
    )
    shared = (
        TaxonomyTerm.objects.filter(
            taxonomy__area__isnull=True,
            need__isnull=True,
            mapped_at__isnull=True,
            services__area_id=area_id,
        )
        .values("pk")
        .distinct()
        .count()
    )
    return render(
        request,
        "directory/taxonomies.jinja",
        {
            "page": page,
            "mapped": mapped,
            "counts": {
                "waiting": page.paginator.count if not mapped else waiting.count(),
                "mapped": page.paginator.count if mapped else decided.count(),
            },
            "suggestions": (
                {} if mapped else term_suggestions.suggest(page.object_list, area_id=area_id)
            ),
            "needs": Need.objects.filter(active=True),
            "shared": shared,
            "error": error,
        },
    )


@login_not_required
def report_listing(request, pk):
    service = get_object_or_404(Service.objects.public(), pk=pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["website"]:  # bots fill every field; say nothing to them
            try:
                actions.flag_listing(service=service, message=form.cleaned_data["message"])
            except ActionError as error:
                form.add_action_error(error)
                return render(request, "directory/report.jinja", {"service": service, "form": form})
        return render(request, "directory/report_done.jinja", {"service": service})
    return render(request, "directory/report.jinja", {"service": service, "form": form})
