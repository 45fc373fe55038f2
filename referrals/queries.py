"""Reads of referrals and people. Every view starts from `visible_to(user)`."""

from django.db import models
from django.db.models import F

from core.permissions import Permission, has_permission
from referrals.states import OPEN, Status


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

    def for_list(self):
        return self.select_related(
            "person", "allocated_to", "referring_organisation"
        ).prefetch_related("needs")


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        from referrals.models import Referral

        return self.filter(referrals__in=Referral.objects.visible_to(user)).distinct()
