"""Bringing a new prefecture: a small fictional one (みなみ県) built only from its own workbook
and the site's screens — organization, regions, bureaus, municipalities, then its first plan
edition drafted in the structure workbook and adopted."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from chiiki.accounts.models import Membership
from chiiki.core.codes import with_check_digit
from chiiki.plans.models import Municipality, Organization, Plan, Project
from chiiki.plans.onboarding import HEADS, organization_template

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

MINAMI = with_check_digit("99000")
CITY = with_check_digit("99201")
TOWN = with_check_digit("99301")
VILLAGE = with_check_digit("99302")


def workbook(**changes) -> bytes:
    sheets = {
        "団体": [[MINAMI, "minami", "みなみ県"]],
        "連携地域": [["hokubu", "北部"], ["nanbu", "南部"]],
        "振興局": [["hokubu", "北部地域振興局", "北部", "振興局", "北部", "みなみ市"],
                  ["nanbu", "南部地域振興局", "南部", "振興局", "南部", "うみ町"]],
        # as the national code list prints them: half-width kana, codes as numbers
        "市町村": [[int(CITY), "みなみ市", "ﾐﾅﾐｼ", "北部"], [TOWN, "うみ町", "うみまち", "南部"],
                  [VILLAGE, "やま村", "ﾔﾏﾑﾗ", "南部地域振興局"]],
    }  # fmt: skip
    sheets.update(changes)
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        ws.append(HEADS[name])
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def create(tmp_path, data: bytes) -> str:
    path = tmp_path / "minami.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("organizations", "create", str(path), stdout=out)
    return out.getvalue()


def test_a_wrong_workbook_is_refused_with_every_problem_located(tmp_path):
    bad = workbook(
        市町村=[
            [with_check_digit("99201")[:5] + "0", "みなみ市", "ﾐﾅﾐｼ", "北部"],
            [with_check_digit("01100"), "札幌市", "サッポロシ", "北部"],
            [TOWN, "うみ町", "Umi", "東部"],
        ]
    )
    with pytest.raises(CommandError) as refused:
        create(tmp_path, bad)
    text = str(refused.value)
    assert f"市町村 2行目 [団体コード] 検査数字が合いません（99201の検査数字は{CITY[5]}）" in text
    assert "市町村 3行目 [団体コード] 団体コードの上2桁が団体（99）と違います" in text
    assert "市町村 4行目 [市区町村名（カナ）] カナで書いてください" in text
    assert "市町村 4行目 [振興局] 「振興局」シートにない振興局です: 「東部」" in text
    assert not Organization.objects.filter(slug="minami").exists()
    template = load_workbook(io.BytesIO(organization_template()))
    assert template.sheetnames == ["説明", "団体", "連携地域", "振興局", "市町村"]


def test_a_fictional_prefecture_from_its_workbook_to_its_first_adopted_plan(
    client, tmp_path, monkeypatch
):
    said = create(tmp_path, workbook())
    assert "みなみ県" in said and "市町村 3" in said
    minami = Organization.objects.get(slug="minami")
    assert minami.code == MINAMI
    assert list(Municipality.objects.filter(organization=minami).values_list("code", "kana")) == [
        (CITY, "ミナミシ"), (TOWN, "ウミマチ"), (VILLAGE, "ヤマムラ"),
    ]  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command("users", "create", "minami-hq", "--role", "hq_admin", "--organization", "minami",
                 "--password-stdin")  # fmt: skip
    user = get_user_model().objects.get(username="minami-hq")
    assert Membership.objects.get(user=user).organization == minami

    # the first edition, empty, made on the screen
    assert client.login(username="minami-hq", password=PASSWORD)
    r = client.post(reverse("editions"), {
        "copy_from": "", "kind": "regional_policy", "title": "みなみ県地域づくり方針",
        "edition": "R8", "slug": "minami-r8", "start_fy": "R8", "end_fy": "R12"})  # fmt: skip
    assert r.status_code == 302, r.content.decode()
    plan = Plan.with_drafts.get(slug="minami-r8")
    # drafted in the structure workbook
    book = load_workbook(
        io.BytesIO(client.get(reverse("edition_structure", args=[plan.slug])).content)
    )
    book["プロジェクト"].append(
        ["umi-yama", "1", "海と山をつなぐ観光プロジェクト", "南部", "", "北部", "観光", ""]
    )
    book["施策"].append(["umi-yama", "", "周遊ルートの整備", ""])
    book["事業"].append(["", "umi-yama", "周遊バス実証事業", "地域プロジェクトの事業", "南部", ""])
    book["指標"].append(["", "umi-yama", "KPI", "観光入込客数", "千人", "0", "増加が望ましい", "",
                         "1,200", "R6", "目標値", "1,500", "R12", "", "R9 1,350", "中間目標"])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "minami-r8.xlsx"
    r = client.post(reverse("edition_structure", args=[plan.slug]), {"file": upload})
    preview = client.get(r["Location"]).content.decode()
    assert "追加 4件・変更 0件・削除 0件" in preview, preview
    assert client.post(r["Location"]).status_code == 302
    plan.refresh_from_db()
    r = client.post(
        reverse("edition", args=[plan.slug]), {"action": "adopt", "version": plan.version}
    )
    assert r.status_code == 302
    client.logout()

    # the public of みなみ県 reads it; Hokkaido's visitors do not see it
    client.get(reverse("choose_organization") + "?slug=minami")
    html = client.get(reverse("plan", args=["minami-r8"])).content.decode()
    assert "海と山をつなぐ観光プロジェクト" in html
    home = client.get(reverse("home")).content.decode()
    assert home.count('class="tile ') == 2  # its own map: one row per region
    assert 'text-anchor="middle">北部</text>' in home and 'text-anchor="middle">南部</text>' in home
    project = Project.objects.get(plan__slug="minami-r8")
    assert project.region.name == "南部" and project.lead_bureau.name == "南部地域振興局"
    kpi = project.indicators.get()
    assert kpi.year_targets.get().fy == 2027
    client.get(reverse("choose_organization") + "?slug=hokkaido")
    assert client.get(reverse("plan", args=["minami-r8"])).status_code == 404


def test_readings_of_regions_and_bureaus_are_optional_and_found_by_search(tmp_path):
    from chiiki.plans.models import Bureau, Region
    from chiiki.web.search import search

    data = workbook(
        連携地域=[["hokubu", "北部", "ホクブ"], ["nanbu", "南部", "ﾅﾝﾌﾞ"]],
        振興局=[["hokubu", "北部地域振興局", "北部", "振興局", "北部", "みなみ市", "ほくぶ"],
                ["nanbu", "南部地域振興局", "南部", "振興局", "南部", "うみ町"]],
    )  # fmt: skip
    create(tmp_path, data)
    org = Organization.objects.get(slug="minami")
    readings = dict(Region.objects.filter(organization=org).values_list("name", "kana"))
    assert readings == {"北部": "ほくぶ", "南部": "なんぶ"}  # stored as hiragana
    assert Bureau.objects.get(organization=org, short_name="南部").kana == ""
    hits = {kind: items for _, kind, items in search(org, "ほくぶ")["groups"]}
    assert [b.name for b in hits["bureau"]] == ["北部地域振興局"]


def test_a_workbook_from_before_the_readings_column_is_still_read(tmp_path):
    book = load_workbook(io.BytesIO(workbook()))
    for name in ("連携地域", "振興局"):
        ws = book[name]
        last = ws.max_column
        assert ws.cell(1, last).value == "よみ"
        ws.delete_cols(last)
    out = io.BytesIO()
    book.save(out)
    assert "みなみ県" in create(tmp_path, out.getvalue())
