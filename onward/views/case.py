"""The link worker's side: refer a person to an activity (closing the loop), signpost them,
follow each referral, message the provider, cancel or record that they stopped."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import ActionError
from core.permissions import Permission
from directory.models import Service
from directory.presenters import listing
from onward import actions
from onward.forms import CancelForm, FinishForm, NoteForm, ReferForm, SignpostForm
from onward.loaders import get_onward_for_case
from onward.states import Status, allowed
from referrals.loaders import get_referral_for
from referrals.models import ProviderSharing


def _activity(referral, service_pk):
    return get_object_or_404(
        Service.objects.public()
        .filter(area_id=referral.area_id)
        .select_related("organization__owner")
        .prefetch_related(
            "schedules", "cost_options", "service_at_locations__location", "terms__need"
        ),
        pk=service_pk,
    )


def refer(request, pk, service_pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="refer_to_activity"
    )
    service = _activity(referral, service_pk)
    form = ReferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.refer_to_activity(
                by=request.user,
                referral=referral,
                service=service,
                note_for_provider=form.cleaned_data["note_for_provider"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request,
                f"Referral sent to {service.organization.owner.name}. You will see their answer "
                "here.",
            )
            return redirect("casework:case", pk=referral.pk)
    person = referral.person
    return render(
        request,
        "onward/refer.jinja",
        {
            "referral": referral,
            "person": person,
            "service": service,
            "listing": listing(service),
            "form": form,
            "shares_needs": person.share_with_providers == ProviderSharing.CONTACT_AND_NEEDS,
            "needs": referral.needs.all(),
        },
    )


def signpost(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="signpost"
    )
    service = None
    if request.method == "POST" and request.POST.get("service"):
        service = _activity(referral, request.POST["service"])
    form = SignpostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.signpost(
                by=request.user,
                referral=referral,
                service=service,
                description=form.cleaned_data["description"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            what = service.name if service else form.cleaned_data["description"]
            messages.success(request, f"Recorded: you told them about {what}.")
            back = request.POST.get("next", "")
            if back.startswith(f"/cases/{referral.pk}/"):
                return redirect(back)
            return redirect("casework:case", pk=referral.pk)
    return render(request, "onward/signpost.jinja", {"referral": referral, "form": form})


def detail(request, pk, onward_pk, *, cancel=None, stop=None, note=None):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_VIEW, purpose="view_onward_referral"
    )
    onward = get_onward_for_case(request.user, referral, onward_pk)
    user = request.user
    return render(
        request,
        "onward/case_onward.jinja",
        {
            "referral": referral,
            "onward": onward,
            "events": onward.events.select_related("by"),
            "attendances": onward.attendances.all(),
            "can_cancel": allowed(onward.status, Status.CANCELLED, user),
            "can_stop": allowed(onward.status, Status.STOPPED, user),
            "cancel": cancel or CancelForm(initial={"version": onward.version}, prefix="cancel"),
            "stop": stop
            or FinishForm(initial={"version": onward.version}, prefix="stop", can_complete=False),
            "note": note or NoteForm(prefix="note"),
            "can_write": allowed(onward.status, Status.CANCELLED, user)
            or allowed(onward.status, Status.STOPPED, user)
            or onward.status in (Status.SENT, Status.WAITING_LIST),
        },
    )


def _case_onward(request, pk, onward_pk, purpose):
    referral = get_referral_for(request.user, pk, permission=Permission.CASE_WORK, purpose=purpose)
    return referral, get_onward_for_case(request.user, referral, onward_pk)


@require_POST
def cancel(request, pk, onward_pk):
    referral, onward = _case_onward(request, pk, onward_pk, "cancel_onward_referral")
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            actions.cancel(
                by=request.user,
                onward=onward,
                version=form.cleaned_data["version"],
                detail=form.cleaned_data["detail"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"Referral to {onward.service.name} cancelled.")
            return redirect("casework:case", pk=referral.pk)
    return detail(request, pk, onward_pk, cancel=form)


@require_POST
def stop(request, pk, onward_pk):
    referral, onward = _case_onward(request, pk, onward_pk, "stop_onward_referral")
    form = FinishForm(request.POST, prefix="stop", can_complete=False)
    if form.is_valid():
        try:
            actions.finish(
                by=request.user,
                onward=onward,
                version=form.cleaned_data["version"],
                completed=False,
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"Recorded that they stopped {onward.service.name}.")
            return redirect("casework:case", pk=referral.pk)
    return detail(request, pk, onward_pk, stop=form)


@require_POST
def note(request, pk, onward_pk):
    referral, onward = _case_onward(request, pk, onward_pk, "message_provider")
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            actions.add_note(by=request.user, onward=onward, text=form.cleaned_data["text"])
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, f"Message sent to {onward.provider.name}.")
            return redirect("onward:case_onward", pk=referral.pk, onward_pk=onward.pk)
    return detail(request, pk, onward_pk, note=form)
