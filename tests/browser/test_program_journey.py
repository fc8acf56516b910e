"""A program's year-end figures and its evaluation, in a real browser: HQ sets the staff unit
cost and enters the settled amount and staff time, 十勝 writes the program's self-evaluation and
direction with its project's evaluation, HQ approves and publishes it, and the public reads the
full cost, the logic model and the direction on the program page and its 事務事業評価シート.
The figures are the fictional 十勝 scenario's (tests/scenario_tokachi)."""

import pytest
from django.contrib.auth import get_user_model

from chiiki.plans.models import Program
from tests import scenario_tokachi as scenario
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import login
from tests.browser.test_proposal_journey import logout
from tests.conftest import make_user

pytestmark = [pytest.mark.browser]
User = get_user_model()


def test_settlement_staff_time_and_a_published_direction(page, tokachi_editor):
    make_user("hq-planner", "hq_planner")
    program = Program.objects.get(slug="tokachi-jinzai")

    # HQ: the unit cost of a person-year in R3, then the program's R3 settlement
    login(page, "hq-planner")
    page.goto(page.base_url + "/settings/staff-costs/")
    page.get_by_label("年度").fill("R3")
    page.get_by_label("人件費単価（千円／人年）").fill("8,600")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("R3の人件費単価を8,600千円にしました").is_visible()
    page.goto(page.base_url + f"/programs/{program.pk}/")
    form = page.locator("form", has=page.get_by_label("決算額（千円）"))
    form.get_by_label("年度").fill("R3")
    form.get_by_label("決算額（千円）").fill("1,2８8")  # a full-width digit among half-width
    form.get_by_label("補正後予算額（千円）").fill("1,395")
    form.get_by_label("人工（人年）").fill("0.3")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    error = page.locator("#settled-error")
    assert error.is_visible() and "混在" in error.inner_text()
    assert page.get_by_label("決算額（千円）").get_attribute("aria-invalid") == "true"
    page.get_by_label("決算額（千円）").fill("1,288")
    page.get_by_label("差額の理由").fill(
        "ワーキンググループの1回をオンライン開催とし、会場費が不要となった"
    )
    page.get_by_role("button", name="保存").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("R3の決算額を1,288千円として保存しました").is_visible()
    money = page.locator("table", has=page.get_by_role("columnheader", name="フルコスト"))
    row = money.get_by_role("row", name="令和3年度")
    assert [c.strip() for c in row.locator("td").all_inner_texts()] == [
        "1,395", "1,395", "1,288", "107", "0.30", "2,580", "3,868"]  # fmt: skip
    assert page.locator("svg.logic-model").is_visible()
    logout(page)
    # the program's indicators and its declared KPI, with their R3 actuals (written through
    # the services: the indicator form has a journey of its own)
    scenario.build_indicators(User.objects.get(username="hq-planner"))

    # 十勝 writes the project's R3 evaluation with the program's direction, and submits it
    login(page, "tokachi-editor")
    page.goto(
        page.base_url + "/plans/regional-policy-r3/projects/tokachi-tayona-jinzai/evaluations/2021/"
    )
    page.get_by_label("分析と課題（1行に1項目・公開されます）").fill(
        "ワーキンググループで地域の課題を共有した。"
    )
    page.get_by_label("自己評価").fill(
        "女性のワーキンググループを5回開催し、地域の課題と資源を洗い出した。"
    )
    page.get_by_label("今後の方向性").select_option(label="改善")
    page.get_by_role("button", name="下書きを保存").click()
    page.wait_for_load_state()
    assert page.locator("#pr-1-reason-error").is_visible()  # the reason is required
    assert page.get_by_label("自己評価").input_value().startswith("女性のワーキンググループ")
    page.get_by_label("方向性の理由").fill(
        "参加者が固定化しているため、管内町村と共催して参加者層を広げる。"
    )
    page.get_by_role("button", name="下書きを保存").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="提出する").click()
    page.wait_for_load_state()
    assert page.get_by_text("提出済").first.is_visible()
    logout(page)

    # HQ approves and publishes
    login(page, "hq-planner")
    page.goto(
        page.base_url + "/plans/regional-policy-r3/projects/tokachi-tayona-jinzai/evaluations/2021/"
    )
    page.get_by_role("button", name="承認する").click()
    page.wait_for_load_state()
    page.get_by_text("公表する…").click()
    page.get_by_role("button", name="公表を確定する").click()
    page.wait_for_load_state()
    logout(page)

    # what the public sees
    page.goto(page.base_url + f"/programs/{program.pk}/")
    assert page.get_by_text("改善", exact=True).first.is_visible()
    assert page.get_by_text("参加者が固定化しているため").is_visible()
    diagram = page.locator("svg.logic-model")
    for shown in ["R3 決算額 1,288千円", "フルコスト 3,868千円", "R3 5回", "R3 1,100人"]:
        assert diagram.locator("text", has_text=shown).first.is_visible(), shown
    assert page.get_by_role("cell", name="773.6").is_visible()  # 3,868千円 for 5 meetings
    screenshot(page, "program.png", full_page=True)
    page.get_by_role("link", name="画面で見る").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="事務事業評価シート").first.is_visible()
    assert page.get_by_text("3,868").first.is_visible()
    assert page.get_by_role("cell", name="改善", exact=True).is_visible()
