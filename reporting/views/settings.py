"""What the value-for-money and equity figures rest on: unit costs (versioned, with their
source and year), the area's investment, and whether population figures are installed."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render

from core.errors import ActionError
from core.permissions import Permission, has_permission, require_permission
from reporting import actions
from reporting.actions import POPULATION_DIMENSIONS
from reporting.forms import InvestmentForm, UnitCostForm
from reporting.models import Investment, PopulationFigure, UnitCost


def settings_page(request):
    require_permission(request.user, Permission.FIGURES_CONFIGURE)
    user = request.user
    national = has_permission(user, Permission.NATIONAL_FIGURES_VIEW)
    area = None if national else user.organisation.area
    cost_form = UnitCostForm(request.POST if "add_cost" in request.POST else None, prefix="cost")
    investment_form = InvestmentForm(
        request.POST if "set_investment" in request.POST else None, prefix="investment"
    )
    if request.method == "POST":
        form, save = (
            (cost_form, lambda data: actions.add_unit_cost(by=user, **data))
            if "add_cost" in request.POST
            else (investment_form, lambda data: actions.set_investment(by=user, **data))
        )
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except ActionError as error:
                form.add_action_error(error)
            else:
                messages.success(request, "Saved. The figures use it from now on.")
                return redirect("reporting:settings")
    costs = UnitCost.objects.filter(Q(area__isnull=True) | Q(area=area)).select_related(
        "area", "created_by"
    )
    population = {
        d: PopulationFigure.objects.filter(dimension=d, **({"area": area} if area else {}))
        .values_list("source", flat=True)
        .first()
        for d in POPULATION_DIMENSIONS
    }
    return render(
        request,
        "reporting/settings.jinja",
        {
            "national": national,
            "area": area,
            "costs": costs,
            "investments": Investment.objects.filter(area=area).select_related("created_by")
            if area
            else [],
            "population": population,
            "cost_form": cost_form,
            "investment_form": investment_form,
            "form": cost_form if cost_form.errors else investment_form,
        },
    )
