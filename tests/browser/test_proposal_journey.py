"""A joint proposal from a bureau to a department's program, in a real browser."""

import pytest

from chiiki.accounts.models import Membership
from chiiki.plans.models import Program
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import login
from tests.conftest import make_user

pytestmark = [pytest.mark.browser]


def logout(page):
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_load_state()


def test_a_joint_proposal_is_filed_routed_answered_into_a_program_and_published(
    page, tokachi_editor
):
    make_user("hq-planner", "hq_planner")
    keizai = make_user("keizai", "department_responder")
    Membership.objects.filter(user=keizai).update(department="経済部")
    program = Program.objects.filter(bureau__short_name="十勝", budgets__fy=2021).first()

    # 十勝 files a proposal jointly with 釧路
    login(page, "tokachi-editor")
    page.goto(page.base_url + "/proposals/")
    page.get_by_role("link", name="政策提案を作成する").click()
    page.get_by_label("年度").fill("R4")
    page.get_by_label("提案（要旨）").fill("道東の観光周遊ルートの形成")
    page.get_by_label("政策の柱").select_option(label="　世界が憧れる観光立国北海道の実現")
    page.get_by_role("checkbox", name="釧路", exact=True).check()
    # the municipalities: filtered by reading, chosen with a plain click (no Ctrl-click)
    page.get_by_label("市町村名・よみで絞り込む").fill("おびひろ")
    assert page.get_by_role("checkbox", name="帯広市").is_visible()
    assert not page.get_by_role("checkbox", name="札幌市").is_visible()
    page.get_by_role("checkbox", name="帯広市").check()
    assert page.get_by_text("1 市町村を選択中").is_visible()
    page.get_by_label("提案の内容").fill("十勝と釧路をつなぐ周遊ルートの形成")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("十勝総合振興局・釧路総合振興局（共同提案）").is_visible()
    assert page.get_by_role("link", name="帯広市").first.is_visible()
    page.get_by_role("button", name="本部に提出する").click()
    page.wait_for_load_state()
    assert page.get_by_text("提案を提出しました").is_visible()
    url = page.url
    logout(page)

    # HQ routes it to 経済部
    login(page, "hq-planner")
    page.goto(url)
    page.get_by_role("checkbox", name="経済部").check()
    page.get_by_role("button", name="回付する").click()
    page.wait_for_load_state()
    assert page.get_by_text("部局に回付しました").is_visible()
    logout(page)

    # 経済部 answers: reflected into a program, with its R3 budget line
    login(page, "keizai")
    page.goto(url)
    page.get_by_label("対応", exact=True).select_option(label="反映")
    page.get_by_label("反映した施策").fill("道東周遊ルートの観光プロモーション")
    page.get_by_label("反映した事業（あれば）").select_option(value=str(program.pk))
    page.get_by_label("予算の年度（事業を選んだとき）").fill("R3")
    page.get_by_role("button", name="回答する").click()
    page.wait_for_load_state()
    assert page.get_by_text("対応を回答しました").is_visible()
    logout(page)

    # HQ publishes; the public sees it in the report and on the program's page
    login(page, "hq-planner")
    page.goto(url)
    page.get_by_text("対応状況を公表する…").click()
    page.get_by_role("button", name="公表を確定する").click()
    page.wait_for_load_state()
    screenshot(page, "proposal.png", full_page=True)
    logout(page)
    page.goto(page.base_url + "/proposals/?fy=R4")
    assert page.get_by_role("link", name="道東の観光周遊ルートの形成").is_visible()
    assert page.get_by_text("【十勝・釧路共同】").is_visible()
    assert page.get_by_text("○道東周遊ルートの観光プロモーション（経済部）").is_visible()
    page.get_by_role("link", name=program.name).first.click()
    assert page.get_by_role("link", name="道東の観光周遊ルートの形成").is_visible()
