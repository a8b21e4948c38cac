"""Browser tests: Debian's Chromium, driven by Playwright, against a real `manage.py
runserver` on the test database (and, where a test needs one, a real Celery worker).

Screenshots land in .pytest_cache/screenshots/ (gitignored) for a person to look at.
"""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import env_on_the_test_database, free_port, serving

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / ".pytest_cache" / "screenshots"
CHROMIUM = os.environ.get("COACH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def built_dashboard():
    """Build frontend/ (incremental: `make frontend` does nothing when it is up to date)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "frontend"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, (
        f"building the dashboard failed:\n{result.stdout}\n{result.stderr}"
    )
    assert (REPO / "frontend" / "dist" / "index.html").is_file()


@contextlib.contextmanager
def running_server():
    """`manage.py runserver` (the ASGI one once Channels is installed) on the test database.

    `--insecure` serves static files with DEBUG off, as WhiteNoise does in production.
    """
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
               "--insecure"]  # fmt: skip
    log = REPO / ".pytest_cache" / "browser-server.log"
    with serving(command, env=env_on_the_test_database(), port=port, log=log) as server:
        yield server.url


@pytest.fixture
def server(built_dashboard, transactional_db):
    """A real web server process; the test's data is committed, so the server sees it."""
    with running_server() as url:
        yield url


@pytest.fixture
def playwright_instance(monkeypatch):
    """Playwright for one test. Not longer: its sync API keeps an asyncio loop running on
    this thread while it is started, which breaks async_to_sync in every later test."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium")
    # That running loop also trips Django's guard against ORM calls from async code; the
    # test's own ORM calls are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        yield playwright


def launch(playwright, extra_args=()):
    # A fresh, throw-away profile each launch (Playwright's default for launch()).
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


@pytest.fixture
def browser(playwright_instance):
    browser = launch(playwright_instance)
    yield browser
    browser.close()


class PageErrors(list):
    """JavaScript errors and failed requests the page saw; a test fails on any it did not expect."""


def open_page(browser, base_url: str, viewport=DESKTOP):
    context = browser.new_context(base_url=base_url, viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))

    def on_console(message):
        # A 4xx answer logs "Failed to load resource"; the tests provoke those on purpose
        # and check what the page shows instead.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.js_errors = errors
    return page


@pytest.fixture
def page(browser, server):
    page = open_page(browser, server)
    yield page
    page.context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits_width(page) -> None:
    """Nothing sticks out sideways (the usual way a layout breaks on a phone)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5)
                .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`)"""
        )
        screenshot(page, "overflow")
        raise AssertionError(f"{page.url} is {overflow}px wider than the viewport: {culprits}")


def resize(page, viewport) -> None:
    """Change the window size and let the layout and the charts (ResizeObserver) settle."""
    page.set_viewport_size(viewport)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
