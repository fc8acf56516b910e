"""The plan-structure workbook: export an edition, edit it as a planner would in Excel, read it
back as a dry-run diff, apply it all or nothing; problems located by sheet, row and column."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from chiiki.indicators.models import Indicator
from chiiki.plans import authoring
from chiiki.plans.models import Measure, Plan, Program, Project
from chiiki.plans.structure import (
    INDICATOR_HEAD,
    INDICATORS,
    MEASURES,
    PROGRAMS,
    PROJECTS,
    StructureFileError,
    export_structure,
    import_structure,
)

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

R8 = {"slug": "regional-policy-r8", "edition": "R8", "title": "連携地域別政策展開方針",
      "start_fy": "R8", "end_fy": "R11"}  # fmt: skip


@pytest.fixture
def draft(org, personas):
    r3 = Plan.objects.get(slug="regional-policy-r3")
    return authoring.create_edition(
        actor=personas["hq_planner"], organization=org, data=R8, copy_from=r3.pk
    )


def edit(data: bytes, change) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows(ws) -> list[list[str]]:
    return [[c.value or "" for c in row] for row in ws.iter_rows(min_row=2) if row[0].value]


def put(ws, r, header, values: dict):
    for title, value in values.items():
        ws.cell(row=r, column=header.index(title) + 1, value=value)


def test_the_export_lists_every_part_of_the_edition(draft):
    book = load_workbook(io.BytesIO(export_structure(draft)))
    assert len(rows(book[PROJECTS])) == 26
    assert len(rows(book[MEASURES])) == Measure.with_drafts.filter(project__plan=draft).count()
    assert len(rows(book[PROGRAMS])) == Program.with_drafts.filter(project__plan=draft).count()
    indicators = rows(book[INDICATORS])
    assert len(indicators) == Indicator.with_drafts.filter(project__plan=draft).count()
    carbon = next(r for r in indicators if r[3] == "ゼロカーボンシティ表明市町村数")
    assert carbon[2] == "KPI" and carbon[4] == "市町村"
    assert book[PROJECTS].data_validations.dataValidation  # dropdowns for bureaus, regions …
    assert book["_版"].sheet_state == "hidden"
    assert export_structure(draft) == export_structure(draft)  # same database, same bytes


def test_round_trip_edit_dry_run_apply(draft, personas):
    hq = personas["hq_planner"]
    exported = export_structure(draft)
    carbon = Indicator.with_drafts.get(project__plan=draft, name="ゼロカーボンシティ表明市町村数")
    measure_count = Measure.with_drafts.filter(project=carbon.project).count()

    def change(book):
        ws = book[PROJECTS]
        n = len(rows(ws)) + 2
        put(ws, n, [c.value for c in ws[1]],
            {"キー": "tokachi-zero-carbon", "プロジェクト名": "十勝ゼロカーボン農業プロジェクト",
             "主担当の振興局": "十勝", "連携する振興局": "釧路、根室"})  # fmt: skip
        ws = book[INDICATORS]
        header = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, 4).value == "ゼロカーボンシティ表明市町村数":
                put(ws, r, header, {"指標名": "ゼロカーボンシティ表明市町村数（累計）",
                                    "中間目標・年度別目標値": "R4 8、R5 12"})  # fmt: skip
        n = len(rows(ws)) + 2
        put(ws, n, header,
            {"プロジェクトキー": "tokachi-zero-carbon", "区分": "KPI", "指標名": "有機農業の取組面積",
             "単位": "ha", "方向": "増加が望ましい", "基準値": "1,200", "基準年度": "R6",
             "目標の種類": "目標値", "目標値": "2,000", "目標年度": "R11",
             "中間目標・年度別目標値": "R8 1,500"})  # fmt: skip
        ws = book[MEASURES]
        project_rows = [r for r in range(2, ws.max_row + 1)
                        if ws.cell(r, 1).value == carbon.project.slug]  # fmt: skip
        ws.delete_rows(project_rows[0])

    edited = edit(exported, change)
    dry = import_structure(draft, edited, actor=hq, apply=False)
    assert dry.problems == [] and not dry.applied
    assert dry.counts() == {"added": 2, "changed": 1, "removed": 1}  # its one measure removed
    renamed = next(c for c in dry.changes if c.action == "changed" and c.sheet == INDICATORS)
    assert (
        "指標名",
        "ゼロカーボンシティ表明市町村数",
        "ゼロカーボンシティ表明市町村数（累計）",
    ) in renamed.fields
    # a dry run writes nothing
    assert not Project.with_drafts.filter(slug="tokachi-zero-carbon").exists()
    assert Measure.with_drafts.filter(project=carbon.project).count() == measure_count

    done = import_structure(draft, edited, actor=hq, apply=True)
    assert done.applied and done.problems == []
    new = Project.with_drafts.get(plan=draft, slug="tokachi-zero-carbon")
    assert new.lead_bureau.short_name == "十勝" and new.region.name == new.lead_bureau.region.name
    assert sorted(b.short_name for b in new.other_bureaus.all()) == ["根室", "釧路"]
    organic = Indicator.with_drafts.get(project=new)
    assert organic.baseline_value == Decimal(1200)
    assert [(t.fy, t.value) for t in organic.year_targets.all()] == [(2026, Decimal(1500))]
    carbon.refresh_from_db()
    assert carbon.name.endswith("（累計）")
    assert [t.fy for t in carbon.year_targets.all()] == [2022, 2023]
    assert Measure.with_drafts.filter(project=carbon.project).count() == measure_count - 1
    # reading the same file again changes nothing more
    again = import_structure(draft, export_structure(draft), actor=hq, apply=False)
    assert again.changes == [] and again.problems == []


def test_problems_are_located_and_nothing_is_written(draft, personas):
    hq = personas["hq_planner"]

    def change(book):
        ws = book[INDICATORS]
        put(ws, 2, INDICATOR_HEAD, {"目標年度": "R２x", "方向": "上がるほどよい"})
        ws = book[PROJECTS]
        put(
            ws, 3, [c.value for c in ws[1]], {"主担当の振興局": "帯広", "キー": ws.cell(2, 1).value}
        )
        ws = book[PROGRAMS]
        put(ws, 2, [c.value for c in ws[1]], {"事業名": "=1+1"})

    result = import_structure(draft, edit(export_structure(draft), change), actor=hq, apply=True)
    assert not result.applied
    located = {(p.sheet, p.row, p.column) for p in result.problems}
    assert (INDICATORS, 2, "方向") in located
    assert (PROJECTS, 3, "キー") in located  # the same key twice
    assert (PROGRAMS, 2, "事業名") in located  # a formula
    assert any("上がるほどよい" in p.message for p in result.problems)
    fy_problem = next(
        p for p in import_structure(
            draft, edit(export_structure(draft), lambda b: put(b[INDICATORS], 2, INDICATOR_HEAD, {"目標年度": "R２x"})),
            actor=hq, apply=False,
        ).problems
    )  # fmt: skip
    assert (fy_problem.sheet, fy_problem.row, fy_problem.column) == (INDICATORS, 2, "目標年度")
    assert Plan.with_drafts.get(pk=draft.pk).version == draft.version
    with pytest.raises(StructureFileError):
        import_structure(draft, b"not a workbook", actor=hq, apply=False)


def test_a_row_changed_since_the_export_is_a_conflict(draft, personas):
    hq = personas["hq_planner"]
    exported = export_structure(draft)
    project = Project.with_drafts.filter(plan=draft).order_by("region__order", "order").first()
    authoring.save_project(
        actor=hq, plan_id=draft.pk, project_id=project.pk, expected_version=project.version,
        data={"name": project.name + "（改）", "lead_bureau": project.lead_bureau_id,
              "region": project.region_id},
    )  # fmt: skip

    def change(book):
        put(
            book[PROJECTS],
            2,
            [c.value for c in book[PROJECTS][1]],
            {"テーマ・着眼点": "新しいテーマ"},
        )

    result = import_structure(draft, edit(exported, change), actor=hq, apply=True)
    assert not result.applied
    assert any(p.sheet == PROJECTS and p.row == 2 and "書き出した後に変更" in p.message
               for p in result.problems)  # fmt: skip


def test_removing_rows_of_an_adopted_edition_is_refused(org, personas):
    hq = personas["hq_admin"]
    r3 = Plan.objects.get(slug="regional-policy-r3")

    def change(book):
        book[PROJECTS].delete_rows(2)

    result = import_structure(r3, edit(export_structure(r3), change), actor=hq, apply=True)
    assert not result.applied
    assert any("策定済みの計画のプロジェクトは削除できません" in p.message for p in result.problems)
    assert Project.objects.filter(plan=r3).count() == 26


def test_the_site_and_the_command_read_the_same_workbook(client, draft, personas, tmp_path):
    assert client.login(username="hq-planner", password=PASSWORD)
    xlsx = client.get(reverse("edition_structure", args=[draft.slug]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    def change(book):
        put(book[PROJECTS], 2, [c.value for c in book[PROJECTS][1]], {"テーマ・着眼点": "食と観光"})

    edited = edit(xlsx.content, change)
    upload = io.BytesIO(edited)
    upload.name = "r8.xlsx"
    r = client.post(reverse("edition_structure", args=[draft.slug]), {"file": upload})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "追加 0件・変更 1件・削除 0件" in page and "食と観光" in page
    r = client.post(r["Location"])
    assert r.status_code == 302
    first = Project.with_drafts.filter(plan=draft).order_by("region__order", "order").first()
    assert first.theme == "食と観光"
    # the command: export, then a dry run of an unchanged file
    path = tmp_path / "r8.xlsx"
    call_command("plans", "export", draft.slug, str(path))
    out = io.StringIO()
    call_command("plans", "import", draft.slug, str(path), "--user", "hq-planner", "--dry-run",
                 stdout=out)  # fmt: skip
    assert "追加 0 件、変更 0 件、削除 0 件" in out.getvalue()


def test_a_programs_purpose_and_target_group_travel_and_an_older_workbook_keeps_them(
    draft, personas
):
    hq = personas["hq_planner"]
    program = Program.with_drafts.filter(project__plan=draft).order_by("order", "pk").first()

    def change(book):
        ws = book[PROGRAMS]
        header = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, 1).value == program.slug:
                put(ws, r, header, {"事業の目的": "担い手を増やす", "対象": "管内の若者"})

    done = import_structure(draft, edit(export_structure(draft), change), actor=hq, apply=True)
    assert done.applied and done.problems == []
    program.refresh_from_db()
    assert (program.purpose, program.target_group) == ("担い手を増やす", "管内の若者")

    def older(book):  # a workbook written out before the two columns existed
        ws = book[PROGRAMS]
        header = [c.value for c in ws[1]]
        ws.delete_cols(header.index("事業の目的") + 1, 2)

    again = import_structure(draft, edit(export_structure(draft), older), actor=hq, apply=False)
    assert again.problems == [] and again.changes == []


def test_the_next_edition_starts_from_the_programs_purpose(org, personas):
    r3 = Plan.objects.get(slug="regional-policy-r3")
    Program.objects.filter(slug="tokachi-jinzai").update(
        purpose="担い手を増やす", target_group="管内の若者"
    )
    draft = authoring.create_edition(
        actor=personas["hq_planner"], organization=org, data=R8, copy_from=r3.pk
    )
    carried = Program.with_drafts.get(project__plan=draft, slug__startswith="tokachi-jinzai")
    assert (carried.purpose, carried.target_group) == ("担い手を増やす", "管内の若者")
