"""A person's whole story, built through the actions the app uses, for the retention tests."""

from datetime import date

import pytest
from django.utils import timezone

from casework.actions import discharge_case
from onward import actions as onward
from outcomes import actions as outcomes
from outcomes.healthcare_use import record_healthcare_use
from referrals.actions import accept_referral
from referrals.models import DischargeReason, Person, Referral
from tests import factories

PHQ9 = ["interest", "down", "sleep", "tired", "appetite", "failure", "concentrating"]


@pytest.fixture
def story(referrer, service, team_lead, link_worker, provider, provider_listing):
    """Make one person's closed episode with a bit of everything in it: triage, a contact,
    a questionnaire link texted, answers with a safety alert, an activity attended, NHS use,
    the discharge and its message back. Returns the referral."""

    def make(born: date | None = None, discharge: bool = True) -> Referral:
        details = factories.PersonDetailsFactory(**({"date_of_birth": born} if born else {}))
        referral = factories.referral(by=referrer, service=service, person=details)
        referral = accept_referral(by=team_lead, referral=referral, version=referral.version)
        referral = factories.allocate(referral, by=team_lead, worker=link_worker)
        factories.contact(referral, by=link_worker)
        Person.objects.filter(pk=referral.person_id).update(texts_allowed=True)
        referral.refresh_from_db()
        baseline = referral.questionnaire_requests.get(timepoint="baseline")
        outcomes.send_link(by=None, request=baseline)
        outcomes.save_answers(
            by=link_worker,
            referral=referral,
            code="phq9",
            timepoint="baseline",
            answers={**dict.fromkeys(PHQ9, 1), "slow_fidgety": 0, "self_harm": 1},
            submit=True,
        )
        sent = onward.refer_to_activity(by=link_worker, referral=referral, service=provider_listing)
        sent = onward.accept(by=provider, onward=sent, version=sent.version)
        onward.record_attendance(
            by=provider, onward=sent, session_on=timezone.localdate(), attended=True
        )
        record_healthcare_use(
            by=link_worker, referral=referral, period="before", gp_consultations=4,
            ae_attendances=1,
        )  # fmt: skip
        if discharge:
            referral.refresh_from_db()
            discharge_case(
                by=link_worker,
                referral=referral,
                version=referral.version,
                reason=DischargeReason.objects.get(code="goals-met"),
            )
        return Referral.objects.get(pk=referral.pk)

    return make
