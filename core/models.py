from django.conf import settings
from django.db import models

from core.ids import uuid7


class BaseModel(models.Model):
    """UUID primary keys everywhere: ids in URLs are never sequential."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Concept(BaseModel):
    """A coded concept (SNOMED CT and friends). Codes are data, never literals in code."""

    class System(models.TextChoices):
        SNOMED = "http://snomed.info/sct", "SNOMED CT"

    key = models.SlugField(unique=True, help_text="Stable name the code refers to it by.")
    system = models.CharField(max_length=100, choices=System.choices)
    code = models.CharField(max_length=30)
    display = models.CharField(max_length=255)
    source = models.CharField(max_length=255, help_text="Where the code was checked.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="concept_unique_code"),
        ]

    def __str__(self):
        return f"{self.display} ({self.code})"


class AuditEvent(models.Model):
    """Append-only record of who did or saw what, when and why.

    Written explicitly by actions (changes) and by the record loaders (reads of personal
    data), never by signals.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", "Change"
        VIEW = "view", "View"
        AUTH = "auth", "Sign-in"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.UUIDField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # Set when the row is sealed into the hash chain (core/audit_chain.py): its place in the
    # chain, and a hash of its content and of the row before, so a changed or deleted row
    # shows when the chain is verified.
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed"
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.verb} {self.object_type}"


class AuditEventPerson(models.Model):
    """Each person shown in a list, so that a list read records who saw whom, not just
    that a list was seen."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="people")
    person_id = models.UUIDField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person_id"], name="audit_person_once"),
        ]

    def __str__(self):
        return f"{self.event_id} {self.person_id}"


class AuditChainHead(models.Model):
    """The end of the audit hash chain: one row, locked while rows are sealed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    chain_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self):
        return f"{self.seq} {self.chain_hash}"


class BankHoliday(models.Model):
    """A bank holiday in England and Wales: not a working day for deadlines."""

    date = models.DateField(primary_key=True)
    title = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date}: {self.title}"


class PeriodicRun(models.Model):
    """When each periodic duty last ran, so that daily ones run once a day however often
    the sweep comes round."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.last_run_at}"


class WorkerHeartbeat(models.Model):
    """One row per running `manage.py worker` process, touched every few seconds, so that the
    health check and staff pages can tell a stopped worker from a quiet queue."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} last seen {self.last_seen_at}"
