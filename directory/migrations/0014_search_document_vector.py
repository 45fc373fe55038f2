from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0013_word_statistics")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="vector",
            field=models.BinaryField(blank=True, null=True),
        ),
    ]
