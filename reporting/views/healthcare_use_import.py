"""Import GP consultations and A&E attendances from a practice's data (CSV): every row
checked against the service's referrals first, then all imported or none."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core import csv_safe
from core.permissions import Permission, require_permission
from outcomes.healthcare_use import IMPORT_COLUMNS, MAX_IMPORT_ROWS, import_healthcare_use


def import_use(request):
    require_permission(request.user, Permission.HEALTHCARE_USE_IMPORT)
    error, result = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            content = csv_safe.read_upload(upload, max_rows=MAX_IMPORT_ROWS)
        except csv_safe.CsvRefused as refused:
            error = refused.message
        else:
            result = import_healthcare_use(by=request.user, content=content, filename=upload.name)
            if result.ok:
                messages.success(
                    request,
                    f"Imported {len(result.planned):,} sets of figures from {upload.name}.",
                )
                return redirect("reporting:import_use")
    return render(
        request,
        "reporting/import_use.jinja",
        {
            "error": error,
            "result": result,
            "columns": IMPORT_COLUMNS,
            "max_rows": MAX_IMPORT_ROWS,
        },
    )


def template(request):
    require_permission(request.user, Permission.HEALTHCARE_USE_IMPORT)
    example = ["9449305552", "2026-03-14", "6", "1", "4", "0"]
    # Fixed text of ours (nothing anyone typed): quoted only where needed, easier to read.
    content = csv_safe.text(
        [IMPORT_COLUMNS, example], quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
    )
    response = HttpResponse(content, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="linkwork-gp-and-ae-use-template.csv"'
    return response
