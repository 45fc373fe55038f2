import pytest

from referrals.models import Person


@pytest.fixture
def texting(active_referral):
    """An active case whose person agreed to texts: their questionnaire links go by text."""
    Person.objects.filter(pk=active_referral.person_id).update(texts_allowed=True)
    active_referral.refresh_from_db()
    return active_referral


@pytest.fixture
def baseline(texting):
    return texting.questionnaire_requests.get(timepoint="baseline")
