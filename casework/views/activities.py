"""Find activities for a person, pre-filled from their referral, and shortlist them."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from casework import actions
from casework.models import Goal
from core.errors import ActionError
from core.pagination import page_number
from core.permissions import Permission
from directory.constraints import GROUP_OF_NEED
from directory.forms import FindForPersonForm
from directory.models import Service
from directory.search import search
from directory.views.find import searched_near
from referrals.loaders import get_referral_for

PAGE_SIZE = 20


def find_for_person(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_VIEW, purpose="find_activities"
    )
    data = request.GET
    if "postcode" not in data:
        # First visit: what we already know about the person.
        data = QueryDict(mutable=True)
        data["postcode"] = referral.person.postcode
        needs = [n.code for n in referral.needs.all() if n.code != "other"]
        data.setlist("needs", needs)
        # Groups their referral names (a carer, a new parent). Not their recorded sex: it is
        # kept for equality monitoring, not to decide what they may join; the link worker
        # sets it with them when a single-sex group is in question.
        data.setlist("groups", [GROUP_OF_NEED[c] for c in needs if c in GROUP_OF_NEED])
        availability = getattr(referral, "availability", None)
        if availability:
            data.setlist("days", availability.day_list)
            data["time"] = availability.time_of_day
        data["age"] = str(referral.person.age)
        data["use_what_matters"] = "on"
    form = FindForPersonForm(data)
    result = page = near = None
    what_matters = what_matters_to(referral)
    if form.is_valid():
        number = page_number(request)
        query = form.to_query(
            area_id=referral.area_id,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            include_near=True,
            context_text=what_matters if form.cleaned_data["use_what_matters"] else "",
        )
        result = search(query)
        page = Paginator(range(result.total), PAGE_SIZE).get_page(number)
        near = searched_near(query, result, form.cleaned_data.get("place"))
    shortlisted = set(referral.suggestions.values_list("service_id", flat=True))
    return render(
        request,
        "casework/find_for_person.jinja",
        {
            "referral": referral,
            "form": form,
            "result": result,
            "page": page,
            "shortlisted": shortlisted,
            "searched_near": near,
            "what_matters": what_matters,
        },
    )


def what_matters_to(referral) -> str:
    """What matters to the person (the newest version) and their active goals, in their
    words: the link worker's search starts from them (ADR 0011 §3)."""
    newest = referral.what_matters.order_by("-created_at").values_list("text", flat=True).first()
    goals = referral.goals.filter(status=Goal.Status.ACTIVE).values_list("description", flat=True)
    text = "\n".join(t.strip() for t in [newest or "", *goals] if t and t.strip())
    return text


@require_POST
def suggest(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="suggest_activity"
    )
    service = get_object_or_404(
        Service.objects.public().filter(area_id=referral.area_id), pk=request.POST.get("service")
    )
    try:
        actions.suggest_activity(by=request.user, referral=referral, service=service)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{service.name} added to {referral.person.full_name}'s shortlist."
        )
    back = request.POST.get("next", "")
    if back.startswith(f"/cases/{referral.pk}/"):
        return redirect(back)
    return redirect("casework:case", pk=referral.pk)
