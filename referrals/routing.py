"""Which social prescribing service a referral goes to."""

from organisations.models import Organisation


def service_for_area(area_id) -> Organisation | None:
    # Each area has one social prescribing service taking referrals today; choosing between
    # several (by practice or PCN) is for when an area has more.
    return (
        Organisation.objects.filter(area_id=area_id, kind=Organisation.Kind.LINK_WORKER_SERVICE)
        .order_by("created_at")
        .first()
    )
