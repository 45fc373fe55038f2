"""API clients (one per referring organisation's system), what each has sent (so a retry
returns the first answer, never a second referral), and how SNOMED CT reasons map to needs."""

import hashlib

from django.db import models
from django.db.models import Q

from core.models import BaseModel


class Scope(models.TextChoices):
    CREATE_REFERRALS = "system/ServiceRequest.write", "Create referrals"
    READ_TASKS = "system/Task.read", "Read their own referrals' progress"


class ApiClient(BaseModel):
    """A referring organisation's system. Its bearer token is shown once and only a hash is
    kept; revoking it stops it at once."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(max_length=120)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(
        max_length=12, help_text="The start of the token, to tell it apart"
    )
    scopes = models.JSONField(default=list)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class Submission(BaseModel):
    """One ServiceRequest received, by its business identifier: the same identifier again
    returns this referral. Unique per organisation, so concurrent retries make one."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="submissions")
    identifier_system = models.CharField(max_length=255)
    identifier_value = models.CharField(max_length=255)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="fhir_submission"
    )
    resource = models.JSONField(help_text="The ServiceRequest as received")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "identifier_system", "identifier_value"],
                name="fhir_submission_once",
            )
        ]


class ReasonMapping(BaseModel):
    """A coded reason for referral (SNOMED CT, or linkwork's own need codes) → a need."""

    system = models.CharField(max_length=255)
    code = models.CharField(max_length=40)
    display = models.CharField(max_length=255)
    need = models.ForeignKey("referrals.Need", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "code", "need"], name="reason_mapping_once"),
            models.CheckConstraint(condition=~Q(code=""), name="reason_mapping_has_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.display} → {self.need_id}"
