"""'What matters to me' and goals: the person's plan, in their words."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from casework import actions
from casework.forms import GoalForm, GoalReviewForm, WhatMattersForm
from core.errors import ActionError, ConcurrentChange
from core.permissions import Permission
from referrals.loaders import get_referral_for


def what_matters(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="edit_what_matters"
    )
    current = referral.what_matters.select_related("by").first()
    initial = {"text": current.text if current else "", "replaces": current.pk if current else ""}
    form = WhatMattersForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        replaces_id = form.cleaned_data["replaces"]
        replaces = referral.what_matters.filter(pk=replaces_id).first() if replaces_id else None
        try:
            actions.record_what_matters(
                by=request.user,
                referral=referral,
                text=form.cleaned_data["text"],
                replaces=replaces,
            )
        except ConcurrentChange as error:
            # Keep what they typed; show the colleague's version so they can merge.
            form.add_action_error(error)
            conflict = referral.what_matters.select_related("by").first()
            form.data = form.data.copy()
            form.data["replaces"] = str(conflict.pk) if conflict else ""
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "'What matters to me' saved.")
            return redirect("casework:case", pk=referral.pk)
    return render(
        request,
        "casework/what_matters_form.jinja",
        {"referral": referral, "form": form, "current": current, "conflict": conflict},
    )


def new_goal(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="set_goal"
    )
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_goal(
                by=request.user, referral=referral, description=form.cleaned_data["description"]
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Goal added.")
            return redirect("casework:case", pk=referral.pk)
    return render(request, "casework/goal_form.jinja", {"referral": referral, "form": form})


def review_goal(request, pk, goal_pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.CASE_WORK, purpose="review_goal"
    )
    goal = get_object_or_404(referral.goals.all(), pk=goal_pk)
    form = GoalReviewForm(
        request.POST or None,
        initial={
            "status": goal.status,
            "progress": goal.progress,
            "version": goal.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.review_goal(
                by=request.user,
                goal=goal,
                version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
            )
        except ConcurrentChange as error:
            goal.refresh_from_db()
            form.add_concurrent_change(error, current_version=goal.version)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, "Goal reviewed.")
            return redirect("casework:case", pk=referral.pk)
    return render(
        request,
        "casework/goal_review_form.jinja",
        {"referral": referral, "goal": goal, "form": form},
    )
