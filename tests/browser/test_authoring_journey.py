"""The next edition of the regional plan made in the site, in a real browser: HQ copies R3 into
a draft, 十勝's editor adds a project with a KPI that has an interim target, HQ raises a target
with a reason and adopts. The public sees nothing of the draft before adoption and all of it
after; the audit trail shows every step; R3's pages and grades are unchanged."""

from __future__ import annotations

import re

import pytest

from chiiki.indicators.models import Indicator
from chiiki.plans.models import EditionStatus, Plan
from tests.browser.conftest import screenshot
from tests.browser.test_collection_journey import logout
from tests.browser.test_journeys import login
from tests.conftest import make_user

pytestmark = [pytest.mark.browser]

PROJECT = "十勝ゼロカーボン農業プロジェクト"
KPI = "有機農業の取組面積"


def r3_grades() -> list[tuple[int, str]]:
    return list(
        Indicator.objects.filter(project__plan__slug="regional-policy-r3")
        .order_by("pk")
        .values_list("pk", "grade")
    )


def test_hq_and_a_bureau_make_the_next_edition(page, hokkaido):
    make_user("hq-planner", "hq_planner")
    make_user("tokachi-editor", "bureau_editor", "十勝")
    before = r3_grades()
    page.goto(page.base_url + "/plans/regional-policy-r3/")
    r3_page = page.locator("main").inner_text()

    # HQ copies R3 forward into a draft
    login(page, "hq-planner")
    page.get_by_role("link", name="計画の作成").click()
    page.get_by_label("もとにする版").select_option(label="連携地域別政策展開方針（R3）")
    page.get_by_label("名称").fill("連携地域別政策展開方針")
    page.get_by_label("版 必須", exact=True).fill("R8")  # a required field says so
    page.get_by_label("識別子（URL に使う半角英数字）").fill("regional-policy-r8")
    page.get_by_label("開始年度").fill("R8")
    page.get_by_label("終了年度").fill("R11")
    page.get_by_role("button", name="作成中の版を作る").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="連携地域別政策展開方針（R8）").is_visible()
    assert page.get_by_text("作成中の版は職員だけが見られます").is_visible()
    logout(page)

    # the public sees nothing of it
    assert page.goto(page.base_url + "/plans/regional-policy-r8/").status == 404
    listed = page.request.get(page.base_url + "/api/v1/plans?limit=100").json()
    assert "regional-policy-r8" not in [p["slug"] for p in listed["items"]]

    # 十勝's editor adds a project with a KPI that has an interim target
    login(page, "tokachi-editor")
    page.goto(page.base_url + "/editions/regional-policy-r8/")
    page.get_by_label("プロジェクト名").fill(PROJECT)
    page.get_by_role("button", name="追加する").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=PROJECT).is_visible()
    page.get_by_label("新しい施策").fill("有機農業への転換支援")
    page.get_by_role("form", name="施策を追加").get_by_role("button").click()
    page.wait_for_load_state()
    page.get_by_label("新しい施策").fill("地域ぐるみの堆肥利用")
    page.get_by_role("form", name="施策を追加").get_by_role("button").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="「地域ぐるみの堆肥利用」を上へ").click()
    page.wait_for_load_state()
    measures = page.locator("ol.measures li").all_inner_texts()
    assert measures[0].startswith("地域ぐるみの堆肥利用")
    page.get_by_role("link", name="指標を追加").click()
    page.get_by_label("指標名").fill(KPI)
    page.get_by_label("単位").fill("ha")
    page.get_by_label("進捗率の算定方法").select_option("trajectory")
    page.get_by_label("基準値").fill("1,200")
    page.get_by_label("基準年度").fill("R6")
    page.get_by_label("目標値", exact=True).fill("2,000")
    page.get_by_label("目標年度").fill("R11")
    page.get_by_label("1行目の年度").fill("R8")
    page.get_by_label("1行目の目標値").fill("1,500")
    page.get_by_label("2行目の年度").fill("R13")
    page.get_by_label("2行目の目標値").fill("3,000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "基準年度と目標年度の間の年度に設定します（R13）" in alert.inner_text()
    screenshot(page, "authoring-indicator-error.png")
    page.get_by_label("2行目の年度").fill("")
    page.get_by_label("2行目の目標値").fill("")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("指標を保存しました。").is_visible()
    logout(page)

    # HQ raises the target with a reason and adopts the edition
    login(page, "hq-planner")
    page.goto(page.base_url + "/editions/regional-policy-r8/")
    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=KPI).click()
    page.get_by_label("見直し後の目標値").fill("2,400")
    page.get_by_label("適用開始年度").fill("R9")
    page.get_by_label("見直しの理由（必須）").fill("国の目標引上げに合わせる")
    page.get_by_role("button", name="見直しを記録する").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name="国の目標引上げに合わせる").is_visible()
    screenshot(page, "authoring-indicator.png", full_page=True)
    page.goto(page.base_url + "/editions/regional-policy-r8/")
    page.get_by_text("策定する…").click()
    page.get_by_role("button", name="策定を確定する").click()
    page.wait_for_load_state()
    assert page.get_by_text("策定しました。").is_visible()
    history = page.locator("table", has_text="操作").last.inner_text()
    for step in ("計画の版を作成", "プロジェクトを追加", "施策を編集", "指標を追加",
                 "目標値を見直し", "計画の版を策定"):  # fmt: skip
        assert step in history, step
    screenshot(page, "authoring-edition.png", full_page=True)
    logout(page)

    # now public, with the revision history on the KPI page; R3 kept as it was
    page.goto(page.base_url + "/plans/regional-policy-r8/")
    page.get_by_role("link", name=PROJECT).click()
    page.get_by_role("link", name=KPI).click()
    facts = page.locator("dl.facts").inner_text()
    assert "1,500ha（R8）" in facts and re.search(r"2,000ha → 2,400ha.*R9の実績から適用", facts)
    assert Plan.objects.get(slug="regional-policy-r3").status == EditionStatus.SUPERSEDED
    assert r3_grades() == before
    page.goto(page.base_url + "/plans/regional-policy-r3/")
    assert page.locator("main").inner_text() == r3_page
