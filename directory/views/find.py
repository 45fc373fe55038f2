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
    result = page = None
    if form.is_bound and form.is_valid():
        number = page_number(request)
        result = search(
            form.to_query(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, include_near=True)
        )
        page = Paginator(range(result.total), PAGE_SIZE).get_page(number)
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
            "public_area": area,
            "contact": public_information.contact(area=area),
        },
    )


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
