"""A message to a person, as the tests of messaging and of what it logs send it."""

from notifications.actions import message_person


def how_did_it_go(referral, *, reference=None, **options):
    """Queue the "how did it go" follow-up to the referred person, on the channel they chose
    (None if they agreed to none). `reference` defaults to one of this referral's own, so two
    referrals' messages never count as one; `options` as for `message_person`."""
    return message_person(
        by=None,
        person=referral.person,
        referral=referral,
        template_code="how_did_it_go",
        personalisation={
            "name": referral.person.given_name,
            "activity": "Happy Cafe",
            "service": "Linkwork",
            "phone": "01604 496000",
            "worker": "Lin",
        },
        reference=reference or f"test:{referral.pk}",
        **options,
    )
