"""Files follow their rows: however a session or upload is deleted (its own endpoint, an
account deletion cascading, the admin), its file goes once the transaction commits. An
account deletion locks the account's sessions before anything goes."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from users.models import User
from workouts.live import video as live_video
from workouts.models import ChunkedUpload, SessionSource, WorkoutSession
from workouts.services import delete_file_after_commit


@receiver(post_delete, sender=WorkoutSession)
def delete_session_video(sender, instance: WorkoutSession, **kwargs):
    delete_file_after_commit(instance.video)
    delete_file_after_commit(instance.thumbnail)
    delete_file_after_commit(instance.landmarks)
    if instance.source == SessionSource.LIVE:  # and its kept frames, if it has any left
        session_id = instance.pk
        transaction.on_commit(lambda: live_video.discard_frames(session_id))


@receiver(post_delete, sender=ChunkedUpload)
def delete_partial_upload(sender, instance: ChunkedUpload, **kwargs):
    path = Path(settings.MEDIA_ROOT) / instance.relative_path
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


@receiver(pre_delete, sender=User)
def lock_sessions_of_deleted_user(sender, instance: User, **kwargs):
    # Deleting an account renews its change stamp (users.change_stamps) with its first row and
    # holds that lock to the end. A worker updating one of its sessions meanwhile would hold
    # the session and wait for the stamp while the deletion waits for the session: a deadlock.
    # Taking the sessions first, before any row goes, makes such a worker wait holding nothing.
    list(WorkoutSession.objects.select_for_update().filter(user=instance).values_list("pk"))
