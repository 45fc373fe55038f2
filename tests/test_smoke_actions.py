from referrals.states import Status


def test_referral_flows_to_active(active_referral):
    assert active_referral.status == Status.ACTIVE
    assert active_referral.first_contact_at is not None
