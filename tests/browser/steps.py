"""Things a person does in the dashboard, shared by the browser tests."""

from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct-horse-battery-staple"


def sign_up(page: Page, email: str, name: str = "Alex") -> None:
    page.goto("/app/signup")
    page.get_by_label("Name (optional)").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Statistics")).to_be_visible()


def set_body_metrics(page: Page, *, height_cm: str, sex: str, birth_date: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    form = page.locator("#profile-form")
    form.get_by_label("Sex").select_option(sex)
    form.get_by_label("Birth date").fill(birth_date)
    form.get_by_label("Height (cm)").fill(height_cm)
    form.get_by_role("button", name="Save profile").click()
    expect(form.get_by_role("status")).to_have_text("Saved.")


def add_weight(page: Page, weight: str, measured_at: str | None = None) -> None:
    form = page.locator("#weight-form")
    form.get_by_label("Weight (kg)").fill(weight)
    if measured_at:
        form.get_by_label("Measured (optional)").fill(measured_at)
    form.get_by_role("button", name="Add weight").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()


def expect_total_reps(summary: Locator, session) -> None:
    """The result summary shows the session's stored total: "about N" with a check flag when
    the count of one of its bouts may be off (the dashboard's threshold, format.ts)."""
    total = summary.locator('[data-stat="total-reps"]')
    confidences = [b.count_confidence for b in session.bouts.all()]
    if any(c is not None and c < 0.5 for c in confidences):
        expect(total).to_contain_text(f"about {session.total_reps}")
        expect(total.locator('[data-doubt="count"]')).to_be_visible()
    else:
        expect(total).to_have_text(str(session.total_reps))
