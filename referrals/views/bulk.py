"""Upload a CSV of referrals (for partners without an API), and follow its progress."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.pagination import paginate
from core.permissions import Permission, require_permission
from referrals import actions, bulk
from referrals.models import BulkUpload

MAX_BYTES = 2 * 1024 * 1024


def uploads(request):
    require_permission(request.user, Permission.REFERRAL_CREATE)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        error = _problem_with(upload)
        if error is None:
            try:
                content = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                error = "The file must be a CSV saved as UTF-8 (in Excel: CSV UTF-8)"
            else:
                made = actions.upload_referrals(
                    by=request.user, filename=upload.name, content=content
                )
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


def _problem_with(upload) -> str | None:
    if upload is None:
        return "Choose a CSV file to upload"
    if not upload.name.lower().endswith(".csv"):
        return "The file must be a CSV (.csv), like the template"
    if upload.size > MAX_BYTES:
        return "The file must be smaller than 2 MB: split it into several"
    if upload.size == 0:
        return "The file is empty"
    return None


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
        "9449305552,Margaret,Fenton,1948-03-14,NN1 5BD,07700 900461,,phone,yes,no,"
        "loneliness;bereavement,Widowed in the spring,yes,female,A"
    ]
    response = HttpResponse(
        ",".join(bulk.COLUMNS + bulk.OPTIONAL_COLUMNS) + "\n" + "\n".join(example) + "\n",
        content_type="text/csv",
    )
    response["Content-Disposition"] = 'attachment; filename="linkwork-referrals-template.csv"'
    return response
