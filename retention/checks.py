"""Settings checks for the retention periods (run by every manage.py command and by
`check --deploy`, which the entrypoint runs before the app starts)."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from retention import policy


@register()
def retention_periods(app_configs, **kwargs):
    closed = settings.LINKWORK_RETAIN_CLOSED_RECORDS_DAYS
    kept = settings.LINKWORK_RETAIN_AUDIT_DAYS
    problems = []
    if closed < 1 or kept < 1:
        problems.append(
            Error(
                "LINKWORK_RETAIN_CLOSED_RECORDS_DAYS and LINKWORK_RETAIN_AUDIT_DAYS must be at "
                "least 1 day.",
                id="retention.E001",
            )
        )
    elif kept < closed:
        problems.append(
            Error(
                f"LINKWORK_RETAIN_AUDIT_DAYS ({kept}) is shorter than "
                f"LINKWORK_RETAIN_CLOSED_RECORDS_DAYS ({closed}): the audit trail must "
                "outlive the records it is about.",
                hint="See docs/retention.md.",
                id="retention.E002",
            )
        )
    if 1 <= closed < policy.CLOSED_RECORDS_DEFAULT_DAYS:
        problems.append(
            Warning(
                f"LINKWORK_RETAIN_CLOSED_RECORDS_DAYS is {closed}: shorter than the 8 years "
                "the NHS Records Management Code of Practice sets as the minimum for adult "
                "care records.",
                hint="Only with your records manager's written decision; see docs/retention.md.",
                id="retention.W001",
            )
        )
    return problems
