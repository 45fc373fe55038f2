"""How long each kind of thing linkwork holds is kept (docs/retention.md says why).

Two periods are settings, because the organisation that controls the records decides them
with its records manager: the case records of people whose episodes have all closed, and the
audit trail. The rest is housekeeping of things that are worthless once spent (expired links,
sessions, finished background tasks) and is fixed here."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from core.background import FORGET_WORKERS_AFTER

# NHS Records Management Code of Practice 2023, Appendix II: adult health records and adult
# social care records, 8 years after the end of care (8 × 365.25 days).
CLOSED_RECORDS_DEFAULT_DAYS = 2922
# The audit trail outlives the records it is about, and holds the record of each erasure
# (the Code keeps destruction records for 20 years).
AUDIT_DEFAULT_DAYS = 7305

# Housekeeping.
FINISHED_TASKS = timedelta(days=14)  # django-tasks' own default for prune_db_task_results
FAILED_TASKS = timedelta(days=90)  # long enough to look into a failure
SPENT_LINKS = timedelta(days=30)  # after a set-up or questionnaire link stopped working
# Staff emails carrying a one-time link (a password reset, an invitation's set-up link):
# the link is dead within 7 days; the audit trail keeps that the email was sent.
LINK_EMAIL_TEMPLATES = ("password_reset", "staff_invitation")
LINK_EMAILS = timedelta(days=30)
# A worker not seen for a day has stopped (as when a worker starts: core.background).
WORKER_HEARTBEATS = FORGET_WORKERS_AFTER

# Children's records (Appendix II): until the 25th birthday, or the 26th if the young person
# was 17 when their care ended, if that is later than the period above.
CHILD_UNTIL_BIRTHDAY = 25
CHILD_AT_17_UNTIL_BIRTHDAY = 26


@dataclass(frozen=True)
class Periods:
    closed_records: timedelta
    audit_trail: timedelta
    hold: bool  # a hold (an inquiry, a claim): nothing personal is erased


def periods() -> Periods:
    return Periods(
        closed_records=timedelta(days=settings.LINKWORK_RETAIN_CLOSED_RECORDS_DAYS),
        audit_trail=timedelta(days=settings.LINKWORK_RETAIN_AUDIT_DAYS),
        hold=settings.LINKWORK_RETENTION_HOLD,
    )


def birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28) + timedelta(days=1)


def kept_until_as_a_child(born: date, care_ended: datetime | None) -> date | None:
    """The child rule's date for someone whose care ended before they were 18, else None."""
    if care_ended is None:
        return None
    ended = care_ended.date()  # in local time (retention.queries.still_a_child)
    if ended >= birthday(born, 18):
        return None
    if ended >= birthday(born, 17):
        return birthday(born, CHILD_AT_17_UNTIL_BIRTHDAY)
    return birthday(born, CHILD_UNTIL_BIRTHDAY)
