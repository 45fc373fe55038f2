"""The commissioner's first view: how many referrals are at each stage, per month, in their
area. Aggregates only, with small numbers suppressed."""

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.utils import timezone

from core.permissions import Permission, require_permission
from core.suppression import suppress_row
from referrals.models import Referral
from referrals.states import Status


def overview(request):
    require_permission(request.user, Permission.AREA_FIGURES_VIEW)
    since = timezone.localdate().replace(day=1) - timedelta(days=365)
    rows = (
        Referral.objects.aggregable_by(request.user)
        .filter(received_at__date__gte=since)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "status")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    statuses = list(Status)
    by_month: dict = {}
    for row in rows:
        by_month.setdefault(row["month"], dict.fromkeys(statuses, 0))[Status(row["status"])] = row[
            "n"
        ]
    table = []
    for month, counts in sorted(by_month.items()):
        values = [counts[s] for s in statuses]
        total = sum(values)
        table.append(
            {
                "month": month,
                "cells": suppress_row(values),
                "total": str(total) if total >= 8 or total == 0 else "<8",
            }
        )
    return render(
        request,
        "core/area_overview.jinja",
        {"statuses": statuses, "table": table, "area": request.user.organisation.area},
    )
