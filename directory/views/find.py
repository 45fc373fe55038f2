"""Public pages: find an activity near you, and an activity's own page. No sign-in."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.pagination import page_number
from directory.forms import FindActivityForm
from directory.models import Service
from directory.presenters import listing
from directory.search import search
from organisations import public_information

PAGE_SIZE = 20


@login_not_required
def find_activity(request):
    form = FindActivityForm(request.GET or None)
    result = page = near = None
    if form.is_bound and form.is_valid():
        number = page_number(request)
        # Near misses are shown on the last page only, but which page is the last is known
        # only once the search has counted the matches: asking for them on every page is
        # cheaper than a second search (with a place, the engine reads matches and near
        # misses in one read of the widened field).
        query = form.to_query(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, include_near=True)
        result = search(query)
        page = Paginator(range(result.total), PAGE_SIZE).get_page(number)
        near = searched_near(query, result, form.cleaned_data.get("place"))
    # Whose page this is: the area of the postcode searched, or ?area=, or the only one.
    postcode = form.cleaned_data.get("postcode", "") if form.is_bound and form.is_valid() else ""
    area = public_information.area_for_request(request, postcode=postcode)
    return render(
        request,
        "directory/find.jinja",
        {
            "form": form,
            "result": result,
            "page": page,
            "searched_near": near,
            "public_area": area,
            "contact": public_information.contact(area=area),
        },
    )


def searched_near(query, result, postcode_place) -> dict | None:
    """Where the results are around, for the page to say above them: the place the engine
    took from the words ("choir in Kettering"), else the postcode given; None when the
    search had no place. A person who typed a town's name may not know it was taken as the
    place, nor how far around it the search reached."""
    if result.place:
        return {
            "name": result.place["name"],
            "from": "words",
            "km": _whole_km(result.place["radius_km"]),
        }
    if postcode_place is not None:
        return {
            "name": postcode_place.postcode,
            "from": "postcode",
            "km": _whole_km(query.radius_km),
        }
    return None


def _whole_km(km: float) -> int:
    # A town's radius is its spread plus a margin (6.37 km): a person reads whole km.
    return max(1, round(km))


@login_not_required
def activity(request, pk):
    service = get_object_or_404(
        Service.objects.public()
        .select_related("organization", "area")
        .prefetch_related(
            "schedules",
            "cost_options",
            "service_at_locations__location",
            "terms__need",
            "languages",
        ),
        pk=pk,
    )
    return render(
        request,
        "directory/activity.jinja",
        {
            "service": service,
            "listing": listing(service),
            "public_area": service.area,
            "contact": public_information.contact(area=service.area),
        },
    )
