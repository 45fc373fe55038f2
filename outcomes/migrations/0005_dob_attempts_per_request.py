"""Wrong dates of birth are counted on the questionnaire request, not on each link: a
reminder's new link no longer brings five new guesses, and the limit is kept with one
conditional UPDATE (see outcomes.actions.verify_date_of_birth)."""

from django.db import migrations, models
from django.db.models import Sum

MAX_DOB_ATTEMPTS = 5  # as in outcomes.actions when this was written


def carry_over(apps, schema_editor):
    QuestionnaireLink = apps.get_model("outcomes", "QuestionnaireLink")
    QuestionnaireRequest = apps.get_model("outcomes", "QuestionnaireRequest")
    totals = (
        QuestionnaireLink.objects.filter(failed_attempts__gt=0)
        .values("request_id")
        .annotate(total=Sum("failed_attempts"))
        .order_by()
    )
    for row in totals:
        QuestionnaireRequest.objects.filter(pk=row["request_id"]).update(
            failed_dob_attempts=min(row["total"], MAX_DOB_ATTEMPTS)
        )


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0004_healthcareuse_and_more")]

    operations = [
        migrations.AddField(
            model_name="questionnairerequest",
            name="failed_dob_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="questionnairelink", name="failed_attempts"),
    ]
