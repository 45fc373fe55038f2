import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages(client, referrer, team_lead, link_worker, commissioner, active_referral, referral):
    client.force_login(referrer)
    for name in ["referrals:sent", "referrals:new"]:
        r = client.get(reverse(name))
        assert r.status_code == 200, name
    r = client.get(reverse("referrals:detail", args=[active_referral.pk]))
    assert r.status_code == 200
    client.force_login(team_lead)
    for name in ["referrals:triage", "casework:team"]:
        r = client.get(reverse(name))
        assert r.status_code == 200, (name, r.content[:2000])
    client.force_login(link_worker)
    r = client.get(reverse("casework:caseload"))
    assert r.status_code == 200
    for name in [
        "casework:case",
        "casework:record_contact",
        "casework:what_matters",
        "casework:new_goal",
        "casework:discharge",
    ]:
        r = client.get(reverse(name, args=[active_referral.pk]))
        assert r.status_code == 200, name
    client.force_login(commissioner)
    for name in ("dashboard", "outcomes", "value", "equity"):
        name = f"reporting:{name}"
        r = client.get(reverse(name))
        assert r.status_code == 200, name
