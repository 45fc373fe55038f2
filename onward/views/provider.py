"""The provider portal: referrals sent to the organisation's activities, and nothing else
of the person. Answer, record attendance, end, and message the link worker."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ActionError
from core.pagination import PAGE_SIZE, audit_list
from core.permissions import Permission, require_permission
from directory.search import ICAL_DAYS, schedule_days
from onward import actions
from onward.forms import AnswerForm, AttendanceForm, FinishForm, NoteForm
from onward.loaders import get_onward_for_provider
from onward.models import OnwardReferral
from onward.queries import CLOSED, CLOSED_COUNT_LIMIT, TABS, tab_counts, tab_rows
from onward.states import PLACE_HOLDING, Status, allowed
from referrals.models import ProviderSharing


def referrals(request):
    require_permission(request.user, Permission.ONWARD_RESPOND)
    tab = request.GET.get("show", "answer")
    if tab not in TABS:
        tab = "answer"
    mine = OnwardReferral.objects.for_provider(request.user)
    counts = tab_counts(mine)
    # The tab's count is already known: the paginator need not count the rows again. The
    # closed tab's stops at CLOSED_COUNT_LIMIT, and so do its pages.
    paginator = Paginator(tab_rows(mine, tab), PAGE_SIZE)
    paginator.count = min(counts[tab], CLOSED_COUNT_LIMIT) if tab == CLOSED else counts[tab]
    page = paginator.get_page(request.GET.get("page"))
    audit_list(
        request,
        page,
        verb="list_provider_referrals",
        person="referral.person_id",
        page=page.number,
        tab=tab,
    )
    return render(
        request,
        "onward/provider_referrals.jinja",
        {
            "page": page,
            "tab": tab,
            "closed_capped": tab == CLOSED and counts[tab] > CLOSED_COUNT_LIMIT,
            "closed_limit": CLOSED_COUNT_LIMIT,
            "tabs": [
                (
                    key,
                    label,
                    f"{CLOSED_COUNT_LIMIT}+" if counts[key] > CLOSED_COUNT_LIMIT else counts[key],
                )
                for key, (label, _, _) in TABS.items()
            ],
        },
    )


def referral(request, pk):
    onward = get_onward_for_provider(request.user, pk, purpose="provider_view_referral")
    return _page(request, onward)


def _page(request, onward, *, answer=None, attendance=None, finish=None, note=None, status=200):
    user = request.user
    person = onward.referral.person
    first = _next_session(onward)
    return render(
        request,
        "onward/provider_referral.jinja",
        {
            "onward": onward,
            "person": person,
            "needs": onward.referral.needs.all()
            if onward.share_needs
            and person.share_with_providers == ProviderSharing.CONTACT_AND_NEEDS
            else None,
            "events": onward.events.select_related("by"),
            "attendances": onward.attendances.all(),
            "can_answer": allowed(onward.status, Status.ACCEPTED, user),
            "can_attend": onward.status in PLACE_HOLDING,
            "can_finish": allowed(onward.status, Status.STOPPED, user),
            "can_complete": allowed(onward.status, Status.COMPLETED, user),
            "answer": answer
            or AnswerForm(
                initial={
                    "version": onward.version,
                    "first_session": first.date() if first else None,
                    "first_session_time": f"{first:%H:%M}" if first else "",
                },
                prefix="answer",
            ),
            "attendance": attendance
            or AttendanceForm(initial={"session_on": timezone.localdate()}, prefix="attendance"),
            "finish": finish
            or FinishForm(
                initial={"version": onward.version},
                prefix="finish",
                can_complete=allowed(onward.status, Status.COMPLETED, user),
            ),
            "note": note or NoteForm(prefix="note"),
        },
        status=status,
    )


def _next_session(onward) -> datetime | None:
    """The activity's next weekly session, to suggest as the first one."""
    today = timezone.localdate()
    candidates = []
    for schedule in onward.service.schedules.all():
        if schedule.freq != "WEEKLY" or not schedule.opens_at:
            continue
        for day in schedule_days(schedule.byday):
            weekday = list(ICAL_DAYS.values()).index(day)
            ahead = (weekday - today.weekday()) % 7 or 7
            candidates.append(
                timezone.make_aware(
                    datetime.combine(today + timedelta(days=ahead), schedule.opens_at)
                )
            )
    return min(candidates) if candidates else None


@require_POST
def answer(request, pk):
    onward = get_onward_for_provider(request.user, pk, purpose="provider_answer_referral")
    form = AnswerForm(request.POST, prefix="answer")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == AnswerForm.ACCEPT:
                actions.accept(
                    by=request.user,
                    onward=onward,
                    version=data["version"],
                    first_session_at=data.get("first_session_at"),
                )
                messages.success(
                    request, f"Accepted. {onward.referral.service.name} has been told."
                )
            elif data["decision"] == AnswerForm.WAITING_LIST:
                actions.add_to_waiting_list(by=request.user, onward=onward, version=data["version"])
                messages.success(
                    request, "Added to your waiting list. The link worker has been told."
                )
            else:
                actions.decline(
                    by=request.user,
                    onward=onward,
                    version=data["version"],
                    reason=data["reason"],
                    detail=data["detail"],
                )
                messages.success(request, "Thank you. The link worker has been told.")
        except ActionError as error:
            form.add_action_error(error)
        else:
            return redirect("onward:provider_referral", pk=onward.pk)
    onward.refresh_from_db()
    return _page(request, onward, answer=form)


@require_POST
def attendance(request, pk):
    onward = get_onward_for_provider(request.user, pk, purpose="provider_record_attendance")
    form = AttendanceForm(request.POST, prefix="attendance")
    if form.is_valid():
        try:
            actions.record_attendance(
                by=request.user,
                onward=onward,
                session_on=form.cleaned_data["session_on"],
                attended=form.cleaned_data["attended"] == "yes",
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Attendance recorded.")
            return redirect("onward:provider_referral", pk=onward.pk)
    onward.refresh_from_db()
    return _page(request, onward, attendance=form)


@require_POST
def finish(request, pk):
    onward = get_onward_for_provider(request.user, pk, purpose="provider_finish_referral")
    form = FinishForm(request.POST, prefix="finish")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.finish(
                by=request.user,
                onward=onward,
                version=data["version"],
                completed=data["outcome"] == "completed",
                reason=data["reason"],
                detail=data["detail"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Recorded. The link worker has been told.")
            return redirect("onward:provider_referral", pk=onward.pk)
    onward.refresh_from_db()
    return _page(request, onward, finish=form)


@require_POST
def note(request, pk):
    onward = get_onward_for_provider(request.user, pk, purpose="provider_message_link_worker")
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            actions.add_note(by=request.user, onward=onward, text=form.cleaned_data["text"])
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Message sent to the link worker.")
            return redirect("onward:provider_referral", pk=onward.pk)
    return _page(request, onward, note=form)
