"""The session page says what the analysis is not sure of: a count that may be off reads
"about N" with a "check" flag, an exercise it doubts gets a "?"; a confident bout and a
hold have neither. The session is stored the way the worker stores an analysis."""

import pytest
from playwright.sync_api import expect

from inference.result import Bout
from tests.browser.conftest import PHONE, assert_fits_width, resize, screenshot
from tests.browser.steps import sign_up
from tests.workouts.conftest import engine_result
from tests.workouts.factories import WorkoutSessionFactory
from users.models import User
from workouts.models import SessionStatus
from workouts.services import session_record_analysis

pytestmark = pytest.mark.django_db(transaction=True)


def reps(start: float, n: int) -> list[list[float]]:
    return [[start + 2.0 * i, start + 2.0 * i + 1.5] for i in range(n)]


def test_uncertain_counts_and_exercises_are_marked(page):
    sign_up(page, "doubts@example.com")
    session = WorkoutSessionFactory(
        user=User.objects.get(email="doubts@example.com"),
        title="Legs",
        status=SessionStatus.PROCESSING,
        video=None,
    )
    result = engine_result(
        {},
        bouts=[
            Bout("squat", 1.0, 21.0, 10, reps(1.0, 10), None, 5.0, 8.0, 0.93, 0.91),
            Bout("lunge", 22.0, 36.0, 7, reps(22.0, 7), None, 4.0, 5.0, 0.41, 0.35),
            Bout("plank", 38.0, 58.0, 0, [], 20.0, 3.8, 3.0, 0.88),
        ],
    ).to_dict()
    session_record_analysis(session=session, result=result, body_metrics=result["body_metrics"])

    page.goto(f"/app/sessions/{session.id}")
    rows = page.locator("#bout-table tbody tr")
    expect(rows).to_have_count(3)
    confident, doubtful, hold = rows.nth(0), rows.nth(1), rows.nth(2)

    # The confident bout: the plain count and name, its confidence as before.
    expect(confident.locator("td").nth(0)).to_have_text("Squat")
    expect(confident.locator("td").nth(3)).to_have_text("10")
    expect(confident.locator("[data-doubt]")).to_have_count(0)
    expect(confident.locator("td").nth(5)).to_have_text("93 %")

    # The doubtful one: "about 7" with a check flag, "?" after the name; tooltips say why.
    count = doubtful.locator("td").nth(3)
    expect(count).to_contain_text("about 7")
    flag = count.locator('[data-doubt="count"]')
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("check")
    expect(flag).to_have_attribute("title", "The count may be off: please check")
    name_flag = doubtful.locator('td [data-doubt="exercise"]')
    expect(name_flag).to_have_attribute("title", "Not sure this is the exercise")
    expect(doubtful.locator("td").nth(0)).to_contain_text("Lunge ?")
    expect(doubtful.locator("td").nth(5)).to_have_text("41 %")

    # A hold has no count to doubt.
    expect(hold.locator("td").nth(3)).to_have_text("0:20 held")
    expect(hold.locator("[data-doubt]")).to_have_count(0)

    # The summary: totals with a doubtful bout in them are "about" too.
    summary = page.get_by_test_id("result-summary")
    expect(summary.locator('[data-stat="total-reps"]')).to_contain_text("about 17")
    expect(summary.locator('[data-exercise="lunge"]')).to_contain_text("about 7 reps")
    expect(summary.locator('[data-exercise="squat"]')).to_have_text("Squat 10 reps")
    # The timeline's buttons say it in words.
    expect(page.locator("#bout-timeline .bout-marker").nth(1)).to_have_attribute(
        "title",
        "Lunge (not sure of the exercise), 0:22–0:36, about 7 reps (please check the count)",
    )
    screenshot(page, "uncertain-bout")
    resize(page, PHONE)
    assert_fits_width(page)
    screenshot(page, "uncertain-bout-phone")
    assert not page.js_errors, page.js_errors
