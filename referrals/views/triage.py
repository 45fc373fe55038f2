from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from casework.queries import workers_with_caseload
from core.errors import ActionError, ConcurrentChange
from core.pagination import audit_list, paginate_people
from core.permissions import Permission, require_permission
from referrals import actions
from referrals.forms import AllocationForm, TriageForm
from referrals.loaders import get_referral_for
from referrals.models import Referral
from referrals.states import Status


def triage_queue(request):
    require_permission(request.user, Permission.TRIAGE)
    visible = Referral.objects.visible_to(request.user)
    return render(
        request,
        "referrals/triage_queue.jinja",
        {
            "page": paginate_people(
                request, visible.awaiting_triage().for_list(), verb="list_triage_queue"
            ),
            "awaiting_allocation": audit_list(
                request,
                list(visible.awaiting_allocation().for_list()[:50]),
                verb="list_awaiting_allocation",
            ),
            "awaiting_allocation_count": visible.awaiting_allocation().count(),
        },
    )


def triage_referral(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.TRIAGE, purpose="triage_referral"
    )
    if referral.status != Status.RECEIVED:
        messages.info(
            request,
            f"This referral has already been triaged: {referral.get_status_display().lower()}.",
        )
        return redirect("casework:case", pk=referral.pk)
    form = TriageForm(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == TriageForm.ACCEPT:
                actions.accept_referral(
                    by=request.user, referral=referral, version=data["version"], note=data["note"]
                )
                messages.success(
                    request,
                    f"Referral for {referral.person.full_name} accepted. "
                    "Now allocate a link worker.",
                )
                return redirect("referrals:allocate", pk=referral.pk)
            if data["decision"] == TriageForm.DECLINE:
                actions.decline_referral(
                    by=request.user,
                    referral=referral,
                    version=data["version"],
                    reason=data["reason"],
                    note=data["note"],
                )
                messages.success(request, f"Referral for {referral.person.full_name} declined.")
            else:
                actions.redirect_referral(
                    by=request.user,
                    referral=referral,
                    version=data["version"],
                    redirected_to=data["redirected_to"],
                    note=data["note"],
                )
                messages.success(request, f"Referral for {referral.person.full_name} redirected.")
            return redirect("referrals:triage")
        except ConcurrentChange as error:
            messages.error(request, error.message)
            return redirect("referrals:triage_referral", pk=referral.pk)
        except ActionError as error:
            form.add_action_error(error)
    return render(
        request,
        "referrals/triage_referral.jinja",
        {
            "referral": referral,
            "needs": referral.needs.all(),
            "form": form,
            "duplicate_of": _possible_duplicate_of(request.user, referral),
        },
    )


def _possible_duplicate_of(user, referral):
    """The open episode this referral may duplicate, to compare side by side (the read is
    audited like any other)."""
    if not referral.possible_duplicate_of_id:
        return None
    try:
        return get_referral_for(
            user,
            referral.possible_duplicate_of_id,
            permission=Permission.TRIAGE,
            purpose="compare_possible_duplicate",
        )
    except Http404:
        return None


def allocate(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.ALLOCATE, purpose="allocate_referral"
    )
    if referral.status not in (Status.RECEIVED, Status.ACCEPTED, Status.ALLOCATED, Status.ACTIVE):
        messages.info(
            request,
            f"This referral is {referral.get_status_display().lower()}: it cannot be allocated.",
        )
        return redirect("casework:case", pk=referral.pk)
    form = AllocationForm(
        request.POST or None,
        service=referral.service,
        initial={"version": referral.version, "worker": referral.allocated_to_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.allocate_referral(
                by=request.user,
                referral=referral,
                version=form.cleaned_data["version"],
                worker=form.cleaned_data["worker"],
            )
        except ConcurrentChange as error:
            messages.error(request, error.message)
            return redirect("referrals:allocate", pk=referral.pk)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request,
                f"{referral.person.full_name} allocated to "
                f"{form.cleaned_data['worker'].full_name}.",
            )
            return redirect("referrals:triage")
    return render(
        request,
        "referrals/allocate.jinja",
        {
            "referral": referral,
            "form": form,
            "workers": workers_with_caseload(referral.service),
        },
    )
