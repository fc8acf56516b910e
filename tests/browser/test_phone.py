"""At 390 px (a phone) no page scrolls sideways: wide tables scroll inside their own labelled,
keyboard-reachable region instead of widening the page."""

import pytest

from tests.browser.test_journeys import login

pytestmark = [pytest.mark.browser]

PUBLIC = [
    "/", "/regions/doou/", "/bureaus/tokachi/", "/plans/regional-policy-r3/",
    "/plans/creation-strategy-1/", "/plans/creation-strategy-1/projects/asia-no-hokkaido/",
    "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/", "/indicators/1/",
    "/municipalities/", "/municipalities/016012/", "/support/", "/proposals/", "/proposals/1/",
    "/reports/", "/reports/budgets/", "/reports/progress/", "/reports/regions/",
    "/reports/support/", "/search/?q=十勝", "/programs/1/", "/bureaus/tokachi/meetings/",
    "/reports/program-sheet/",
]  # fmt: skip
STAFF = ["/dashboard/", "/imports/", "/account/tokens/", "/bureaus/tokachi/actuals/2021/",
         "/collection/", "/editions/", "/editions/regional-policy-r3/",
         "/editions/regional-policy-r3/projects/tokachi-kankyo-senshin/",
         "/editions/regional-policy-r3/projects/tokachi-kankyo-senshin/indicators/new/",
         "/proposals/new/", "/bureaus/tokachi/meetings/new/", "/settings/staff-costs/"]  # fmt: skip


def widths(page, paths):
    out = {}
    for path in paths:
        page.goto(page.base_url + path)
        out[path] = page.evaluate("document.documentElement.scrollWidth")
    return out


def test_no_page_scrolls_sideways_on_a_phone(page, hq_planner):
    page.set_viewport_size({"width": 390, "height": 800})
    wide = {p: w for p, w in widths(page, PUBLIC).items() if w > 390}
    login(page, "hq-planner")
    wide |= {p: w for p, w in widths(page, STAFF).items() if w > 390}
    assert wide == {}
    # the widest table (project 4's KPIs) scrolls in its own region, reachable by keyboard
    page.goto(page.base_url + "/plans/creation-strategy-1/projects/asia-no-hokkaido/")
    region = page.locator("div.scroll[role=region]").filter(has=page.locator("table.kpi")).first
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
