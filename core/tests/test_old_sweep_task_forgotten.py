"""An installation upgraded while the old self-booking sweep task was waiting does not run
it (it would fail: the function is gone); finished rows of it are history and stay."""

import importlib

import pytest
from django.apps import apps
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

migration = importlib.import_module("core.migrations.0007_forget_the_old_sweep_task")


def row(status, path="core.periodic.sweep"):
    return DBTaskResult.objects.create(
        task_path=path,
        status=status,
        queue_name="default",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
    )


def test_the_waiting_old_sweep_is_forgotten_and_nothing_else():
    waiting, finished = row("READY"), row("SUCCESSFUL")
    other = row("READY", path="core.periodic.run_duty")
    migration.forget_the_old_sweep(apps, None)
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert waiting.pk not in left
    assert {finished.pk, other.pk} <= left
