"""What a screen reader gets: Chromium's accessibility tree and the keyboard path, page by page.

Screen readers (NVDA, JAWS, VoiceOver, Orca) read the browser's accessibility tree, not the
HTML. These tests ask Chromium for that tree (DevTools ``Accessibility.getFullAXTree``) and walk
each page with the Tab key as a keyboard user does. With ``CHIIKI_A11Y_RECORD=FILE`` they also
write the walk-through (landmarks, headings, the Tab order with each control's spoken name) to
FILE; docs/screen-reader-walkthrough.md is made that way.
"""

import itertools
import os
from pathlib import Path

import pytest

from chiiki.indicators.models import Indicator
from tests.browser.test_journeys import login

pytestmark = [pytest.mark.browser]

RECORD = os.environ.get("CHIIKI_A11Y_RECORD")
LANDMARKS = {"banner", "navigation", "search", "main", "contentinfo"}
# Roles a keyboard user lands on, which must be announced with a name.
NAMED_ROLES = {
    "link", "button", "textbox", "searchbox", "combobox", "checkbox", "radio", "spinbutton",
    "image", "img", "table", "navigation", "search",
}  # fmt: skip
_recorded: list[str] = []


def _ax_nodes(page):
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    out = []
    for node in nodes:
        if node.get("ignored"):
            continue
        role = node.get("role", {}).get("value", "")
        name = node.get("name", {}).get("value", "")
        props = {p["name"]: p.get("value", {}).get("value") for p in node.get("properties", [])}
        out.append({"role": role, "name": name, **props})
    return out


def _tab_path(page, stops=60):
    """(role, name) of each element the Tab key reaches, in order, from the top of the page."""
    page.locator("body").focus()
    path = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              const label = el.labels && el.labels[0] ? el.labels[0].innerText : "";
                      const svgTitle = el.querySelector(":scope > title");
              return {tag: el.tagName.toLowerCase(), type: el.type || "",
                      text: (el.getAttribute("aria-label") || label
                             || (svgTitle ? svgTitle.textContent : "") || el.innerText
                             || el.value || el.getAttribute("placeholder") || "").trim(),
                      visible: !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)}
            }"""
        )
        if focused is None or (path and focused == path[0]):
            break
        path.append(focused)
    return path


def _walk(page, title):
    nodes = _ax_nodes(page)
    landmarks = [(n["role"], n["name"]) for n in nodes if n["role"] in LANDMARKS]
    headings = [(n.get("level"), n["name"]) for n in nodes if n["role"] == "heading"]
    unnamed = [n for n in nodes if n["role"] in NAMED_ROLES and not n["name"].strip()]
    path = _tab_path(page)
    if RECORD:
        _recorded.append(f"## {title}\n")
        _recorded.append("Landmarks: " + ", ".join(f"{r}「{n}」" if n else r for r, n in landmarks))
        _recorded.append("\nHeadings:\n")
        _recorded.extend(
            f"{'  ' * ((level or 1) - 1)}- h{level} {name}" for level, name in headings
        )
        _recorded.append("\nTab order (what is announced):\n")
        stops = [(s["tag"] + (f"[{s['type']}]" if s["type"] else ""), s["text"]) for s in path]
        # a date field is several Tab stops (year, month, day, picker): listed once
        stops = [
            s
            for i, s in enumerate(stops)
            if not (i and s == stops[i - 1] and s[0].startswith("input"))
        ]
        _recorded.extend(f"{i}. {tag}: {text[:80]}" for i, (tag, text) in enumerate(stops, 1))
        _recorded.append("")
    return landmarks, headings, unnamed, path


def _assert_structure(landmarks, headings, unnamed, path):
    roles = {role for role, _ in landmarks}
    assert {"banner", "navigation", "search", "main", "contentinfo"} <= roles
    levels = [level for level, _ in headings]
    assert levels.count(1) == 1, headings  # one page title
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), headings
    assert [
        (n["role"], n.get("level")) for n in unnamed
    ] == []  # every link, button, field, table and image has a spoken name
    assert path and path[0]["text"] == "本文へ移動"  # the first Tab stop skips to the content
    assert all(stop["visible"] and stop["text"] for stop in path)  # nothing invisible or silent


@pytest.fixture(scope="module", autouse=True)
def _write_record():
    yield
    if RECORD and _recorded:
        header = [
            "# Screen-reader walk-through",
            "",
            "Recorded by `tests/browser/test_screen_reader.py` from headless Chromium's",
            "accessibility tree (what NVDA, JAWS, VoiceOver and Orca read) and a Tab-key walk of",
            "each page. Regenerate: `CHIIKI_A11Y_RECORD=docs/screen-reader-walkthrough.md",
            ".venv/bin/python -m pytest -m browser tests/browser/test_screen_reader.py`.",
            "",
        ]
        Path(RECORD).write_text("\n".join(header + _recorded) + "\n", encoding="utf-8")


def test_home_page_for_a_screen_reader(page, hokkaido):
    page.goto(page.base_url + "/")
    landmarks, headings, unnamed, path = _walk(page, "トップ（公開）")
    _assert_structure(landmarks, headings, unnamed, path)
    assert ("navigation", "メインメニュー") in landmarks
    # each bureau tile of the map is a link that says its grade counts
    tiles = [s["text"] for s in path if s["text"].startswith("十勝")]
    assert tiles, path


def test_skip_link_moves_to_the_content(page, hokkaido):
    page.goto(page.base_url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused  # the next Tab stop is inside the main content, past the menu


def test_kpi_page_with_its_entry_form_for_a_screen_reader(page, hq_planner):
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    login(page, "hq-planner")
    page.goto(page.base_url + f"/indicators/{kpi.pk}/")
    page.get_by_label("年度", exact=True).fill("R3")
    page.get_by_role("textbox", name="実績値（単位: 市町村）").fill("abc")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    landmarks, headings, unnamed, path = _walk(
        page, "指標のページと実績値の入力（本部企画担当・入力誤りの後）"
    )
    _assert_structure(landmarks, headings, unnamed, path)
    # the refused field is announced as invalid, with its error as the description
    field = page.get_by_role("textbox", name="実績値（単位: 市町村）")
    assert field.get_attribute("aria-invalid") == "true"
    error_id = field.get_attribute("aria-describedby")
    assert page.locator(f"#{error_id}").inner_text().strip() != ""
    snapshot = page.locator("main").aria_snapshot()
    assert "img" in snapshot and "の推移" in snapshot  # the chart has a spoken title


def test_dashboard_for_a_screen_reader(page, hokkaido):
    from tests.conftest import make_user

    make_user("hq-planner", "hq_planner")
    login(page, "hq-planner")
    page.goto(page.base_url + "/dashboard/?fy=R3")
    landmarks, headings, unnamed, path = _walk(page, "ダッシュボード（本部企画担当）")
    _assert_structure(landmarks, headings, unnamed, path)
    names = [name for _, name in headings]
    assert "確認待ち・差戻し中の評価" in names and "予算額（連携地域別・千円）" in names


def test_english_project_page_for_a_screen_reader(page, hokkaido):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
    page.goto(page.base_url + "/plans/creation-strategy-1/projects/semeno-nourinsuisan/")
    nodes = _ax_nodes(page)
    assert page.locator("html").get_attribute("lang") == "en"
    landmarks = [(n["role"], n["name"]) for n in nodes if n["role"] in LANDMARKS]
    assert ("navigation", "Main menu") in landmarks
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Skip to content"


def test_proposal_report_and_municipality_page_for_a_screen_reader(page, hokkaido):
    page.goto(page.base_url + "/proposals/")
    landmarks, headings, unnamed, path = _walk(page, "振興局からの政策提案の対応状況（公開）")
    _assert_structure(landmarks, headings, unnamed, path)
    page.goto(page.base_url + "/municipalities/016012/")
    landmarks, headings, unnamed, path = _walk(page, "市町村のページ（日高町・公開）")
    _assert_structure(landmarks, headings, unnamed, path)
