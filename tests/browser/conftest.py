"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

They run in their own pytest pass (``pytest -m browser``, see scripts/test) because the live
server needs a transactional database, which is emptied after each test.
"""

import os
import shutil
from pathlib import Path

import pytest

from chiiki.datasets.loader import load_dataset
from tests.conftest import make_user

# Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by the
# tests themselves are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHIIKI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("CHIIKI_SCREENSHOTS")  # a folder: save the README screenshots there


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CHIIKI_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.base_url = live_server.url
    # The Content-Security-Policy must not block anything the journeys use: Chromium reports
    # every blocked script, style or image on the console.
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert blocked == [], blocked


@pytest.fixture
def hokkaido(transactional_db):
    load_dataset("hokkaido")


@pytest.fixture
def tokachi_editor(hokkaido):
    return make_user("tokachi-editor", "bureau_editor", "十勝")


@pytest.fixture
def hq_planner(hokkaido):
    return make_user("hq-planner", "hq_planner")


def screenshot(page, name, full_page=False):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=full_page)
