from dataclasses import dataclass
from datetime import datetime

from django.shortcuts import render

from core.ids import url_by_id
from core.pagination import paginate_people
from core.permissions import Permission, require_permission
from outcomes import message_back
from referrals.loaders import get_referral_for
from referrals.models import Person, Referral, ReferralEvent
from referrals.queries import needs_by_referral

# What a referrer sees of the episode: where it is, not the casework notes.
REFERRER_EVENT_KINDS = [ReferralEvent.Kind.RECEIVED, ReferralEvent.Kind.STATUS]


@dataclass(frozen=True, slots=True)
class SentRow:
    url: str
    given_name: str
    family_name: str
    nhs_number: str
    received_at: datetime
    needs: list[str]
    status: str

    full_name = Person.full_name  # the person's own rule, so the list cannot drift from it


def sent_referrals(request):
    require_permission(request.user, Permission.REFERRAL_VIEW_SENT)
    referrals = Referral.objects.visible_to(request.user).sent_rows().order_by("-received_at")
    page = paginate_people(request, referrals, verb="list_sent_referrals")
    return render(request, "referrals/sent.jinja", {"page": page, "rows": _sent_rows(page)})


def _sent_rows(page) -> list[SentRow]:
    needs = needs_by_referral([r.pk for r in page.object_list]) if page.object_list else {}
    detail = url_by_id("referrals:detail")
    return [
        SentRow(
            url=detail(r.pk),
            given_name=r.person__given_name,
            family_name=r.person__family_name,
            nhs_number=r.referred_nhs_number or r.person__nhs_number,
            received_at=r.received_at,
            needs=needs.get(r.pk, []),
            status=r.status,
        )
        for r in page.object_list
    ]


def referral_detail(request, pk):
    referral = get_referral_for(
        request.user, pk, permission=Permission.REFERRAL_VIEW_SENT, purpose="view_referral"
    )
    # Only the columns the page shows, as named tuples: no model per row.
    events = referral.events.filter(kind__in=REFERRER_EVENT_KINDS).values_list(
        "at", "summary", "concept_id", "concept__code", "concept__display", named=True
    )
    return render(
        request,
        "referrals/detail.jinja",
        {
            "referral": referral,
            "needs": referral.needs.values_list("label", flat=True),
            "events": events,
            # Which activities they were connected to and how it is going; not the notes.
            "onward": referral.onward_referrals.values_list(
                "service__name", "status", "status_changed_at", named=True
            ),
            "messages_back": [
                (m, message_back.as_text_rows(m.content)) for m in referral.messages_back.all()[:5]
            ],
        },
    )
