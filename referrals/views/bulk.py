"""Upload a CSV of referrals (for partners without an API), and follow its progress."""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core import csv_safe
from core.pagination import paginate
from core.permissions import Permission, require_permission
from referrals import actions, bulk
from referrals.models import BulkUpload


def uploads(request):
    require_permission(request.user, Permission.REFERRAL_CREATE)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            # Size, encoding and rows checked before anything is kept.
            content = csv_safe.read_upload(upload, max_rows=bulk.MAX_ROWS)
        except csv_safe.CsvRefused as refused:
            error = refused.message
        else:
            made = actions.upload_referrals(by=request.user, filename=upload.name, content=content)
            messages.success(request, f"{upload.name} is being checked.")
            return redirect("referrals:upload", pk=made.pk)
    mine = BulkUpload.objects.filter(organisation=request.user.organisation).defer("content")
    return render(
        request,
        "referrals/uploads.jinja",
        {
            "page": paginate(request, mine),
            "error": error,
            "columns": bulk.COLUMNS,
            "optional_columns": bulk.OPTIONAL_COLUMNS,
        },
    )


def upload(request, pk):
    require_permission(request.user, Permission.REFERRAL_CREATE)
    found = get_object_or_404(
        BulkUpload.objects.filter(organisation=request.user.organisation).defer("content"), pk=pk
    )
    template = (
        "referrals/_upload_progress.jinja"
        if request.headers.get("HX-Request")
        else "referrals/upload.jinja"
    )
    return render(request, template, {"upload": found})


def template(request):
    require_permission(request.user, Permission.REFERRAL_CREATE)
    example = [
        *("9449305552", "Margaret", "Fenton", "1948-03-14", "NN1 5BD", "07700 900461", ""),
        *("phone", "yes", "no", "loneliness;bereavement", "Widowed in the spring", "yes"),
        *("female", "A"),
    ]
    # Fixed text of ours (nothing anyone typed): quoted only where needed, easier to read.
    content = csv_safe.text(
        [bulk.COLUMNS + bulk.OPTIONAL_COLUMNS, example],
        quoting=csv.QUOTE_MINIMAL,
        lineterminator="\n",
    )
    response = HttpResponse(content, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="linkwork-referrals-template.csv"'
    return response
