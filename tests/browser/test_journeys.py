"""Journeys a person makes, in a real browser."""

import re

import pytest

from chiiki.indicators.models import Indicator
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser]


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def test_public_pages_show_the_plan(page, hokkaido):
    page.goto(page.base_url + "/")
    assert page.get_by_role("heading", name="北海道の地域政策").is_visible()
    screenshot(page, "home.png")
    page.get_by_role("link", name="道北", exact=True).first.click()
    page.get_by_role("link", name=re.compile("きた北海道")).first.click()
    assert page.get_by_text("14,173").is_visible()
    screenshot(page, "project-page.png")


def test_hq_enters_an_actual_and_sees_rate_and_grade_change(page, hq_planner):
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    login(page, "hq-planner")
    page.goto(page.base_url + f"/indicators/{kpi.pk}/")
    assert page.get_by_text("判定不能").is_visible()
    page.get_by_label("年度").fill("R3")
    page.get_by_role("textbox", name=re.compile("^実績値")).fill("５市町村")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert (
        page.get_by_role("status")
        .get_by_text("R3の実績値を保存しました（進捗率 26.3%、進捗 B）")
        .is_visible()
    )
    assert page.locator("dd.grade-line strong").inner_text() == "B"
    assert page.get_by_role("cell", name="26.3%").is_visible()
    screenshot(page, "kpi-entry.png")


def test_a_kpi_chart_with_its_forecast(page, hokkaido):
    senior = Indicator.objects.get(slug="active-senior-training")
    page.goto(page.base_url + f"/indicators/{senior.pk}/")
    chart = page.get_by_role("img", name=re.compile("アクティブ・シニア等の研修会の修了者の推移"))
    assert chart.is_visible()
    assert page.get_by_text("予測（80%区間）").is_visible()
    screenshot(page, "kpi-chart.png", full_page=True)


def test_inline_validation_errors_are_shown_next_to_the_field(page, hq_planner):
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    login(page, "hq-planner")
    page.goto(page.base_url + f"/indicators/{kpi.pk}/")
    page.get_by_label("年度").fill("R0")
    page.get_by_role("textbox", name=re.compile("^実績値")).fill("5")
    page.get_by_role("button", name="保存").click()
    field = page.get_by_label("年度")
    assert field.get_attribute("aria-invalid") == "true"
    assert "令和は1年（元年）から始まります" in page.locator("#fy-error").inner_text()


def test_a_bureau_editor_is_refused_a_direct_write_even_on_its_own_kpi(page, tokachi_editor):
    other = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    login(page, "tokachi-editor")
    page.goto(page.base_url + f"/indicators/{other.pk}/")
    assert page.get_by_text("実績値の入力・修正").count() == 0
    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    response = page.request.post(
        page.base_url + f"/indicators/{other.pk}/actuals/",
        form={"fy": "R3", "value": "70%", "csrfmiddlewaretoken": csrf},
        headers={"Referer": page.base_url + f"/indicators/{other.pk}/"},
    )
    assert response.status == 403
    assert not other.actuals.exists()


def test_login_is_required_to_enter_data_and_the_form_is_hidden_from_the_public(page, hokkaido):
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    page.goto(page.base_url + f"/indicators/{kpi.pk}/")
    assert page.get_by_text("実績値の入力・修正").count() == 0
    assert page.get_by_role("link", name="ログイン").is_visible()


def test_submit_return_resubmit_approve_publish_and_the_public_sees_only_the_published_text(
    page, tokachi_editor
):
    make_user("hq-planner", "hq_planner")
    base = (
        page.base_url
        + "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/evaluations/2021/"
    )
    login(page, "tokachi-editor")
    page.goto(base)
    page.get_by_label(re.compile("分析と課題")).fill(
        "ゼロカーボンシティ表明が5市町村に増えた。\n再エネの導入が課題。"
    )
    page.get_by_label(re.compile("内部メモ")).fill("本部への連絡事項")
    page.get_by_role("button", name="下書きを保存").click()
    page.get_by_role("button", name="提出する").click()
    assert page.get_by_role("status").get_by_text("評価を提出しました").is_visible()

    page.get_by_role("button", name="ログアウト").click()
    login(page, "hq-planner")
    page.goto(base)
    page.get_by_label(re.compile("理由")).fill("KPIの実績を踏まえた分析を追記してください")
    page.get_by_role("button", name="差し戻す").click()
    assert page.get_by_text("評価を差し戻しました").is_visible()

    page.get_by_role("button", name="ログアウト").click()
    login(page, "tokachi-editor")
    page.goto(base)
    assert page.get_by_text(
        "差戻し・解除の理由: KPIの実績を踏まえた分析を追記してください"
    ).is_visible()
    page.get_by_label(re.compile("分析と課題")).fill(
        "ゼロカーボンシティ表明は5市町村（進捗率26.3%）。\n再エネの導入が課題。"
    )
    page.get_by_role("button", name="提出する").click()

    page.get_by_role("button", name="ログアウト").click()
    login(page, "hq-planner")
    page.goto(base)
    page.get_by_role("button", name="承認する").click()
    page.get_by_text("公表する…").click()  # an irreversible step asks for confirmation
    page.get_by_role("button", name="公表を確定する").click()
    assert page.get_by_text("評価を公表しました").is_visible()
    screenshot(page, "evaluation.png")

    page.get_by_role("button", name="ログアウト").click()
    page.goto(page.base_url + "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/")
    assert page.get_by_text("ゼロカーボンシティ表明は5市町村（進捗率26.3%）。").is_visible()
    assert page.get_by_text("本部への連絡事項").count() == 0
    assert page.get_by_text("評価の作成・確認").count() == 0


def test_the_public_does_not_see_drafts(page, tokachi_editor):
    login(page, "tokachi-editor")
    page.goto(
        page.base_url
        + "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/evaluations/2021/"
    )
    page.get_by_label(re.compile("分析と課題")).fill("まだ下書きの分析。")
    page.get_by_role("button", name="下書きを保存").click()
    page.get_by_role("button", name="ログアウト").click()
    page.goto(page.base_url + "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/")
    assert page.get_by_text("まだ下書きの分析。").count() == 0
    page.goto(
        page.base_url
        + "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/evaluations/2021/"
    )
    assert "/accounts/login/" in page.url


def test_hq_dashboard_shows_who_has_not_reported(page, hokkaido):
    make_user("hq-planner", "hq_planner")
    login(page, "hq-planner")
    page.get_by_role("link", name="ダッシュボード").click()
    page.get_by_role("textbox", name="年度").fill("R7")
    page.get_by_role("button", name="表示").click()
    assert page.get_by_role("heading", name="実績値が未入力の指標（R7・2025年度）").is_visible()
    assert page.get_by_role("link", name="ゼロカーボンシティ表明市町村数", exact=True).is_visible()
    assert page.get_by_role("rowheader", name="全道（北海道創生総合戦略など）").first.is_visible()
    screenshot(page, "dashboard.png", full_page=True)


def test_the_era_toggle(page, hokkaido):
    page.goto(page.base_url + "/plans/creation-strategy-1/projects/semeno-nourinsuisan/")
    assert page.get_by_role("columnheader", name="H27").first.is_visible()
    page.get_by_role("link", name="西暦（2021）で表示").click()
    assert page.get_by_role("columnheader", name="2015").first.is_visible()
    assert page.get_by_role("columnheader", name="H27").count() == 0
    page.get_by_role("link", name="和暦（R3）で表示").click()
    assert page.get_by_role("columnheader", name="H27").first.is_visible()


def test_the_language_toggle(page, hokkaido):
    page.goto(page.base_url + "/plans/creation-strategy-1/projects/semeno-nourinsuisan/")
    assert page.get_by_role("heading", name="主な施策").is_visible()
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Main measures").is_visible()
    assert page.get_by_role("navigation", name="Main menu").is_visible()
    # published content is not translated
    assert page.get_by_role("heading", name=re.compile("確立プロジェクト")).is_visible()
    # the choice follows the reader to the next page, with the era toggle still working
    page.get_by_role("link", name="Show as Western years (2021)").click()
    assert page.get_by_role("columnheader", name="2015").first.is_visible()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Home").click()
    page.get_by_role("heading", name="Regional policy of 北海道").wait_for()
    screenshot(page, "home-en.png")
    page.get_by_role("link", name="日本語").click()
    assert page.get_by_role("heading", name="北海道の地域政策").is_visible()
