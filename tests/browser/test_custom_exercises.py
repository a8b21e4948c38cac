"""Teaching coach an exercise from the dashboard: create one on "My exercises", correct a
bout of a workout to it ("Not right? Change the exercise"), and find the bout kept as an
example. The server recounts the bout with the real engine from the landmarks the worker
stored; no worker runs here, so the example stays "being prepared"."""

import pytest
from playwright.sync_api import expect

from inference.result import Bout
from tests.browser.conftest import PHONE, assert_fits_width, resize, screenshot
from tests.browser.steps import sign_up
from tests.engine_fakes import still_sequence
from tests.workouts.conftest import engine_result
from tests.workouts.factories import WorkoutSessionFactory
from users.models import User
from workouts.models import Bout as StoredBout
from workouts.models import SessionStatus
from workouts.services import session_record_analysis

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_an_exercise_and_correct_a_bout_to_it(page):
    sign_up(page, "teacher@example.com")
    user = User.objects.get(email="teacher@example.com")
    session = WorkoutSessionFactory(
        user=user, title="Garden", status=SessionStatus.PROCESSING, video=None
    )
    result = engine_result(
        {},
        bouts=[
            Bout(
                "squat",
                1.0,
                21.0,
                10,
                [[1 + 2 * i, 2.5 + 2 * i] for i in range(10)],
                None,
                5.0,
                8.0,
                0.45,
                0.3,
            ),
            Bout("plank", 25.0, 55.0, 0, [], 30.0, 3.8, 3.0, 0.88),
        ],
    ).to_dict()
    session_record_analysis(
        session=session,
        result=result,
        body_metrics=result["body_metrics"],
        landmarks=still_sequence(60.0).to_bytes(),
    )

    page.goto("/app/exercises")
    expect(page.get_by_role("heading", name="My exercises", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Squat")
    page.get_by_role("button", name="Create").click()
    expect(page.locator('[data-error-for="name"]')).to_contain_text("built-in")
    page.get_by_label("Name").fill("Sandbag lift")
    page.get_by_role("button", name="Create").click()
    card = page.locator('[data-exercise="sandbag_lift"]')
    expect(card).to_contain_text("Sandbag lift")
    expect(card).to_contain_text("No examples yet.")

    page.goto(f"/app/sessions/{session.id}")
    first = page.locator("#bout-table tbody tr").first
    first.get_by_role("button", name="Not right? Change the exercise").click()
    form = page.locator(f"#correction-{StoredBout.objects.get(session=session, position=0).pk}")
    form.get_by_label("The exercise is").select_option("sandbag_lift")
    expect(form.get_by_label("Keep this bout as an example of my exercise")).to_be_checked()
    screenshot(page, "bout-correction")
    form.get_by_role("button", name="Change").click()

    first = page.locator("#bout-table tbody tr").first
    expect(first.locator("td").nth(0)).to_have_text("Sandbag lift")
    expect(first.locator("td").nth(5)).to_have_text("100 %")  # the user said so
    bout = StoredBout.objects.get(session=session, position=0)
    assert bout.exercise == "sandbag_lift"
    summary = page.get_by_test_id("result-summary")
    expect(summary.locator('[data-stat="total-reps"]')).to_contain_text(str(bout.reps))

    page.goto("/app/exercises")
    card = page.locator('[data-exercise="sandbag_lift"]')
    expect(card.locator(".example")).to_have_count(1)
    expect(card.locator(".example")).to_contain_text("0:01–0:21")
    expect(page.locator("#training-status")).to_have_text("Training…")
    screenshot(page, "my-exercises")
    resize(page, PHONE)
    assert_fits_width(page)
