from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("workouts", "0009_idempotent_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="livebatch",
            name="beats",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
