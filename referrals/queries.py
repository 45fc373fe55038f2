"""Reads of referrals and people. Every view starts from `visible_to(user)`."""

import re

from django.db import models
from django.db.models import F, Q

from core.permissions import Permission, has_permission
from referrals import references
from referrals.states import OPEN, Status

_NAME_WORDS = 4  # a name search looks at this many words of what was typed


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        if has_permission(user, Permission.CASE_VIEW):
            return self.filter(service_id=user.organisation_id)
        if has_permission(user, Permission.REFERRAL_VIEW_SENT):
            return self.filter(referring_organisation_id=user.organisation_id)
        return self.none()

    def aggregable_by(self, user):
        """Rows a commissioner may count (never list): their own area's referrals."""
        if has_permission(user, Permission.AREA_FIGURES_VIEW):
            return self.filter(area_id=user.organisation.area_id)
        return self.none()

    def open(self):
        return self.filter(status__in=OPEN)

    def awaiting_triage(self):
        return self.filter(status=Status.RECEIVED).order_by("received_at")

    def awaiting_allocation(self):
        return self.filter(status=Status.ACCEPTED).order_by("received_at")

    def caseload_of(self, worker):
        # Overdue and soonest next actions first; cases with nothing scheduled last.
        return self.filter(
            allocated_to=worker, status__in=[Status.ALLOCATED, Status.ACTIVE]
        ).order_by(F("next_action_due").asc(nulls_last=True), "received_at")

    def matching(self, text: str):
        """Referrals found by what someone typed: their reference (any case, spaces or
        hyphens: `references.normalise`), an NHS number, or words of the person's name.
        Narrows this queryset only: start from `visible_to(user)`."""
        return self.filter(match_condition(text))

    def for_list(self):
        return self.select_related(
            "person", "allocated_to", "referring_organisation"
        ).prefetch_related("needs")

    def sent_rows(self):
        """Rows of the referrer's sent list: the few columns it shows, as named tuples
        (no model instances; `person_id` for the read audit). `needs_by_referral` gives
        their reasons."""
        return self.values_list(
            "pk",
            "person_id",
            "person__given_name",
            "person__family_name",
            "referred_nhs_number",
            "person__nhs_number",
            "received_at",
            "status",
            named=True,
        )


def needs_by_referral(referral_ids) -> dict:
    """{referral id: [need label, …]} in the needs' own order (as `referral.needs.all()`)."""
    from referrals.models import Referral

    labels: dict = {}
    rows = (
        Referral.needs.through.objects.filter(referral_id__in=referral_ids)
        .order_by("need__position", "need__label")
        .values_list("referral_id", "need__label")
    )
    for referral_id, label in rows:
        labels.setdefault(referral_id, []).append(label)
    return labels


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        from referrals.models import Referral

        return self.filter(referrals__in=Referral.objects.visible_to(user)).distinct()


def match_condition(text: str) -> Q:
    text = (text or "").strip()[:100]
    found = Q(pk__in=[])  # nothing typed finds nothing
    reference = references.normalise(text)
    if reference:
        found |= Q(reference=reference)
        if references.is_short(reference):
            # A reference two referrals shared before references were stored: the later
            # one's is longer, and begins with the eight characters it was told.
            found |= Q(reference__startswith=f"{reference}-")
    digits = re.sub(r"[\s-]", "", text)
    if len(digits) == 10 and digits.isdigit():
        found |= Q(person__nhs_number=digits) | Q(referred_nhs_number=digits)
    # Words of a name: letters, no digits (a reference nearly always has some). Text that
    # reads as a reference and holds a digit is a reference, however it is broken up:
    # "6b ar j9 ey" must not find every Carey by "ar" and "ey".
    if reference and any(c.isdigit() for c in text):
        return found
    words = [
        w
        for w in re.split(r"[\s,]+", text)
        if any(c.isalpha() for c in w) and not any(c.isdigit() for c in w)
    ]
    if words:
        name = Q()
        for word in words[:_NAME_WORDS]:
            name &= Q(person__given_name__icontains=word) | Q(person__family_name__icontains=word)
        found |= name
    return found
