from django.shortcuts import render

from core.pagination import paginate_people
from core.permissions import Permission, require_permission
from outcomes import message_back
from referrals.loaders import get_referral_for
from referrals.models import Referral, ReferralEvent

# What a referrer sees of the episode: where it is, not the casework notes.
REFERRER_EVENT_KINDS = [ReferralEvent.Kind.RECEIVED, ReferralEvent.Kind.STATUS]


def sent_referrals(request):
    require_permission(request.user, Permission.REFERRAL_VIEW_SENT)
    referrals = Referral.objects.visible_to(request.user).for_list().order_by("-received_at")
    return render(
        request,
        "referrals/sent.jinja",
        {"page": paginate_people(request, referrals, verb="list_sent_referrals")},
    )


def referral_detail(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.REFERRAL_VIEW_SENT, purpose="view_referral"
    )
    events = referral.events.filter(kind__in=REFERRER_EVENT_KINDS).select_related("concept")
    return render(
        request,
        "referrals/detail.jinja",
        {
            "referral": referral,
            "needs": referral.needs.all(),
            "events": events,
            # Which activities they were connected to and how it is going; not the notes.
            "onward": referral.onward_referrals.select_related("service"),
            "messages_back": [
                (m, message_back.as_text_rows(m.content)) for m in referral.messages_back.all()[:5]
            ],
        },
    )
