"""Background work for referrals: checking and importing a CSV of referrals."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core import audit, queues
from referrals import bulk
from referrals.actions import DuplicateReferral, PossibleDuplicatePerson, create_referral
from referrals.models import BulkUpload, Referral
from referrals.routing import service_for

PROGRESS_EVERY = 25


class _Refused(Exception):
    def __init__(self, problems):
        self.problems = problems


@task(queue_name=queues.BULK)
def process_bulk_upload(upload_id: str) -> str:
    upload = BulkUpload.objects.select_related("uploaded_by", "organisation").get(pk=upload_id)
    if upload.status != BulkUpload.Status.QUEUED:
        return "already done"
    rows, problems = bulk.read(upload.content)
    BulkUpload.objects.filter(pk=upload.pk).update(
        status=BulkUpload.Status.CHECKING, total_rows=len(rows)
    )
    checked = []
    needs = bulk.needs_by_code()
    seen: dict[object, int] = {}
    for number, row in enumerate(rows, start=1):
        result, row_problems = bulk.check(row, needs)
        problems += row_problems
        if result:
            # The same person twice in one file: by NHS number, or without one by family
            # name, date of birth and postcode (the match create_referral makes).
            key = _same_person_key(result.person)
            if key in seen:
                same = f"the same person as line {seen[key]}"
                if not result.person.nhs_number:
                    same += " (last name, date of birth and postcode): if they are two people, "
                    same += "add their NHS numbers"
                problems.append(bulk.problem(result.line, "nhs_number", same))
            seen.setdefault(key, result.line)
        if result:
            checked.append(result)
        if number % PROGRESS_EVERY == 0:
            BulkUpload.objects.filter(pk=upload.pk).update(checked_rows=number)
    service = service_for(upload.organisation)
    if service is None:
        problems.append(
            bulk.problem(1, "-", "no social prescribing service takes referrals here yet")
        )
    if not problems:
        try:
            created = _make_all(upload, checked, service)
        except _Refused as refused:
            problems = refused.problems
    now = timezone.now()
    if problems:
        BulkUpload.objects.filter(pk=upload.pk).update(
            status=BulkUpload.Status.REJECTED,
            checked_rows=len(rows),
            problems=sorted(problems, key=lambda p: (p["line"], p["field"])),
            finished_at=now,
        )
        return f"rejected: {len(problems)} problems"
    BulkUpload.objects.filter(pk=upload.pk).update(
        status=BulkUpload.Status.DONE,
        checked_rows=len(rows),
        created_count=created,
        finished_at=now,
    )
    return f"{created} referrals"


def _same_person_key(person) -> object:
    if person.nhs_number:
        return person.nhs_number
    return (person.family_name.casefold(), person.date_of_birth, person.postcode)


@transaction.atomic
def _make_all(upload, rows, service) -> int:
    problems = []
    for row in rows:
        try:
            with transaction.atomic():
                create_referral(
                    by=upload.uploaded_by,
                    service=service,
                    person=row.person,
                    needs=row.needs,
                    context=row.context,
                    consent_to_contact=True,
                    source=Referral.Source.BULK,
                    referring_organisation=upload.organisation,
                )
        # Both are raised only for this organisation's own open referral, which it can see
        # (see create_referral): anyone else's referral of the person is never mentioned,
        # the row is taken and the service's triage sees the possible duplicate.
        except DuplicateReferral:
            problems.append(
                bulk.problem(
                    row.line, "nhs_number", "already has an open referral with the service"
                )
            )
        except PossibleDuplicatePerson:
            problems.append(
                bulk.problem(
                    row.line,
                    "nhs_number",
                    "you already have an open referral of someone with this name, date of "
                    "birth and postcode: leave the row out if it is them, or add their NHS "
                    "number",
                )
            )
    if problems:
        raise _Refused(problems)  # rolls back every referral this file made
    audit.record_change(
        by=upload.uploaded_by, verb="bulk_upload_referrals", obj=upload, count=len(rows)
    )
    return len(rows)
