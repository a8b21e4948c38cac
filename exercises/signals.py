"""An example's files follow its row, however it goes (its endpoint, its exercise's or its
owner's deletion, the admin)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from exercises.models import ExerciseExample
from workouts.services import delete_file_after_commit


@receiver(post_delete, sender=ExerciseExample)
def delete_example_files(sender, instance: ExerciseExample, **kwargs):
    delete_file_after_commit(instance.video)
    delete_file_after_commit(instance.landmarks)
