"""Pseudonymised person-level extracts for evaluators: who receives them, and the download
(streamed, whatever the size). Only for the service's own team leads: the extract never
passes through a commissioner."""

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import reauth
from core.errors import ActionError
from core.permissions import Permission, require_permission
from reporting import actions, extract
from reporting.forms import RecipientForm
from reporting.models import ExtractDownload, ExtractRecipient, ReferralFact
from reporting.scope import FiltersForm


def _recipients(user):
    return ExtractRecipient.objects.filter(service=user.organisation)


def extracts(request):
    require_permission(request.user, Permission.EXTRACT_PERSON_LEVEL)
    # Choosing who receives person-level data: confirm it's you first (the whole page, so
    # nobody fills in the form only to be asked and have to type it again).
    if confirm := reauth.confirm_first(request, return_to="reporting:extracts"):
        return confirm
    form = RecipientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recipient = actions.add_extract_recipient(by=request.user, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"{recipient.name} can now be sent extracts.")
            return redirect("reporting:extracts")
    recipients = _recipients(request.user)
    return render(
        request,
        "reporting/extracts.jinja",
        {
            "form": form,
            "recipients": recipients,
            "months": FiltersForm(None, user=request.user),
            "downloads": ExtractDownload.objects.filter(recipient__in=recipients).select_related(
                "recipient", "by"
            )[:20],
            "fields": extract.HEADER,
        },
    )


def download(request, pk):
    require_permission(request.user, Permission.EXTRACT_PERSON_LEVEL)
    if confirm := reauth.confirm_first(request, return_to="reporting:extracts"):
        return confirm
    recipient = get_object_or_404(_recipients(request.user), pk=pk)
    months = FiltersForm(request.GET, user=request.user)
    if not months.is_valid():
        messages.error(request, months.error_list()[0][0])
        return redirect("reporting:extracts")
    first, last = months.cleaned_data["first"], months.cleaned_data["last"]
    facts = ReferralFact.objects.filter(
        service=request.user.organisation, month__gte=first, month__lte=last
    )
    try:
        actions.record_extract_download(
            by=request.user,
            recipient=recipient,
            filters={"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"},
            rows=extract.row_count(facts),
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("reporting:extracts")
    response = StreamingHttpResponse(
        extract.csv_lines(recipient, facts), content_type="text/csv; charset=utf-8"
    )
    name = recipient.name.lower()
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name).strip("-")
    response["Content-Disposition"] = (
        f'attachment; filename="linkwork-extract-{slug}-{first:%Y-%m}-to-{last:%Y-%m}.csv"'
    )
    return response


@require_POST
def revoke(request, pk):
    require_permission(request.user, Permission.EXTRACT_PERSON_LEVEL)
    if confirm := reauth.confirm_first(request, return_to="reporting:extracts"):
        return confirm
    recipient = get_object_or_404(_recipients(request.user), pk=pk)
    actions.revoke_extract_recipient(by=request.user, recipient=recipient)
    messages.success(request, f"{recipient.name} will not be sent any more extracts.")
    return redirect("reporting:extracts")
