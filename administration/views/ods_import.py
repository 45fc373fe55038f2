"""A service administrator uploads the NHS ODS practice file (and, optionally, the PCN
membership file) for their area: every row checked, then all imported or none."""

from django.contrib import messages
from django.shortcuts import redirect, render

from core import csv_safe
from core.permissions import Permission, require_permission
from organisations import ods
from organisations.actions import import_ods_practices


def import_practices(request):
    require_permission(request.user, Permission.ORGANISATIONS_MANAGE)
    area = request.user.organisation.area
    errors, result = {}, None
    if request.method == "POST":
        texts = {}
        for name in ("practices", "pcns"):
            upload = request.FILES.get(name)
            if upload is None and name == "pcns":
                continue
            try:
                texts[name] = csv_safe.read_upload(
                    upload, max_rows=ods.MAX_ROWS, max_bytes=ods.MAX_BYTES
                )
            except csv_safe.CsvRefused as refused:
                errors[name] = refused.message
        if not errors:
            result = import_ods_practices(
                by=request.user,
                area=area,
                practices_text=texts["practices"],
                pcns_text=texts.get("pcns"),
            )
            if result.ok:
                messages.success(
                    request,
                    f"Practices imported: {result.created} added, {result.updated} updated "
                    f"({result.closed} closed), {result.unchanged} unchanged.",
                )
                return redirect("administration:organisations")
    return render(
        request,
        "administration/import_practices.jinja",
        {"area": area, "errors": errors, "result": result},
    )
