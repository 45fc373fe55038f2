"""Find activities for a person, pre-filled from their referral, and shortlist them."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from casework import actions
from core.errors import ActionError
from core.pagination import page_number
from core.permissions import Permission
from directory.forms import GROUPS_FROM_NEEDS, FindForPersonForm
from directory.models import Service
from directory.search import search
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
        data.setlist("groups", [GROUPS_FROM_NEEDS[c] for c in needs if c in GROUPS_FROM_NEEDS])
        availability = getattr(referral, "availability", None)
        if availability:
            data.setlist("days", availability.day_list)
            data["time"] = availability.time_of_day
        data["age"] = str(referral.person.age)
    form = FindForPersonForm(data)
    result = page = None
    if form.is_valid():
        number = page_number(request)
        result = search(
            form.to_query(
                area_id=referral.area_id,
                limit=PAGE_SIZE,
                offset=(number - 1) * PAGE_SIZE,
                include_near=True,
            )
        )
        page = Paginator(range(result.total), PAGE_SIZE).get_page(number)
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
        },
    )


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
