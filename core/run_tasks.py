"""Run the background tasks that are due now, in this process, exactly as the worker runs
each one (its own `run_task`). For tests and the demo loader; production runs
`manage.py worker`."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def run_due_tasks(limit: int = 5000) -> int:
    """Run every task due now, and those they queue that are due now. Returns how many ran;
    raises if any failed, with their tracebacks."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with exclusive_transaction():
            task_result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task_result is not None:
                task_result.claim("in-process")
        if task_result is None:
            break
        worker.run_task(task_result)
        ran += 1
    failed = DBTaskResult.objects.filter(status="FAILED")
    if failed.exists():
        raise AssertionError([(f.task_path, f.traceback) for f in failed])
    return ran
