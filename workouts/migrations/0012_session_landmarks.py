from django.db import migrations, models

import workouts.models


class Migration(migrations.Migration):
    dependencies = [
        ("workouts", "0011_session_thumbnail"),
    ]

    operations = [
        migrations.AddField(
            model_name="workoutsession",
            name="landmarks",
            field=models.FileField(
                blank=True, max_length=255, upload_to=workouts.models.landmarks_upload_path
            ),
        ),
    ]
