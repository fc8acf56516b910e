"""Indicators with several series (小学校・中学校 …) in the product: authored through the one
writer, each series with its own targets and actuals, the indicator graded from them by the
plan's scheme and counted once; shown on the project and KPI pages, carried into the next
edition, in the plan-structure workbook and in the API."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from chiiki.indicators import authoring as kpis
from chiiki.indicators.models import Indicator
from chiiki.indicators.selectors import grade_counts
from chiiki.indicators.services import record_actual
from chiiki.plans import authoring, structure
from chiiki.plans.models import Plan, Project

pytestmark = pytest.mark.django_db

NAME = "算数・数学の正答率が全国の上位25%にある児童生徒の割合"
GROUP = {"kind": "kpi", "name": NAME, "unit": "%", "decimal_places": "1",
         "target_kind": "series"}  # fmt: skip


def series(name: str, parent: Indicator) -> dict[str, str]:
    return {"kind": "kpi", "parent": str(parent.pk), "series_name": name, "unit": "%",
            "decimal_places": "1", "baseline_value": "23.0", "baseline_fy": "R4",
            "target_kind": "absolute", "target_value": "27", "target_fy": "R9"}  # fmt: skip


@pytest.fixture
def school_levels(personas):
    """An R3 project gains the KPI with two series; 小学校 meets 27% in R6, 中学校 is at 80%."""
    hq = personas["hq_planner"]
    project = Project.objects.filter(plan__slug="regional-policy-r3").order_by("pk").first()
    group = kpis.save_indicator(actor=hq, project_id=project.pk, data=GROUP)
    elementary = kpis.save_indicator(actor=hq, project_id=project.pk, data=series("小学校", group))
    junior = kpis.save_indicator(actor=hq, project_id=project.pk, data=series("中学校", group))
    for indicator, values in ((elementary, ("25", "27.5")), (junior, ("20", "21.6"))):
        for fy, value in zip(("R5", "R6"), values, strict=True):
            record_actual(
                actor=hq, indicator_id=indicator.pk, fy=fy, value=value, expected_version=0
            )
    return project, group, elementary, junior


def test_the_indicator_is_graded_from_its_series_by_the_plans_scheme(school_levels, personas):
    # as stored after the actuals were entered (the grader wrote the grades)
    group, elementary, junior = (Indicator.objects.get(pk=i.pk) for i in school_levels[1:])
    assert (elementary.name, elementary.series_name, elementary.kind) == (NAME, "小学校", "kpi")
    assert elementary.display_name == f"{NAME}（小学校）"
    assert (elementary.grade, junior.grade) == ("A①", "A③")  # 101.9%, 80.0%
    # Hokkaido's scheme takes the worst series (series_rule: worst)
    assert (group.grade, group.grade_fy, group.grade_reason) == ("A③", 2024, "")
    # a correction to one series regrades the indicator
    record_actual(
        actor=personas["hq_planner"], indicator_id=junior.pk, fy="R6", value="15",
        expected_version=junior.actuals.get(fy=2024).version,
    )  # fmt: skip
    assert Indicator.objects.get(pk=group.pk).grade == "B"  # 中学校 55.6%


def test_the_indicator_takes_no_figures_of_its_own(school_levels, personas):
    _project, group, _e, _j = school_levels
    with pytest.raises(ValidationError) as refused:
        record_actual(
            actor=personas["hq_planner"], indicator_id=group.pk, fy="R6", value="25",
            expected_version=0,
        )  # fmt: skip
    assert "ごとに実績値を入力します" in str(refused.value)


def test_it_is_counted_once_on_the_dashboard(school_levels, org):
    _project, group, _elementary, _junior = school_levels
    counted: dict[str, int] = {}
    for row in grade_counts(org):  # rows per grade, region and bureau
        counted[row["grade"]] = counted.get(row["grade"], 0) + row["n"]
    before = Indicator.objects.filter(parent__isnull=True).exclude(pk=group.pk)
    expected_a3 = before.filter(grade="A③").count() + 1  # the indicator, not its A① series
    assert counted["A③"] == expected_a3
    assert counted["A①"] == before.filter(grade="A①").count()


def test_bad_series_are_refused_at_the_field(school_levels, personas):
    project, group, elementary, _j = school_levels
    hq = personas["hq_planner"]
    cases = [
        ({**series("", group)}, "series_name"),
        ({**series("小学校", group)}, "series_name"),  # taken
        ({**series("高校", elementary)}, "parent"),  # not an indicator with series
        ({**GROUP, "parent": str(group.pk), "series_name": "x"}, "parent"),
        (
            {
                **GROUP,
                "target_kind": "absolute",
                "target_value": "1",
                "target_fy": "R9",
                "series_name": "高校",
            },
            "parent",
        ),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as bad:
            kpis.save_indicator(actor=hq, project_id=project.pk, data=data)
        assert field in bad.value.message_dict, (data, bad.value.message_dict)
    # the indicator with series keeps its kind while it has series
    with pytest.raises(ValidationError) as bad:
        kpis.save_indicator(
            actor=hq, project_id=project.pk, indicator_id=group.pk,
            expected_version=group.version,
            data={**GROUP, "target_kind": "absolute", "target_value": "27", "target_fy": "R9"},
        )  # fmt: skip
    assert "target_kind" in bad.value.message_dict


def test_pages_show_the_series_under_the_indicator(school_levels, client):
    project, group, elementary, junior = school_levels
    page = client.get(reverse("project", args=[project.plan.slug, project.slug]))
    html = page.content.decode()
    at = html.index(f">{NAME}</a>")
    assert at < html.index(">小学校<", at) < html.index(">中学校<", at)
    assert "最も低い系列の評価" in html
    page = client.get(reverse("indicator", args=[group.pk])).content.decode()
    assert "系列ごとに目標値と実績値を持ち" in page and "実績値の入力・修正" not in page
    assert f'href="/indicators/{elementary.pk}/"' in page or str(elementary.pk) in page
    page = client.get(reverse("indicator", args=[junior.pk])).content.decode()
    assert "系列をまとめる指標" in page and NAME in page


def test_series_travel_into_the_next_edition_and_the_workbook(school_levels, personas, org):
    _project, group, _e, _j = school_levels
    hq = personas["hq_planner"]
    draft = authoring.create_edition(
        actor=hq, organization=org,
        data={"slug": "regional-policy-r8", "edition": "R8", "title": "連携地域別政策展開方針",
              "start_fy": "R8", "end_fy": "R11"},
        copy_from=Plan.objects.get(slug="regional-policy-r3").pk,
    )  # fmt: skip
    carried = Indicator.with_drafts.get(project__plan=draft, predecessor=group)
    members = Indicator.with_drafts.filter(parent=carried).order_by("series_name")
    assert [m.series_name for m in members] == ["中学校", "小学校"]
    assert all(m.predecessor.parent_id == group.pk for m in members)
    # the plan-structure workbook names the indicator each series belongs to
    data = structure.export_structure(draft)
    sheet = load_workbook(io.BytesIO(data))[structure.INDICATORS]
    head = [c.value for c in sheet[1]]
    rows = [dict(zip(head, (c.value for c in row), strict=False)) for row in sheet.iter_rows(2)]
    named = [r for r in rows if r["系列名"]]
    assert {r["系列名"] for r in named} == {"小学校", "中学校"}
    assert {r["系列をまとめる指標キー"] for r in named} == {carried.slug}
    # a third series added in the workbook is written by the same writer
    third = dict(named[0])
    third.update({"キー": "", "系列名": "高校", "目標値": "20"})
    sheet.append([third.get(h) for h in head])
    out = io.BytesIO()
    sheet.parent.save(out)
    result = structure.import_structure(draft, out.getvalue(), actor=hq, apply=True)
    assert [c.action for c in result.changes] == ["added"], (result.changes, result.problems)
    added = Indicator.with_drafts.get(parent=carried, series_name="高校")
    assert added.target_value == Decimal(20) and added.name == NAME
