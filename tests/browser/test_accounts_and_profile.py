"""Sign up, log in and out, profile and body metrics, in a real browser against a real
server; including the bad input a person can type, which must show a clear message and
store nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_fits_width, resize, screenshot
from tests.browser.steps import PASSWORD, add_weight, log_out, set_body_metrics, sign_up
from users.models import User, WeightEntry

pytestmark = pytest.mark.django_db(transaction=True)


def test_signup_rejects_a_weak_password_then_creates_the_account(page):
    page.goto("/")
    # Not logged in: every dashboard page leads to the log-in page.
    expect(page).to_have_url("/app/login?next=%2Fapp%2F")
    screenshot(page, "login")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("E-mail").fill("weak@example.com")
    page.get_by_label("Password").fill("12345678")
    page.get_by_role("button", name="Create account").click()
    password_error = page.locator('[data-error-for="password"]')
    expect(password_error).to_contain_text("too common")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "signup-error")
    assert not User.objects.filter(email="weak@example.com").exists()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Statistics")).to_be_visible()
    # A new account has no workouts: the statistics page says so instead of empty charts.
    expect(page.locator(".empty")).to_contain_text("No workouts")
    expect(page.locator("canvas")).to_have_count(0)
    expect(page.locator('[data-stat="current-streak"]')).to_have_text("0 days")
    screenshot(page, "stats-empty")
    assert User.objects.filter(email="weak@example.com").exists()
    assert not page.js_errors, page.js_errors


def test_body_metrics_and_weight_history(page):
    sign_up(page, "metrics@example.com")
    set_body_metrics(page, height_cm="178", sex="male", birth_date="1990-05-01")
    user = User.objects.get(email="metrics@example.com")
    assert (user.height_cm, user.sex, str(user.birth_date)) == (178, "male", "1990-05-01")

    expect(page.locator("#weight-form")).to_be_visible()
    expect(page.locator(".empty")).to_contain_text("No weight recorded yet")
    # Out of range: the API's message appears by the field and nothing is stored.
    add_weight(page, "500")
    expect(page.locator('[data-error-for="weight_kg"]')).to_contain_text(
        "less than or equal to 400"
    )
    assert not WeightEntry.objects.filter(user=user).exists()

    add_weight(page, "84.0", measured_at="2024-05-01T08:00")
    expect(page.locator("#weight-list tbody tr")).to_have_count(1)
    add_weight(page, "82.5")
    expect(page.locator("#weight-list tbody tr")).to_have_count(2)
    expect(page.locator("#weight-list tbody tr").first).to_contain_text("82.5 kg")
    assert sorted(WeightEntry.objects.filter(user=user).values_list("weight_kg", flat=True)) == [
        82.5,
        84.0,
    ]
    # The chart's numbers (its accessible table) are the entries, oldest first.
    chart = page.locator("#weight-chart")
    expect(chart.locator("canvas")).to_be_visible()
    chart.get_by_text("Show the numbers").click()
    expect(chart.locator("tbody td")).to_have_text(["84", "82.5"])

    # A bad height is refused with a message; the stored height stays as it was.
    page.locator("#profile-form").get_by_label("Height (cm)").fill("20")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator('[data-error-for="height_cm"]')).to_contain_text(
        "greater than or equal to 80"
    )
    user.refresh_from_db()
    assert user.height_cm == 178
    page.locator("#profile-form").get_by_label("Height (cm)").fill("178")
    screenshot(page, "profile")

    # Imperial units: the same stored kilograms shown in pounds.
    page.locator("#profile-form").get_by_label("Units").select_option("imperial")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#weight-list tbody tr").first).to_contain_text("181.9 lb")

    resize(page, PHONE)
    assert_fits_width(page)
    screenshot(page, "profile-phone")
    assert not page.js_errors, page.js_errors


def test_log_out_and_back_in_with_the_keyboard(page):
    sign_up(page, "keys@example.com")
    log_out(page)
    page.goto("/app/profile")
    expect(page).to_have_url("/app/login?next=%2Fapp%2Fprofile")

    page.get_by_label("E-mail").fill("keys@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("E-mail address or password is wrong")

    # Keyboard only: Tab from the e-mail field to the password, Enter submits.
    page.get_by_label("E-mail").focus()
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD, delay=0)
    page.keyboard.press("Enter")
    # Back where the person was going.
    expect(page.get_by_role("heading", level=1, name="Profile and body metrics")).to_be_visible()
    expect(page).to_have_url("/app/profile")
    assert not page.js_errors, page.js_errors
