"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

They run in their own pytest pass (``pytest -m browser``, see scripts/test) because the live
server needs a transactional database, which is emptied after each test.
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chiiki.datasets.loader import load_dataset
from tests.conftest import make_user

# Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by the
# tests themselves are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHIIKI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("CHIIKI_SCREENSHOTS")  # a folder: save the README screenshots there


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """On SQLite, a test database in a file (write-ahead log, waits for locks) rather than
    Django's shared in-memory one: the live server's threads and a background worker's
    thread then take turns as processes do in production, instead of failing at once with
    "database schema is locked"."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folder = tmp_path_factory.mktemp("browser-db")
        database.setdefault("TEST", {})["NAME"] = str(folder / "browser.sqlite3")


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


# Kinds of page (a path with its numbers and ids generalised) axe-core has checked this run.
AXE_CHECKED: set[str] = set()


def _page_kind(url: str) -> str:
    path = urlsplit(url).path
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}/", "/<id>/", path)
    return re.sub(r"/\d+/", "/<n>/", path)


def _axe_violations(page, urls: list[str]) -> list[str]:
    """axe-core (WCAG 2.1 A and AA rules) on each kind of page the journey visited, once per
    run: every violation, with the page and the elements."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    found = []
    for url in dict.fromkeys(urls):
        kind = _page_kind(url)
        if not url.startswith(page.base_url) or kind in AXE_CHECKED:
            continue
        AXE_CHECKED.add(kind)
        try:
            response = page.goto(url)
        except PlaywrightError:  # an address that only answers a POST (a form's action)
            continue
        if (
            response is None
            or not response.ok
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        results = Axe().run(
            page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
        )
        for v in results.response["violations"]:
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:3]
            found.append(f"{kind}: {v['id']} ({v['help']}) at {targets}")
    return found


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
    visited: list[str] = []
    page.on("framenavigated", lambda f: visited.append(f.url) if f == page.main_frame else None)
    yield page
    violations = _axe_violations(page, visited)
    context.close()
    assert blocked == [], blocked
    assert violations == [], "\n".join(violations)


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


def pytest_terminal_summary(terminalreporter):
    if AXE_CHECKED:
        terminalreporter.write_line(
            f"axe-core checked {len(AXE_CHECKED)} kinds of page the journeys visited "
            "(WCAG 2.1 A/AA rules)"
        )
