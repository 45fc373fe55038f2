"""The link worker's side: complete questionnaires with the person, send them a link,
deal with safety alerts, send the GP an update."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ActionError
from core.pagination import paginate_people
from core.permissions import Permission, require_permission
from outcomes import actions, fhir, instruments, presenters
from outcomes.forms import AcknowledgeForm, InstrumentForm, NewQuestionnaireForm
from outcomes.loaders import get_alert_for, get_request_for, get_response_for
from outcomes.models import SafetyAlert, Timepoint
from referrals.loaders import get_referral_for
from referrals.models import Referral


def _instrument(code):
    try:
        return instruments.get(code)
    except ValueError:
        raise Http404 from None


def complete(request, pk, code, request_pk=None, timepoint=None):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="complete_questionnaire"
    )
    instrument = _instrument(code)
    questionnaire = get_request_for(referral, request_pk) if request_pk else None
    if questionnaire and code not in questionnaire.instruments:
        raise Http404
    timepoint = questionnaire.timepoint if questionnaire else timepoint
    if timepoint not in Timepoint.values:
        raise Http404
    existing = questionnaire.responses.filter(instrument=code).first() if questionnaire else None
    form = InstrumentForm(
        request.POST or None,
        instrument=instrument,
        initial={k: str(v) for k, v in existing.answers.items()} if existing else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = actions.save_answers(
                by=request.user,
                referral=referral,
                code=code,
                answers={k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
                timepoint=timepoint,
                request=questionnaire,
                submit=True,
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            if response.alerts.exists():
                messages.error(request, "A safety alert has been raised: deal with it now.")
                return redirect("outcomes:alert", pk=response.alerts.first().pk)
            messages.success(request, f"{instrument.name} saved.")
            if questionnaire:
                done = set(
                    questionnaire.responses.filter(submitted_at__isnull=False).values_list(
                        "instrument", flat=True
                    )
                )
                left = [c for c in questionnaire.instruments if c not in done]
                if left:
                    return redirect(
                        "outcomes:complete",
                        pk=referral.pk,
                        request_pk=questionnaire.pk,
                        code=left[0],
                    )
            return redirect("casework:case", pk=referral.pk)
    return render(
        request,
        "outcomes/complete.jinja",
        {
            "referral": referral,
            "instrument": instrument,
            "form": form,
            "questionnaire": questionnaire,
            "timepoint": Timepoint(timepoint).label,
        },
    )


def new(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="new_questionnaire"
    )
    form = NewQuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect(
            "outcomes:complete_other",
            pk=referral.pk,
            code=form.cleaned_data["instrument"],
            timepoint=form.cleaned_data["timepoint"],
        )
    return render(request, "outcomes/new.jinja", {"referral": referral, "form": form})


@require_POST
def send_link(request, pk, request_pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="send_questionnaire_link"
    )
    questionnaire = get_request_for(referral, request_pk)
    try:
        sent = actions.send_link_now(by=request.user, request=questionnaire)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        if sent:
            messages.success(request, presenters.link_sent(sent))
        else:
            messages.error(
                request,
                "They have not agreed to texts or emails: complete them together instead.",
            )
    return redirect("casework:case", pk=referral.pk)


def response_fhir(request, pk, response_pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_VIEW, purpose="export_questionnaire_response"
    )
    response = get_response_for(referral, response_pk)
    return JsonResponse(fhir.questionnaire_response(response), content_type="application/fhir+json")


def questionnaire_fhir(request, code):
    require_permission(request.user, Permission.CASE_VIEW)
    return JsonResponse(fhir.questionnaire(_instrument(code)), content_type="application/fhir+json")


@require_POST
def message_back(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="send_message_back"
    )
    try:
        actions.send_message_back(by=request.user, referral=referral, reason="update")
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "An update is on its way to the referrer.")
    return redirect("casework:case", pk=referral.pk)


def alerts(request):
    require_permission(request.user, Permission.CASE_VIEW)
    rows = (
        SafetyAlert.objects.filter(referral__in=Referral.objects.visible_to(request.user))
        .select_related("referral__person", "referral__allocated_to", "acknowledged_by")
        .order_by("acknowledged_at", "-raised_at")
    )
    return render(
        request,
        "outcomes/alerts.jinja",
        {
            "page": paginate_people(
                request, rows, verb="list_safety_alerts", person="referral.person_id"
            )
        },
    )


def alert(request, pk):
    alert = get_alert_for(request.user, pk)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.acknowledge_alert(
                by=request.user, alert=alert, action_taken=form.cleaned_data["action_taken"]
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Thank you. What you did is on their timeline.")
            return redirect("casework:case", pk=alert.referral_id)
    instrument = instruments.get(alert.response.instrument)
    return render(
        request,
        "outcomes/alert.jinja",
        {
            "alert": alert,
            "person": alert.referral.person,
            "question": instrument.item(alert.item),
            "instrument": instrument,
            "form": form,
        },
    )
