"""The whole way through, as a person would: sign up, set body metrics, upload a real
exercise clip, watch the upload and the analysis progress, read the analysed session, find
it in the history and on the statistics charts. A real Celery worker analyses the clip
with the real engine; the page must show what it stored."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, assert_fits_width, resize, screenshot
from tests.browser.steps import add_weight, expect_total_reps, set_body_metrics, sign_up
from tests.workers import running_worker
from tests.workouts.conftest import dataset_manifest, short_squat_clip  # noqa: F401
from workouts.models import ChunkedUpload, WorkoutSession

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ANALYSIS_TIMEOUT_MS = 240_000


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def progress_values(page, selector: str) -> list[float]:
    return page.evaluate(
        """(selector) => new Promise((resolve) => {
            const seen = [];
            const timer = setInterval(() => {
                const bar = document.querySelector(selector);
                if (bar) seen.push(bar.value);
                if (document.querySelector('[data-testid="result-summary"], #upload-status .error'))
                    { clearInterval(timer); resolve(seen); }
            }, 50);
        })""",
        selector,
    )


def test_sign_up_to_statistics_with_a_real_clip(page, short_squat_clip, tmp_path):  # noqa: F811
    clip, clip_path = short_squat_clip
    sign_up(page, "journey@example.com")
    set_body_metrics(page, height_cm="178", sex="male", birth_date="1990-05-01")
    add_weight(page, "82")
    expect(page.locator("#weight-list tbody tr")).to_have_count(1)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    expect(page.get_by_role("heading", level=1, name="Upload a workout")).to_be_visible()

    # Not a video: the server's decoding check refuses it; the page says why; nothing stored.
    not_a_video = tmp_path / "holiday.mp4"
    not_a_video.write_bytes(b"this is not a video at all" * 100)
    page.get_by_label("Workout video").set_input_files(str(not_a_video))
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.locator('[data-error-for="video"]')).not_to_be_empty()
    screenshot(page, "upload-error")
    assert WorkoutSession.objects.count() == 0
    # The page uploads through the resumable (tus) endpoint and ends a refused upload.
    wait_for(lambda: not ChunkedUpload.objects.exists())

    # The first chunk is cut off on the way, as a flaky phone connection would; the page
    # asks the server where it got to and sends the rest.
    patches = []

    def flaky(route):
        patches.append(route.request.method)
        if patches.count("PATCH") == 1 and route.request.method == "PATCH":
            return route.abort("connectionreset")
        return route.continue_()

    page.route("**/api/v1/uploads/*/", flaky)
    with running_worker(queues="celery,analysis"):
        page.get_by_label("Workout video").set_input_files(str(clip_path))
        page.get_by_label("Title (optional)").fill("Front squats")
        page.get_by_role("button", name="Upload and analyse").click()
        analysis_seen = progress_values(page, "#analysis-progress")
        summary = page.get_by_test_id("result-summary")
        expect(summary).to_be_visible(timeout=ANALYSIS_TIMEOUT_MS)
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    assert patches.count("PATCH") >= 2 and "HEAD" in patches, patches
    (upload,) = ChunkedUpload.objects.all()  # kept until it expires, for a retried completion
    assert upload.session is not None and upload.is_complete  # completed into the session
    expect(page.locator("#analysis-progress")).to_have_attribute("value", "100")
    # The analysis bar only moves forward.
    assert analysis_seen == sorted(analysis_seen), analysis_seen
    screenshot(page, "upload-done")
    resize(page, PHONE)
    assert_fits_width(page)
    screenshot(page, "upload-done-phone")
    resize(page, DESKTOP)

    session = WorkoutSession.objects.get()
    assert session.status == "done", (session.error_code, session.error_message)
    assert session.title == "Front squats"
    stored_reps = session.result["totals"]["reps_by_exercise"]
    # The clip's labelled count, within one, as the worker tests require of the engine.
    assert abs(stored_reps.get("squat", 0) - clip["reps"]) <= 1, stored_reps
    # What the page shows is what the worker stored.
    expect_total_reps(summary, session)
    expect(summary.locator('[data-exercise="squat"]')).to_contain_text(
        f"{stored_reps['squat']} reps"
    )
    expect(summary.locator('[data-stat="total-kcal"]')).to_contain_text(
        f"{session.total_kcal:.1f}" if session.total_kcal < 10 else f"{session.total_kcal:.0f}"
    )
    assert session.body_metrics["weight_kg"] == 82.0

    # The session page: bouts on a timeline that jumps the video, a tempo chart per rep.
    page.get_by_role("link", name="See the workout in detail").click()
    expect(page.get_by_role("heading", level=1, name="Front squats")).to_be_visible()
    bouts = list(session.bouts.order_by("start_s"))
    markers = page.locator("#bout-timeline .bout-marker")
    expect(markers).to_have_count(len(bouts))
    video = page.locator("#session-video")
    page.wait_for_function("document.querySelector('#session-video').readyState >= 1")
    duration = video.evaluate("v => v.duration")
    assert duration == pytest.approx(clip["duration_s"], abs=0.5)
    video.evaluate("v => { v.currentTime = v.duration - 0.2; }")
    markers.last.click()
    page.wait_for_function(
        "(t) => Math.abs(document.querySelector('#session-video').currentTime - t) < 0.25",
        arg=bouts[-1].start_s,
    )
    tempo = page.locator("#tempo-chart")
    expect(tempo.locator("canvas")).to_be_visible()
    expect(tempo.locator("tbody tr")).to_have_count(session.total_reps)
    screenshot(page, "session")
    resize(page, PHONE)
    assert_fits_width(page)
    screenshot(page, "session-phone")
    resize(page, DESKTOP)

    # History, with filters.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    expect(page.locator("#session-list li")).to_have_count(1)
    # The poster frame the analysis made, loaded with the session cookie.
    thumb = page.locator("#session-list li img.session-thumb")
    expect(thumb).to_have_count(1)
    page.wait_for_function("document.querySelector('img.session-thumb').naturalWidth > 0")
    filters = page.locator("#history-filters")
    filters.get_by_label("Exercise").select_option("squat")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url("/app/sessions?exercise=squat")
    expect(page.locator("#session-list li")).to_have_count(1)
    expect(page.locator("#session-list li")).to_contain_text("Front squats")
    screenshot(page, "history")
    filters = page.locator("#history-filters")
    filters.get_by_label("Status").select_option("failed")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#history-results .empty")).to_contain_text("No sessions match")
    filters = page.locator("#history-filters")
    filters.get_by_label("From").fill("2020-01-01")
    filters.get_by_label("To").fill("2020-12-31")
    filters.get_by_label("Status").select_option("")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#history-results .empty")).to_contain_text("No sessions match")
    page.get_by_role("link", name="Show all sessions").click()
    expect(page.locator("#session-list li")).to_have_count(1)
    resize(page, PHONE)
    assert_fits_width(page)
    screenshot(page, "history-phone")
    resize(page, DESKTOP)

    # Statistics: this week's bar holds this session's calories, minutes and squats.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    kcal_chart = page.locator("#kcal-chart")
    expect(kcal_chart.locator("canvas")).to_be_visible()
    expect(page.locator("#minutes-chart canvas")).to_be_visible()
    expect(page.locator("#reps-chart canvas")).to_be_visible()
    kcal_values = kcal_chart.locator("tbody td").all_text_contents()
    assert kcal_values[-1] == f"{round(session.total_kcal, 1):g}"
    assert all(v == "0" for v in kcal_values[:-1]), kcal_values
    reps_rows = page.locator("#reps-chart tbody tr")
    expect(reps_rows.last.locator("td")).to_have_text([str(stored_reps["squat"])])
    expect(page.locator("#reps-chart thead")).to_contain_text("Squat")
    expect(page.locator('[data-stat="current-streak"]')).to_have_text("1 day")
    expect(page.locator('#records [data-exercise="squat"]')).to_contain_text(
        f"{max(b.reps for b in bouts if b.exercise == 'squat')} reps in one bout"
    )
    screenshot(page, "stats")
    resize(page, PHONE)
    assert_fits_width(page)
    screenshot(page, "stats-phone")
    resize(page, DESKTOP)
    page.get_by_role("button", name="Per month").click()
    expect(page).to_have_url("/app/?period=month")
    expect(page.locator("#kcal-chart figcaption")).to_have_text("Calories per month")
    month_values = page.locator("#kcal-chart tbody td").all_text_contents()
    assert month_values[-1] == f"{round(session.total_kcal, 1):g}"
    assert not page.js_errors, page.js_errors
