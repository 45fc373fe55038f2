from django.shortcuts import render

from core.pagination import paginate
from core.permissions import Permission, require_permission
from directory.forms import ServiceFilterForm
from directory.models import Service


def service_list(request):
    require_permission(request.user, Permission.DIRECTORY_VIEW)
    services = Service.objects.in_area_of(request.user).active()
    towns = services.order_by("town").values_list("town", flat=True).distinct()
    form = ServiceFilterForm(request.GET or None, towns=list(towns))
    if form.is_valid():
        if form.cleaned_data["need"]:
            services = services.filter(needs=form.cleaned_data["need"])
        if form.cleaned_data["town"]:
            services = services.filter(town=form.cleaned_data["town"])
    services = services.prefetch_related("needs").order_by("town", "name")
    return render(
        request, "directory/service_list.jinja", {"form": form, "page": paginate(request, services)}
    )
