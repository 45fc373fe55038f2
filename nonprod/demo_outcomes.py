"""The demo's outcome measurement: baseline questionnaires completed at first contact,
follow-ups three months on (mostly better, as in Northamptonshire's results, some not),
one safety alert waiting for someone and one dealt with."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from outcomes import actions, instruments
from outcomes.models import QuestionnaireRequest

LEVELS = {  # a typical answer per instrument, before (low) and after (better)
    "ons4": {"before": 4, "after": 6},
    "swemwbs": {"before": 2, "after": 3},
    "ucla3": {"before": 3, "after": 2},
    "ons_loneliness": {"before": 1, "after": 3},
    "gad7": {"before": 2, "after": 1},
    "phq9": {"before": 2, "after": 1},
}


def _answers(code: str, when: str, rng: random.Random, safe: bool = True) -> dict:
    instrument = instruments.get(code)
    centre = LEVELS[code][when]
    values = sorted(instrument.values)
    answers = {}
    for item in instrument.items:
        value = min(max(centre + rng.choice([-1, 0, 0, 1]), values[0]), values[-1])
        if code == "ons4" and item.key == "anxiety":
            value = 10 - value  # anxiety runs the other way
        if item.risk_from is not None and safe:
            value = 0
        answers[item.key] = value
    return answers


def _complete(request, worker, rng, when, safe=True):
    for code in request.instruments:
        actions.save_answers(
            by=worker,
            referral=request.referral,
            code=code,
            answers=_answers(code, when, rng, safe),
            timepoint=request.timepoint,
            request=request,
            submit=True,
        )


def baseline(referral, worker, rng: random.Random) -> None:
    """At first contact (the clock is there): most complete them with their link worker."""
    request = referral.questionnaire_requests.filter(timepoint="baseline").first()
    if request and rng.random() < 0.85:
        _complete(request, worker, rng, "before")


def follow_up(referral, worker, clock, rng: random.Random) -> None:
    """Three months on, if the story has got that far: most are better."""
    request = (
        referral.questionnaire_requests.filter(timepoint="month-3", status="due")
        .order_by("due_on")
        .first()
    )
    if request is None or rng.random() < 0.2:
        return
    day = request.due_on + timedelta(days=rng.randint(0, 10))
    moment = timezone.make_aware(
        datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59)))
    )
    if moment >= clock.end - timedelta(days=1):
        return
    resume = clock.now  # the story goes on from where it was
    with clock.at(moment):
        _complete(request, worker, rng, "after" if rng.random() < 0.75 else "before")
    clock.now = resume


def alerts(progress) -> None:
    """One safety alert waiting for the link worker, one already dealt with."""
    from referrals.models import Referral

    active = list(
        Referral.objects.filter(status="active")
        .select_related("allocated_to")
        .order_by("received_at")[:2]
    )
    rng = random.Random(7)
    for number, referral in enumerate(active):
        request = QuestionnaireRequest.objects.create(
            referral=referral,
            timepoint="other",
            instruments=["phq9"],
            due_on=timezone.localdate(),
        )
        answers = _answers("phq9", "before", rng)
        answers["self_harm"] = 1
        response = actions.save_answers(
            by=referral.allocated_to,
            referral=referral,
            code="phq9",
            answers=answers,
            timepoint="other",
            request=request,
            submit=True,
        )
        if number == 1:
            actions.acknowledge_alert(
                by=referral.allocated_to,
                alert=response.alerts.get(),
                action_taken="Talked it through with her on the phone the same day: no plans "
                "to act, safety plan agreed, GP surgery told and she has the crisis line number.",
            )
    progress("Safety alerts: one waiting for its link worker, one dealt with")
