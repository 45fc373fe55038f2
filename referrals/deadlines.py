"""The first-contact clock: a new referral must be reached within the service's working
days. The allocated link worker (or, before allocation, the team leads) is reminded part
way; at the deadline the team leads are told. Run by the periodic sweep."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.batches import in_batches
from core.permissions import Role
from notifications.actions import email_staff
from referrals.models import Referral, ReferralEvent

CLOCK_BATCH = 1000  # rows loaded at a time


def run_clock(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Every one due, a batch at a time; each dealt with is marked and leaves the set.
    waiting = Referral.objects.filter(first_contact_at__isnull=True, closed_at__isnull=True)
    reminded = sum(
        _remind(referral.pk, now)
        for referral in in_batches(
            waiting.filter(
                first_contact_reminded_at__isnull=True, first_contact_remind_on__lte=today
            ).only("pk"),
            size=CLOCK_BATCH,
        )
    )
    escalated = sum(
        _escalate(referral.pk, now)
        for referral in in_batches(
            waiting.filter(
                first_contact_escalated_at__isnull=True, first_contact_due__lte=today
            ).only("pk"),
            size=CLOCK_BATCH,
        )
    )
    return {"reminded": reminded, "escalated": escalated}


def _leads(referral):
    return User.objects.filter(organisation=referral.service, role=Role.TEAM_LEAD, is_active=True)


def _link(referral) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("casework:case", kwargs={"pk": referral.pk})


@transaction.atomic
def _remind(pk, now) -> int:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service", "allocated_to")
        .filter(pk=pk, first_contact_at__isnull=True, first_contact_reminded_at__isnull=True)
        .first()
    )
    if referral is None:
        return 0
    Referral.objects.filter(pk=pk).update(first_contact_reminded_at=now)
    users = [referral.allocated_to] if referral.allocated_to_id else list(_leads(referral))
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=None,
        kind=ReferralEvent.Kind.DEADLINE,
        summary=f"Reminder: first contact due by {referral.first_contact_due:%-d %B}",
    )
    email_staff(
        by=None,
        users=users,
        template_code="first_contact_reminder",
        personalisation={
            "received": f"{timezone.localtime(referral.received_at):%-d %B}",
            "due": f"{referral.first_contact_due:%-d %B %Y}",
            "link": _link(referral),
        },
        reference=f"referral:{referral.pk}:first-contact-reminder",
        referral=referral,
    )
    return 1


@transaction.atomic
def _escalate(pk, now) -> int:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("service", "allocated_to")
        .filter(pk=pk, first_contact_at__isnull=True, first_contact_escalated_at__isnull=True)
        .first()
    )
    if referral is None:
        return 0
    Referral.objects.filter(pk=pk).update(first_contact_escalated_at=now)
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=None,
        kind=ReferralEvent.Kind.DEADLINE,
        summary="First contact overdue: the team lead has been told",
    )
    email_staff(
        by=None,
        users=_leads(referral),
        template_code="first_contact_escalation",
        personalisation={
            "received": f"{timezone.localtime(referral.received_at):%-d %B}",
            "due": f"{referral.first_contact_due:%-d %B %Y}",
            "worker": referral.allocated_to.full_name if referral.allocated_to_id else "nobody",
            "link": _link(referral),
        },
        reference=f"referral:{referral.pk}:first-contact-escalation",
        referral=referral,
    )
    return 1
