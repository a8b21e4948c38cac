"""The live page with Chromium's fake camera fed a real clip: the browser streams camera
frames over the WebSocket (daphne's runserver, the real consumer) while real Celery workers
count; the page's rep counter rises, survives a dropped connection (the page resumes the
session), and stopping saves an analysed session."""

import re
import time
from pathlib import Path

import cv2
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_fits_width,
    launch,
    open_page,
    resize,
    screenshot,
)
from tests.browser.steps import add_weight, expect_total_reps, set_body_metrics, sign_up
from tests.workers import running_worker
from tests.workouts.conftest import dataset_manifest, short_squat_clip  # noqa: F401
from workouts.live.delivery import CHUNK_TIMEOUT_S
from workouts.models import WorkoutSession

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_SIDE = 480  # what a laptop camera might give; keeps the y4m file small


def write_y4m(source: Path, target: Path) -> Path:
    """The clip as YUV4MPEG2 (4:2:0), the format Chromium's fake camera plays (in a loop)."""
    capture = cv2.VideoCapture(str(source))
    fps = round(capture.get(cv2.CAP_PROP_FPS)) or 30
    with open(target, "wb") as out:
        header_written = False
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            height, width = frame.shape[:2]
            scale = min(1.0, MAX_SIDE / max(width, height))
            # 4:2:0 needs even sides.
            size = (int(width * scale) // 2 * 2, int(height * scale) // 2 * 2)
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            if not header_written:
                out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
                header_written = True
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    capture.release()
    assert header_written, f"cannot decode {source}"
    return target


@pytest.fixture
def camera_page(playwright_instance, server, short_squat_clip, tmp_path):  # noqa: F811
    _, clip_path = short_squat_clip
    y4m = write_y4m(clip_path, tmp_path / "camera.y4m")
    browser = launch(
        playwright_instance,
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}",
        ],
    )
    page = open_page(browser, server)
    yield page
    browser.close()


def test_live_workout_counts_reps_as_they_happen(camera_page, short_squat_clip):  # noqa: F811
    clip, _ = short_squat_clip
    page = camera_page
    sign_up(page, "live@example.com")
    set_body_metrics(page, height_cm="178", sex="male", birth_date="1990-05-01")
    add_weight(page, "82")
    expect(page.locator("#weight-list tbody tr")).to_have_count(1)

    # The live WebSocket goes through Playwright, which forwards it to the server and can
    # drop it as a flaky network would.
    sockets = []

    def forward(route):
        sockets.append((route, route.connect_to_server()))

    page.route_web_socket(re.compile(r"/api/v1/live/$"), forward)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Live").click()
    page.get_by_role("button", name="Turn on the camera").click()
    page.wait_for_function("document.querySelector('#live-video').videoWidth > 0")
    with running_worker(queues="celery,analysis,live"):
        page.get_by_role("button", name="Start workout").click()
        expect(page.locator("#live-message")).to_contain_text("Recording")
        # Record every value the counter shows, as a person watching it would see them.
        page.evaluate(
            """() => {
                const reps = document.querySelector('#live-reps');
                window.seenReps = [Number(reps.textContent)];
                new MutationObserver(() => window.seenReps.push(Number(reps.textContent)))
                    .observe(reps, {childList: true, characterData: true, subtree: true});
            }"""
        )
        # Half-way through the first loop the connection drops; the page resumes the session.
        page.wait_for_function(
            "Number(document.querySelector('#live-reps').textContent) >= 1",
            timeout=(CHUNK_TIMEOUT_S + 60) * 1000,
        )
        client_side, server_side = sockets[-1]
        server_side.close(code=1011, reason="dropped")
        client_side.close(code=1011, reason="dropped")
        expect(page.locator("#live-message")).to_contain_text("Reconnecting")
        expect(page.locator("#live-message")).to_contain_text("Reconnected", timeout=30_000)
        reconnected_at = time.monotonic()
        assert len(sockets) == 2
        # The fake camera loops the clip: by two loops the count must have gone past it.
        # Time enough for the server to resend a chunk a worker never answered (the embedded
        # filesystem broker can lose a message), as the person's page would wait too.
        target = clip["reps"] + 1
        try:
            page.wait_for_function(
                f"Number(document.querySelector('#live-reps').textContent) >= {target}",
                timeout=(CHUNK_TIMEOUT_S + 90) * 1000,
            )
        except Exception:
            screenshot(page, "live-timeout")
            raise AssertionError(f"reps seen: {page.evaluate('window.seenReps')}") from None
        expect(page.locator("#live-exercise")).to_have_text("Squat")
        expect(page.locator("#live-kcal")).not_to_have_text("0.0 kcal")
        # Frames went up in order and were all accepted: no error from the server.
        expect(page.locator("#live-message .error")).to_have_count(0)
        screenshot(page, "live")
        resize(page, PHONE)
        assert_fits_width(page)
        screenshot(page, "live-phone")
        resize(page, DESKTOP)
        seen = page.evaluate("window.seenReps")
        # Two loops of the clip since the reconnection hold one whole loop of its squats,
        # wherever in the loop it began (the live count may reach `target` sooner: it may
        # count a jump cut, which the analysis of the whole session need not).
        time.sleep(max(0.0, 2 * clip["duration_s"] + 1 - (time.monotonic() - reconnected_at)))
        page.get_by_role("button", name="Stop and save").click()
        # Stopping saves the session; its page follows the analysis to the result.
        expect(page.get_by_test_id("result-summary")).to_be_visible(timeout=240_000)
        # The last count shown: the update sent on stop, with every frame analysed.
        last_shown = page.evaluate("window.seenReps")[-1]

    # It rose while the person watched. (Not necessarily by one each time: the server may
    # revise a count as more frames arrive, so this does not require every step to go up.)
    assert seen and seen[0] < seen[-1] and max(seen) >= target, seen
    session = WorkoutSession.objects.get()
    assert (session.source, session.status) == ("live", "done"), session.error_message
    reps = session.result["totals"]["reps_by_exercise"]
    counted = sum(reps.values())
    # The fake camera loops the clip, and each loop restart is a jump cut, which the engine
    # may take for a jump squat: the squats are counted, under one label or the other.
    # (Label accuracy is measured by `python -m inference evaluate`, not here.)
    # The camera was turned on before the workout started, so the recording begins anywhere
    # in the loop: the stretch that took the live count to `target` may hold only one loop's
    # squats when the live estimate counted a jump cut, which the whole-session analysis,
    # seeing what came after it, need not. So: at least one loop's squats, and the count the
    # person saw last (on stop) is the saved one, within one.
    assert "squat" in reps and counted >= clip["reps"], reps
    assert abs(counted - last_shown) <= 1, (seen, last_shown, reps)
    expect_total_reps(page.get_by_test_id("result-summary"), session)
    screenshot(page, "live-saved")
    # Its camera frames became the session's video, which the browser can play.
    assert session.has_video and session.video.name.endswith(".webm")
    page.reload()
    page.wait_for_function(
        "document.querySelector('#session-video')?.videoWidth > 0", timeout=30_000
    )
    assert not page.js_errors, page.js_errors
