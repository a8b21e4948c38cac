"""History: list, filter, detail, edit, delete, download, re-analyse."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.workouts.conftest import engine_result
from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from workouts.models import Bout, SessionStatus, WorkoutSession
from workouts.services import session_record_analysis

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"


def detail(session_id, suffix=""):
    return f"{SESSIONS}{session_id}/{suffix}"


def day(n: int) -> datetime:
    return datetime(2024, 3, n, 18, 0, tzinfo=UTC)


@pytest.fixture
def three_sessions(user):
    squats = WorkoutSessionFactory(user=user, started_at=day(1), total_kcal=50, title="A")
    BoutFactory(session=squats, exercise="squat")
    curls = WorkoutSessionFactory(user=user, started_at=day(2), total_kcal=20, title="B")
    BoutFactory(session=curls, exercise="bicep_curl")
    both = WorkoutSessionFactory(user=user, started_at=day(3), total_kcal=80, title="C")
    BoutFactory(session=both, exercise="squat")
    BoutFactory(session=both, exercise="bicep_curl")
    return squats, curls, both


def titles(response):
    assert response.status_code == 200, response.json()
    return [s["title"] for s in response.json()["results"]]


def test_list_newest_first_and_paginated(api, three_sessions):
    assert titles(api.get(SESSIONS)) == ["C", "B", "A"]
    page = api.get(SESSIONS, {"page_size": 2}).json()
    assert page["count"] == 3 and page["next"]
    assert "bouts" not in page["results"][0]


def test_filters_and_ordering(api, three_sessions):
    assert titles(api.get(SESSIONS, {"exercise": "squat"})) == ["C", "A"]
    assert titles(api.get(SESSIONS, {"started_after": "2024-03-02T00:00:00Z"})) == ["C", "B"]
    assert titles(api.get(SESSIONS, {"started_before": "2024-03-02T00:00:00Z"})) == ["A"]
    assert titles(api.get(SESSIONS, {"ordering": "total_kcal"})) == ["B", "A", "C"]
    assert titles(api.get(SESSIONS, {"ordering": "-total_kcal"})) == ["C", "A", "B"]
    assert titles(api.get(SESSIONS, {"status": "done"})) == ["C", "B", "A"]


def test_ordering_by_several_keys_in_either_form(api, user):
    for title, kcal, day_n in [("A", 50, 1), ("B", 50, 3), ("C", 20, 2)]:
        WorkoutSessionFactory(user=user, started_at=day(day_n), total_kcal=kcal, title=title)
    comma = titles(api.get(SESSIONS + "?ordering=-total_kcal,started_at"))
    repeated = titles(api.get(SESSIONS + "?ordering=-total_kcal&ordering=started_at"))
    assert comma == repeated == ["A", "B", "C"]
    assert titles(api.get(SESSIONS + "?ordering=-total_kcal&ordering=-started_at")) == [
        "B",
        "A",
        "C",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "password"},
        {"status": "sleeping"},
        {"started_after": "yesterday"},
        {"page_size": "0"},
    ],
)
def test_bad_query_parameters(api, three_sessions, params):
    response = api.get(SESSIONS, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == next(iter(params))


def test_detail_has_bouts_and_rep_times(api, user):
    session = WorkoutSessionFactory(user=user)
    BoutFactory(session=session, exercise="squat", reps=3, position=0)
    BoutFactory(session=session, exercise="plank", reps=0, hold_s=40.0, position=1)
    body = api.get(detail(session.id)).json()
    assert [b["exercise"] for b in body["bouts"]] == ["squat", "plank"]
    assert body["bouts"][0]["rep_times_s"] == [[0.0, 2.5], [3.0, 5.5], [6.0, 8.5]]
    assert body["bouts"][1]["hold_s"] == 40.0
    assert body["has_video"] is True


def test_detail_has_the_engine_confidences(api, user):
    session = WorkoutSessionFactory(user=user, status=SessionStatus.PENDING)
    result = engine_result({}).to_dict()
    # A third bout as a result stored before the engine gave count_confidence has it.
    older = {k: v for k, v in result["bouts"][0].items() if k != "count_confidence"}
    result["bouts"].append({**older, "start_s": 56.0, "end_s": 59.0, "confidence": 0.35})
    session_record_analysis(session=session, result=result, body_metrics=result["body_metrics"])
    bouts = api.get(detail(session.id)).json()["bouts"]
    assert [(b["exercise"], b["confidence"], b["count_confidence"]) for b in bouts] == [
        ("squat", 0.93, 0.42),
        ("plank", 0.88, None),
        ("squat", 0.35, None),
    ]


def test_edit_title_notes_and_start(api, user):
    session = WorkoutSessionFactory(user=user)
    bout = BoutFactory(session=session)
    response = api.patch(
        detail(session.id),
        {"title": "Morning", "notes": "easy", "started_at": "2024-01-01T06:00:00Z"},
    )
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    bout.refresh_from_db()
    assert (session.title, session.notes) == ("Morning", "easy")
    assert bout.session_started_at == session.started_at == datetime(2024, 1, 1, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    "payload", [{"title": "x" * 201}, {"started_at": "2999-01-01T00:00Z"}, {"title": 5}]
)
def test_invalid_edits_change_nothing(api, user, payload):
    session = WorkoutSessionFactory(user=user, title="Kept")
    assert api.patch(detail(session.id), payload).status_code == 400
    session.refresh_from_db()
    assert session.title == "Kept"


def test_read_only_fields_cannot_be_edited(api, user):
    session = WorkoutSessionFactory(user=user, total_kcal=10, status=SessionStatus.DONE)
    api.patch(detail(session.id), {"total_kcal": 9999, "status": "pending", "user": 999})
    session.refresh_from_db()
    assert (session.total_kcal, session.status, session.user) == (10, "done", user)


def test_delete_removes_results_and_video_file(api, user, django_capture_on_commit_callbacks):
    session = WorkoutSessionFactory(user=user)
    BoutFactory(session=session)
    video_path = Path(session.video.path)
    assert video_path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(detail(session.id)).status_code == 204
    assert not WorkoutSession.objects.exists() and not Bout.objects.exists()
    assert not video_path.exists()


def test_download_original_video(api, user):
    session = WorkoutSessionFactory(user=user)
    response = api.get(detail(session.id, "video/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"not really a video"
    assert response["Content-Type"] == "video/mp4"
    assert f'filename="session-{session.id}.mp4"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "header, content_range, body",
    [
        ("bytes=0-3", "bytes 0-3/18", b"not "),
        ("bytes=11-", "bytes 11-17/18", b"a video"),
        ("bytes=-5", "bytes 13-17/18", b"video"),
        ("bytes=4-999", "bytes 4-17/18", b"really a video"),
    ],
)
def test_video_byte_ranges_for_seeking_players(api, user, header, content_range, body):
    session = WorkoutSessionFactory(user=user)  # its video is b"not really a video"
    response = api.get(detail(session.id, "video/"), HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == content_range
    assert response["Content-Length"] == str(len(body))
    assert b"".join(response.streaming_content) == body


@pytest.mark.parametrize("header", ["bytes=18-", "bytes=5-2", "bytes=-0"])
def test_video_range_outside_the_file_is_416(api, user, header):
    session = WorkoutSessionFactory(user=user)
    response = api.get(detail(session.id, "video/"), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */18"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "items=0-3", "bytes=x-"])
def test_video_without_a_single_byte_range_is_sent_whole(api, user, header):
    session = WorkoutSessionFactory(user=user)
    response = api.get(detail(session.id, "video/"), HTTP_RANGE=header)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == b"not really a video"


def test_download_after_video_was_deleted(api, user):
    from workouts.services import session_delete_video

    session = session_delete_video(session=WorkoutSessionFactory(user=user))
    response = api.get(detail(session.id, "video/"))
    assert response.status_code == 404
    assert "no longer stored" in response.json()["errors"][0]["detail"]


class TestReanalyse:
    def test_queues_a_new_analysis(
        self, api, user, monkeypatch, django_capture_on_commit_callbacks
    ):
        queued = []
        monkeypatch.setattr("workouts.tasks.analyze_session.delay", queued.append)
        session = WorkoutSessionFactory(
            user=user, status=SessionStatus.FAILED, error_code="internal_error"
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(detail(session.id, "reanalyse/"))
        assert response.status_code == 202
        assert response.json()["status"] == "pending" and response.json()["error_code"] == ""
        assert queued == [session.id]

    def test_conflict_while_in_flight(self, api, user):
        session = WorkoutSessionFactory(user=user, status=SessionStatus.PROCESSING)
        response = api.post(detail(session.id, "reanalyse/"))
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "conflict"

    def test_not_possible_without_video(self, api, user):
        from workouts.services import session_delete_video

        session = session_delete_video(session=WorkoutSessionFactory(user=user))
        response = api.post(detail(session.id, "reanalyse/"))
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "video_deleted"


def test_account_deletion_removes_session_videos(api, user, django_capture_on_commit_callbacks):
    session = WorkoutSessionFactory(user=user)
    video_path = Path(session.video.path)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/me/").status_code == 204
    assert not WorkoutSession.objects.exists()
    assert not video_path.exists()


def test_export_includes_sessions_and_bouts(api, user, other_user):
    mine = WorkoutSessionFactory(user=user, result={"totals": {"reps_by_exercise": {}}})
    BoutFactory(session=mine, exercise="lunge")
    WorkoutSessionFactory(user=other_user)
    sessions = api.get("/api/v1/me/export/").json()["sessions"]
    assert [s["id"] for s in sessions] == [mine.id]
    assert sessions[0]["bouts"][0]["exercise"] == "lunge"
    assert sessions[0]["result"] == {"totals": {"reps_by_exercise": {}}}


def test_download_of_an_unknown_file_type_is_an_attachment(api, user):
    from django.core.files.base import ContentFile

    session = WorkoutSessionFactory(user=user, video=None)
    session.video.save("x.html", ContentFile(b"<script>alert(1)</script>"))
    response = api.get(detail(session.id, "video/"))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("param", ["status", "ordering", "exercise", "started_after"])
def test_blank_filters_are_errors(api, param):
    response = api.get(SESSIONS, {param: ""})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "blank",
        "detail": "Give a value, or leave the parameter out.",
        "attr": param,
    }
