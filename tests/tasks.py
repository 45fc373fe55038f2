"""Running background tasks inside a test (see core.run_tasks)."""

from core.run_tasks import run_due_tasks  # noqa: F401 - re-exported for the fixture
