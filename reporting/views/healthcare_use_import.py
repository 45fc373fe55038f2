"""Import GP consultations and A&E attendances from a practice's data (CSV): every row
checked against the service's referrals first, then all imported or none."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core.permissions import Permission, require_permission
from outcomes.healthcare_use import IMPORT_COLUMNS, MAX_IMPORT_ROWS, import_healthcare_use

MAX_BYTES = 2 * 1024 * 1024


def import_use(request):
    require_permission(request.user, Permission.HEALTHCARE_USE_IMPORT)
    error, result = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a CSV file to upload"
        elif not upload.name.lower().endswith(".csv"):
            error = "The file must be a CSV (.csv), like the template"
        elif upload.size > MAX_BYTES:
            error = "The file must be smaller than 2 MB: split it into several"
        else:
            try:
                content = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                error = "The file must be a CSV saved as UTF-8 (in Excel: CSV UTF-8)"
            else:
                result = import_healthcare_use(
                    by=request.user, content=content, filename=upload.name
                )
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
    example = "9449305552,2026-03-14,6,1,4,0"
    response = HttpResponse(
        ",".join(IMPORT_COLUMNS) + "\n" + example + "\n", content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="linkwork-gp-and-ae-use-template.csv"'
    return response
