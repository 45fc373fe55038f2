"""The system administrator's pages: areas (ICBs) and each area's service administrators."""

from django.shortcuts import get_object_or_404, redirect, render

from accounts.actions import create_administrator
from accounts.models import User
from accounts.setup_links import LIFETIME, link_url
from administration.forms import AdministratorForm, AreaForm
from core.errors import ActionError
from core.permissions import Permission, Role, require_permission
from organisations.actions import create_icb_area
from organisations.models import Area


def area_list(request):
    require_permission(request.user, Permission.AREAS_MANAGE)
    areas = Area.objects.filter(operator=False).order_by("name")
    return render(request, "administration/areas.jinja", {"areas": areas})


def new_area(request):
    require_permission(request.user, Permission.AREAS_MANAGE)
    form = AreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = create_icb_area(
                by=request.user,
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                commissioner_codes=form.cleaned_data["commissioner_codes"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            return redirect("administration:area", pk=area.pk)
    return render(request, "administration/new_area.jinja", {"form": form})


def area_detail(request, pk):
    """An area, its service administrators, and a form to add one. The new person's set-up
    link is shown once, on the page that answers the form, and never again."""
    require_permission(request.user, Permission.AREAS_MANAGE)
    area = get_object_or_404(Area, pk=pk, operator=False)
    form = AdministratorForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            user, token = create_administrator(
                by=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                area=area,
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            created = {"user": user, "link": link_url(token, request)}
            form = AdministratorForm()
    admins = User.objects.filter(organisation__area=area, role=Role.SERVICE_ADMIN).select_related(
        "organisation"
    )
    response = render(
        request,
        "administration/area.jinja",
        {
            "area": area,
            "admins": admins,
            "form": form,
            "created": created,
            "hours": int(LIFETIME.total_seconds() // 3600),
        },
    )
    if created:
        # The link is a secret: never from a cache, never kept by the browser.
        response["Cache-Control"] = "no-store"
    return response
