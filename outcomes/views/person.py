"""The person answers on their own phone: a one-time link, their date of birth, then one
question per screen, saved as they go. No account. Nothing personal is shown until the date
of birth matches, and every unusable link looks the same."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from organisations import public_information
from outcomes import actions, instruments
from outcomes.forms import DateOfBirthForm, QuestionForm
from outcomes.models import QuestionnaireRequest

SESSION_KEY = "questionnaire_links"


def _run_by(questionnaire) -> dict:
    """The service that sent the link, named with its phone number on every page. Shown
    before the date of birth is checked too: whoever holds the link was sent it by that
    service, and should see who is asking before typing anything."""
    service = questionnaire.referral.service
    return {"public_area": service.area, "contact": public_information.contact(service=service)}


def _unusable(request, status=410):
    return render(request, "outcomes/person_unusable.jinja", status=status)


def _verified(request, link) -> bool:
    return str(link.pk) in request.session.get(SESSION_KEY, [])


def _next_unanswered(questionnaire):
    """(instrument code, question number) of the first question not yet answered."""
    # Only what is answered or skipped: not whole responses (scores, bands, history).
    answered = {
        code: (answers, skipped)
        for code, answers, skipped in questionnaire.responses.values_list(
            "instrument", "answers", "skipped"
        )
    }
    for code in questionnaire.instruments:
        instrument = instruments.get(code)
        response = answered.get(code)
        for item in instrument.items:
            if not response or (item.key not in response[0] and item.key not in response[1]):
                return code, item.number
    return None, None


@never_cache
@login_not_required
def start(request, token):
    try:
        link = actions.find_link(token)
    except actions.LinkUnusable:
        return _unusable(request)
    if _verified(request, link):
        return _continue(request, token, link.request)
    form = DateOfBirthForm(request.POST or None)
    wrong = False
    if request.method == "POST" and form.is_valid():
        if actions.verify_date_of_birth(
            link=link, date_of_birth=form.cleaned_data["date_of_birth"]
        ):
            request.session.cycle_key()  # a new session id once they have proved who they are
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), str(link.pk)]
            return _continue(request, token, link.request)
        try:
            actions.find_link(token)
        except actions.LinkUnusable:
            return _unusable(request)
        wrong = True
    return render(
        request,
        "outcomes/person_start.jinja",
        {"form": form, "wrong": wrong, **_run_by(link.request)},
    )


def _continue(request, token, questionnaire):
    code, number = _next_unanswered(questionnaire)
    if code is None:
        return redirect("outcomes:answer_done", token=token)
    return redirect("outcomes:answer_question", token=token, code=code, number=number)


@never_cache
@login_not_required
def question(request, token, code, number):
    try:
        link = actions.find_link(token)
    except actions.LinkUnusable:
        return _unusable(request)
    if not _verified(request, link):
        return redirect("outcomes:answer_start", token=token)
    questionnaire = link.request
    if code not in questionnaire.instruments:
        return _unusable(request, status=404)
    instrument = instruments.get(code)
    if not 1 <= number <= len(instrument.items):
        return _unusable(request, status=404)
    item = instrument.items[number - 1]
    # A form sent shows what was sent: the saved answer is read only for a form not sent.
    existing = None if request.POST else questionnaire.responses.filter(instrument=code).first()
    form = QuestionForm(
        request.POST or None,
        instrument=instrument,
        item=item,
        initial={"answer": str(existing.answers[item.key])}
        if existing and item.key in existing.answers
        else None,
    )
    if request.method == "POST" and ("skip" in request.POST or form.is_valid()):
        skipped = "skip" in request.POST
        answers = {} if skipped else {item.key: form.cleaned_data["answer"]}
        last = number == len(instrument.items)
        response = actions.save_answers(
            by=None,
            referral=questionnaire.referral,
            code=code,
            answers=answers,
            timepoint=questionnaire.timepoint,
            request=questionnaire,
            submit=last,
            skip=(item.key,) if skipped else (),
        )
        if item.risk_from is not None and response.alerts.filter(item=item.key).exists():
            return redirect("outcomes:answer_support", token=token)
        # What comes next is read from the responses themselves (`_next_unanswered`).
        return _continue(request, token, questionnaire)
    position, total = _position(questionnaire, code, number)
    return render(
        request,
        "outcomes/person_question.jinja",
        {
            "form": form,
            "instrument": instrument,
            "item": item,
            "number": number,
            "position": position,
            "total": total,
            "show_preamble": number == 1,
            "back": _previous(questionnaire, code, number, token),
            **_run_by(questionnaire),
        },
    )


def _position(questionnaire, code, number):
    total = sum(len(instruments.get(c).items) for c in questionnaire.instruments)
    before = sum(
        len(instruments.get(c).items)
        for c in questionnaire.instruments[: questionnaire.instruments.index(code)]
    )
    return before + number, total


def _previous(questionnaire, code, number, token):
    from django.urls import reverse

    if number > 1:
        return reverse("outcomes:answer_question", args=[token, code, number - 1])
    index = questionnaire.instruments.index(code)
    if index == 0:
        return None
    previous = questionnaire.instruments[index - 1]
    return reverse(
        "outcomes:answer_question",
        args=[token, previous, len(instruments.get(previous).items)],
    )


@never_cache
@login_not_required
def support(request, token):
    try:
        link = actions.find_link(token)
    except actions.LinkUnusable:
        link = None
    verified = link is not None and _verified(request, link)
    return render(
        request,
        "outcomes/person_support.jinja",
        {"token": token if verified else None, **(_run_by(link.request) if verified else {})},
    )


@never_cache
@login_not_required
def done(request, token):
    link = actions.lookup_link(token)
    if link is None or not _verified(request, link):
        return _unusable(request)
    finished = link.request.status == QuestionnaireRequest.Status.COMPLETED
    return render(
        request,
        "outcomes/person_done.jinja",
        {"finished": finished, "token": token, **_run_by(link.request)},
    )
