"""No file outlives its row: an upload that fails at any point (an account deleted
meanwhile, an error at commit) leaves no video behind, and a periodic sweep removes what a
crash left anyway."""

import os
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.workouts.factories import WorkoutSessionFactory
from workouts.models import WorkoutSession
from workouts.services import media_orphans_purge

pytestmark = pytest.mark.django_db


def stored_videos(user_id) -> list[str]:
    folder = f"videos/{user_id}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def post_video(api, synthetic_video):
    video = SimpleUploadedFile("w.mp4", synthetic_video.read_bytes())
    return api.post("/api/v1/sessions/", {"video": video}, format="multipart")


def test_an_account_deleted_during_the_upload_leaves_nothing(
    api, user, synthetic_video, monkeypatch
):
    from workouts import services

    checked = services.check_video

    def check_then_delete_the_account(*args, **kwargs):
        result = checked(*args, **kwargs)
        user.delete()  # the account goes while the video is being checked
        return result

    monkeypatch.setattr(services, "check_video", check_then_delete_the_account)
    before = stored_videos(user.pk)  # other tests' files may share the folder
    response = post_video(api, synthetic_video)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "user_not_found"
    assert not WorkoutSession.objects.exists()
    assert set(stored_videos(user.pk)) <= set(before)  # nothing new was left


def test_a_failure_after_the_file_is_stored_removes_it(api, user, synthetic_video, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away at commit")

    monkeypatch.setattr("workouts.services.session_enqueue_analysis", fail)
    before = stored_videos(user.pk)
    with pytest.raises(RuntimeError):
        post_video(api, synthetic_video)
    assert set(stored_videos(user.pk)) <= set(before)


def age(name: str, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(default_storage.path(name), (then, then))


def test_the_sweep_removes_day_old_files_that_no_row_names(user):
    kept = WorkoutSessionFactory(user=user)
    age(kept.video.name, 3)
    old_orphan = default_storage.save(f"videos/{user.pk}/lost.mp4", ContentFile(b"x"))
    age(old_orphan, 2)
    young_orphan = default_storage.save(f"videos/{user.pk}/fresh.mp4", ContentFile(b"x"))
    partial_orphan = default_storage.save(f"uploads/partial/{uuid.uuid4()}", ContentFile(b"x"))
    age(partial_orphan, 2)
    abandoned = default_storage.save("uploads/incoming/tmpab12.upload", ContentFile(b"x"))
    age(abandoned, 2)  # a direct upload whose web worker died while receiving it
    arriving = default_storage.save("uploads/incoming/tmpcd34.upload", ContentFile(b"x"))
    poster = WorkoutSessionFactory(user=user, thumbnail=ContentFile(b"\xff\xd8", "p.jpg"))
    age(poster.thumbnail.name, 2)
    lost_poster = default_storage.save(f"thumbnails/{user.pk}/lost.jpg", ContentFile(b"x"))
    age(lost_poster, 2)  # made by an analysis whose transaction rolled back
    assert media_orphans_purge() == 4
    assert default_storage.exists(poster.thumbnail.name)
    assert not default_storage.exists(lost_poster)
    assert default_storage.exists(kept.video.name)
    assert default_storage.exists(young_orphan)  # may belong to a transaction still open
    assert default_storage.exists(arriving)
    assert not default_storage.exists(old_orphan)
    assert not default_storage.exists(partial_orphan)
    assert not default_storage.exists(abandoned)
