"""The periodic duties used to run as one task that booked itself again (`core.periodic.sweep`);
`manage.py sweep` now books each duty as its own task (`core.periodic.run_duty`). An
installation upgraded with the old task still waiting would run it once and fail, because
the function is gone: it is forgotten here, and the sweep books the duties afresh."""

from django.db import migrations

OLD_SWEEP = "core.periodic.sweep"


def forget_the_old_sweep(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(task_path=OLD_SWEEP, status="READY").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_worker_heartbeat"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forget_the_old_sweep, migrations.RunPython.noop)]
