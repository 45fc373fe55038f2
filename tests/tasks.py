"""Running background tasks inside a test, as `manage.py worker` runs them (its own
`run_task`), without the worker loop's connection handling, which would close the test's
database connection."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def run_due_tasks(limit: int = 500) -> int:
    """Run every task due now (and any they queue that are due now); fail the test if one
    raised. Returns how many ran."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with exclusive_transaction():
            task_result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task_result is not None:
                task_result.claim("test-worker")
        if task_result is None:
            break
        worker.run_task(task_result)
        ran += 1
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert not failed.exists(), [(f.task_path, f.traceback) for f in failed]
    return ran
