"""Writes for indicator definitions: an indicator's name, unit, direction, method, baseline and
target, its interim and yearly targets, and revisions of its target (見直し).

The one write path for each (screens, API, imports), as chiiki.plans.authoring: permission →
validation (ValidationError keyed by field) → lock and version → store → audit → recompute
(the one grader, chiiki.indicators.grading).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from chiiki.accounts.access import require_author_project
from chiiki.audit.services import record as audit
from chiiki.core.errors import ParseError, check_version
from chiiki.core.fiscal import format_fiscal_year
from chiiki.core.numbers import figure_in_unit, format_number, parse_quantity
from chiiki.core.progress import Method
from chiiki.core.targets import TargetKind
from chiiki.i18n import parse_invalid
from chiiki.indicators.grading import recompute
from chiiki.indicators.models import (
    PLAN_KINDS,
    PROGRAM_KINDS,
    Contribution,
    Indicator,
    TargetRevision,
    YearTarget,
)
from chiiki.plans.authoring import (
    fiscal_year,
    locked_project,
    new_slug,
    next_order,
    stale,
    text,
    whole,
)
from chiiki.plans.models import Program

VALUED = (TargetKind.ABSOLUTE, TargetKind.CUMULATIVE)
# How each method reads to a planner (screens, the plan-structure workbook).
METHOD_LABELS = {
    Method.RATIO: gettext_lazy("実績値 ÷ 目標値"),
    Method.FROM_BASELINE: gettext_lazy("基準値からの伸び ÷ 目標までの伸び"),
    Method.MAINTAIN: gettext_lazy("維持（目標値の水準を保つ）"),
    Method.TRAJECTORY: gettext_lazy("軌跡（その年度に見込む値との比）"),
    Method.YEAR_TARGET: gettext_lazy("その年度の目標値（年度別目標値）に対する達成率"),
}


def figure(raw: Any, unit: str, field: str) -> Decimal | None:
    """A figure typed in the indicator's unit (``1.2万人`` is converted to 千人); None if empty."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value, _marker = figure_in_unit(parse_quantity(str(raw)), unit, text=str(raw))
    except ParseError as exc:
        raise ValidationError({field: parse_invalid(exc)}) from None
    return value


def _snapshot(indicator: Indicator) -> dict[str, Any]:
    def num(v: Decimal | None) -> str | None:
        return None if v is None else format_number(v.normalize())

    return {
        "slug": indicator.slug,
        "kind": indicator.kind,
        "name": indicator.name,
        "unit": indicator.unit,
        "decimal_places": indicator.decimal_places,
        "direction": indicator.direction,
        "method": indicator.method,
        "baseline_value": num(indicator.baseline_value),
        "baseline_fy": indicator.baseline_fy,
        "target_kind": indicator.target_kind,
        "target_value": num(indicator.target_value),
        "target_fy": indicator.target_fy,
        "target_first_fy": indicator.target_first_fy,
        "actuals_cumulative": indicator.actuals_cumulative,
        "is_main": indicator.is_main,
        "program": indicator.program_id,
        "parent": indicator.parent_id,
        "series_name": indicator.series_name,
        "year_targets": [
            {"fy": t.fy, "kind": t.kind, "value": num(t.value)}
            for t in YearTarget.objects.filter(indicator=indicator).order_by("fy")
        ],
        "revisions": [
            {"from": num(r.original_value), "to": num(r.revised_value), "from_fy": r.revised_fy}
            for r in TargetRevision.objects.filter(indicator=indicator).order_by("order", "pk")
        ],
        "version": indicator.version,
    }


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    kind = str(data.get("kind") or "")
    if kind not in Indicator.Kind.values:
        raise ValidationError(
            {"kind": gettext("区分（数値目標・KPI・活動指標・成果指標）を選んでください")}
        )
    direction = str(data.get("direction") or Indicator.Direction.UP)
    if direction not in Indicator.Direction.values:
        raise ValidationError({"direction": gettext("方向を選んでください")})
    method = str(data.get("method") or "")
    if method and method not in Method.__members__.values():
        raise ValidationError({"method": gettext("進捗率の算定方法を選んでください")})
    places = whole(data, "decimal_places") or 0
    if places > 6:
        raise ValidationError({"decimal_places": gettext("表示桁数は0〜6で入力してください")})
    target_kind = str(data.get("target_kind") or "")
    if target_kind not in TargetKind.__members__.values():
        raise ValidationError({"target_kind": gettext("目標の種類を選んでください")})
    unit = text(data, "unit", limit=20)
    fields: dict[str, Any] = {
        "kind": kind,
        # a series takes its indicator's name (see _series_fields)
        "name": text(
            data,
            "name",
            limit=200,
            required=""
            if str(data.get("parent") or "").strip()
            else gettext("指標名を入力してください"),
        ),
        "unit": unit,
        "decimal_places": places,
        "direction": direction,
        "method": method,
        "baseline_value": figure(data.get("baseline_value"), unit, "baseline_value"),
        "baseline_fy": fiscal_year(data, "baseline_fy"),
        "target_kind": target_kind,
        "target_value": None,
        "target_fy": fiscal_year(data, "target_fy"),
        "target_first_fy": None,
        "actuals_cumulative": bool(data.get("actuals_cumulative")),
        "is_main": bool(data.get("is_main")) and kind in PLAN_KINDS,
    }
    if target_kind in VALUED:
        fields["target_value"] = figure(data.get("target_value"), unit, "target_value")
        if fields["target_value"] is None:
            raise ValidationError({"target_value": gettext("目標値を入力してください")})
        if fields["target_fy"] is None:
            raise ValidationError({"target_fy": gettext("目標年度を入力してください")})
    if target_kind == TargetKind.CUMULATIVE:
        fields["target_first_fy"] = fiscal_year(data, "target_first_fy", required=True)
        if fields["target_first_fy"] > fields["target_fy"]:
            raise ValidationError(
                {"target_first_fy": gettext("累計の開始年度は目標年度以前にしてください")}
            )
    else:
        fields["actuals_cumulative"] = False
    if fields["baseline_value"] is not None and fields["baseline_fy"] is None:
        raise ValidationError({"baseline_fy": gettext("基準値の年度を入力してください")})
    if target_kind in (TargetKind.ABOVE_BASELINE, TargetKind.AT_OR_ABOVE_CURRENT):
        if fields["baseline_value"] is None:
            raise ValidationError({"baseline_value": gettext("この目標の種類では基準値が必要です")})
    if (
        fields["baseline_fy"] is not None
        and fields["target_fy"] is not None
        and fields["baseline_fy"] >= fields["target_fy"]
    ):
        raise ValidationError({"target_fy": gettext("目標年度は基準年度より後にしてください")})
    return fields


def _series_fields(
    data: dict[str, Any], project: Any, indicator: Indicator, fields: dict[str, Any]
) -> dict[str, Any]:
    """The series an indicator is (``parent``: the indicator with several series it belongs
    to, ``series_name``: 小学校, 実質 …), checked; a series takes its indicator's name and
    kind. An indicator with series (target kind ``series``) holds no figures of its own."""
    raw = str(data.get("parent") or "").strip()
    name = text(data, "series_name", limit=50)
    is_group = fields["target_kind"] == TargetKind.SERIES
    if indicator.pk is not None:
        if not is_group and Indicator.with_drafts.filter(parent=indicator).exists():
            raise ValidationError(
                {
                    "target_kind": gettext(
                        "系列のある指標です。目標の種類を変えるには、先に系列を削除してください"
                    )
                }
            )
        if is_group and indicator.actuals.exists():
            raise ValidationError(
                {
                    "target_kind": gettext(
                        "実績値のある指標は、系列をまとめる指標にできません（実績値は系列ごとに持ちます）"
                    )
                }
            )
    if not raw:
        if name:
            raise ValidationError(
                {"parent": gettext("系列名を書くときは、系列をまとめる指標を選んでください")}
            )
        return {"parent": None, "series_name": ""}
    if is_group:
        raise ValidationError(
            {"parent": gettext("系列をまとめる指標は、他の指標の系列にはできません")}
        )
    parent = (
        Indicator.with_drafts.filter(project=project, target_kind=TargetKind.SERIES)
        .exclude(pk=indicator.pk)
        .filter(pk=int(raw) if raw.isdigit() else None)
        .first()
    )
    if parent is None:
        raise ValidationError(
            {
                "parent": gettext(
                    "同じプロジェクトの、目標の種類が「系列ごとに設定」の指標を選んでください"
                )
            }
        )
    if not name:
        raise ValidationError({"series_name": gettext("系列名を入力してください（例: 小学校）")})
    taken = Indicator.with_drafts.filter(parent=parent, series_name=name).exclude(pk=indicator.pk)
    if taken.exists():
        raise ValidationError(
            {"series_name": gettext("同じ名前の系列があります（{name}）").format(name=name)}
        )
    return {"parent": parent, "series_name": name, "name": parent.name, "kind": parent.kind}


def _year_targets(
    rows: list[dict[str, Any]], fields: dict[str, Any]
) -> list[tuple[int, str, Decimal]]:
    """Interim and yearly targets, each located by its row (``year_targets.2.value``)."""
    out: dict[int, tuple[int, str, Decimal]] = {}
    for i, row in enumerate(rows, start=1):
        if not str(row.get("fy") or "").strip() and not str(row.get("value") or "").strip():
            continue
        where = f"year_targets.{i}"
        fy = fiscal_year(row, "fy", required=True) if row.get("fy") else None
        if fy is None:
            raise ValidationError(
                {f"{where}.fy": gettext("年度を入力してください（例: R8、2026）")}
            )
        value = figure(row.get("value"), fields["unit"], f"{where}.value")
        if value is None:
            raise ValidationError({f"{where}.value": gettext("目標値を入力してください")})
        kind = str(row.get("kind") or YearTarget.Kind.INTERIM)
        if kind not in YearTarget.Kind.values:
            raise ValidationError({f"{where}.kind": gettext("種類を選んでください")})
        if fields["target_kind"] not in VALUED:
            raise ValidationError(
                {f"{where}.fy": gettext("年度の目標値は、目標値または累計の指標に設定します")}
            )
        low, high = fields["baseline_fy"], fields["target_fy"]
        if (low is not None and fy <= low) or fy >= high:
            raise ValidationError(
                {
                    f"{where}.fy": gettext(
                        "年度の目標値は基準年度と目標年度の間の年度に設定します（{fy}）"
                    ).format(fy=format_fiscal_year(fy))
                }
            )
        if fy in out:
            raise ValidationError(
                {
                    f"{where}.fy": gettext("同じ年度の目標値が2つあります（{fy}）").format(
                        fy=format_fiscal_year(fy)
                    )
                }
            )
        out[fy] = (fy, kind, value)
    return sorted(out.values())


STEMS = {
    Indicator.Kind.KPI: "kpi",
    Indicator.Kind.NUMERIC_GOAL: "goal",
    Indicator.Kind.ACTIVITY: "activity",
    Indicator.Kind.OUTCOME: "outcome",
}


def _program(data: dict[str, Any], project: Any, kind: str) -> Program | None:
    """The program an activity or outcome indicator belongs to: one of the project's own. The
    plan's 数値目標・KPI belong to no program."""
    raw = str(data.get("program") or "").strip()
    if kind not in PROGRAM_KINDS:
        if raw:
            raise ValidationError(
                {"program": gettext("数値目標・KPIは事業ではなくプロジェクトの指標です")}
            )
        return None
    program = (
        Program.with_drafts.filter(project=project, pk=int(raw)).first() if raw.isdigit() else None
    )
    if program is None:
        raise ValidationError(
            {"program": gettext("活動指標・成果指標は、このプロジェクトの事業を選んでください")}
        )
    return program


def _locked(indicator_id: int) -> Indicator:
    indicator = (
        Indicator.with_drafts.select_for_update(of=("self",))
        .select_related("project__plan")
        .filter(pk=indicator_id)
        .first()
    )
    if indicator is None:
        raise ValidationError({"indicator": gettext("指標が見つかりません")})
    return indicator


@transaction.atomic
def save_indicator(
    *,
    actor: Any,
    project_id: int,
    data: dict[str, Any],
    year_targets: list[dict[str, Any]] | None = None,
    indicator_id: int | None = None,
    expected_version: int | None = None,
) -> Indicator:
    """Add an indicator (数値目標 / KPI) to a project, or edit one; ``year_targets`` (rows of
    fy, value, kind) replace its interim and yearly targets when given.

    In an adopted edition the target itself changes only by :func:`revise_target`, which keeps
    the old value and the reason."""
    project = locked_project(project_id)
    require_author_project(actor, project)
    if indicator_id is None:
        indicator = Indicator(project=project)
        old = None
    else:
        indicator = _locked(indicator_id)
        if indicator.project_id != project.pk:
            raise ValidationError({"indicator": gettext("指標が見つかりません")})
        check_version(indicator.version, expected_version, lambda: stale(gettext("指標")))
        old = _snapshot(indicator)
    fields = _fields(data)
    fields["program"] = _program(data, project, fields["kind"])
    fields.update(_series_fields(data, project, indicator, fields))
    rows = _year_targets(year_targets, fields) if year_targets is not None else None
    if old is not None and not project.plan.is_draft:
        for name in ("target_kind", "target_value", "target_fy"):
            if fields[name] != getattr(indicator, name):
                raise ValidationError(
                    {
                        name: gettext(
                            "策定済みの計画の目標は「目標値の見直し」で変更します（見直し前の値と理由を残します）"
                        )
                    }
                )
    for name, value in fields.items():
        setattr(indicator, name, value)
    if indicator_id is None:
        siblings = Indicator.with_drafts.filter(project=project)
        stem = STEMS[fields["kind"]]
        indicator.slug = new_slug(data, siblings.values_list("slug", flat=True), stem)
        indicator.order = next_order(siblings)
    indicator.version += 1
    indicator.save()
    # the series carry their indicator's name and kind (数値目標 / KPI)
    Indicator.with_drafts.filter(parent=indicator).exclude(
        name=indicator.name, kind=indicator.kind, program=indicator.program
    ).update(name=indicator.name, kind=indicator.kind, program=indicator.program)
    if rows is not None:
        YearTarget.objects.filter(indicator=indicator).delete()
        YearTarget.objects.bulk_create(
            YearTarget(indicator=indicator, fy=fy, kind=kind, value=value)
            for fy, kind, value in rows
        )
    recompute([indicator.pk])
    audit(
        actor=actor,
        action="indicator.created" if old is None else "indicator.saved",
        object_type="indicator",
        object_id=indicator.pk,
        summary=f"{project.name} {indicator.name}",
        old=old,
        new=_snapshot(indicator),
    )
    return indicator


@transaction.atomic
def delete_indicator(*, actor: Any, indicator_id: int, expected_version: int | None) -> None:
    """Remove an indicator from a draft edition (in an adopted one it is a public record)."""
    indicator = _locked(indicator_id)
    require_author_project(actor, indicator.project)
    check_version(indicator.version, expected_version, lambda: stale(gettext("指標")))
    if not indicator.project.plan.is_draft or indicator.actuals.exists():
        raise ValidationError(
            {"indicator": gettext("策定済みの計画の指標や、実績値のある指標は削除できません")}
        )
    old = _snapshot(indicator)
    indicator.delete()
    audit(
        actor=actor,
        action="indicator.deleted",
        object_type="indicator",
        object_id=indicator_id,
        summary=f"{indicator.project.name} {old['name']}",
        old=old,
        new=None,
    )


@transaction.atomic
def revise_target(
    *, actor: Any, indicator_id: int, data: dict[str, Any], expected_version: int | None
) -> TargetRevision:
    """Revise an indicator's target (見直し): the new value, the fiscal year from whose actual
    it applies (earlier years stay judged against the target then in force; empty: every
    year), when and by whom it was decided, and why (required). The old value stays in the
    history, and a harder target missed while the original is met grades A②."""
    indicator = _locked(indicator_id)
    require_author_project(actor, indicator.project)
    check_version(indicator.version, expected_version, lambda: stale(gettext("指標")))
    if indicator.target_kind not in VALUED:
        raise ValidationError(
            {"value": gettext("目標値を見直せるのは、目標値または累計の指標です")}
        )
    revisions = list(TargetRevision.objects.filter(indicator=indicator).order_by("order", "pk"))
    current = revisions[-1].revised_value if revisions else indicator.target_value
    assert current is not None
    value = figure(data.get("value"), indicator.unit, "value")
    if value is None:
        raise ValidationError({"value": gettext("見直し後の目標値を入力してください")})
    if value == current:
        raise ValidationError({"value": gettext("現在の目標値と同じです")})
    from_fy = fiscal_year(data, "from_fy")
    last_from = max((r.revised_fy for r in revisions if r.revised_fy is not None), default=None)
    if from_fy is not None and last_from is not None and from_fy < last_from:
        raise ValidationError(
            {
                "from_fy": gettext("適用開始年度は前回の見直し（{fy}）以降にしてください").format(
                    fy=format_fiscal_year(last_from)
                )
            }
        )
    decided_on = None
    raw_day = str(data.get("decided_on") or "").strip()
    if raw_day:
        try:
            decided_on = dt.date.fromisoformat(raw_day)
        except ValueError:
            raise ValidationError(
                {"decided_on": gettext("決定日を日付（例: 2026-06-30）で入力してください")}
            ) from None
    reason = text(data, "reason", limit=2000, required=gettext("見直しの理由を入力してください"))
    old = _snapshot(indicator)
    revision = TargetRevision.objects.create(
        indicator=indicator,
        original_value=current,
        revised_value=value,
        target_fy=indicator.target_fy,
        revised_fy=from_fy,
        reason=reason,
        decided_on=decided_on,
        decided_by=text(data, "decided_by", limit=100),
        order=(revisions[-1].order + 1) if revisions else 0,
    )
    indicator.version += 1
    indicator.save(update_fields=["version"])
    recompute([indicator.pk])
    unit = indicator.unit
    audit(
        actor=actor,
        action="indicator.target.revised",
        object_type="indicator",
        object_id=indicator.pk,
        summary=f"{indicator.name}: {format_number(current.normalize())}{unit}"
        f" → {format_number(value.normalize())}{unit}（{reason[:60]}）",
        old=old,
        new={**_snapshot(indicator), "reason": reason},
    )
    return revision


@transaction.atomic
def save_contribution(
    *,
    actor: Any,
    program_id: int,
    indicator_id: int,
    assumption: str,
    expected_version: int | None,
) -> Contribution:
    """Declare (or restate) that a program contributes to an indicator of its project (a KPI or
    数値目標, its own or listed in its table), and on what assumption: the last link of the
    program's logic model."""
    program = (
        Program.with_drafts.select_for_update(of=("self",))
        .select_related("project__plan")
        .filter(pk=program_id)
        .first()
    )
    if program is None or program.project is None:
        raise ValidationError(
            {"program": gettext("プロジェクトの事業を選んでください（振興局独自事業は対象外）")}
        )
    project = program.project
    require_author_project(actor, project)
    indicator = (
        Indicator.with_drafts.filter(pk=indicator_id, kind__in=PLAN_KINDS)
        .filter(Q(project=project) | Q(listings__project=project))
        .first()
    )
    if indicator is None:
        raise ValidationError(
            {"indicator": gettext("このプロジェクトの数値目標・KPIを選んでください")}
        )
    stated = text({"assumption": assumption}, "assumption", limit=300,
                  required=gettext("どのような経路で効果が表れると考えるかを書いてください"))  # fmt: skip
    current = (
        Contribution.with_drafts.select_for_update(of=("self",))
        .filter(program=program, indicator=indicator)
        .first()
    )
    check_version(
        current.version if current else 0, expected_version, lambda: stale(gettext("寄与"))
    )
    old = {"indicator": indicator.pk, "assumption": current.assumption} if current else None
    contribution = current or Contribution(program=program, indicator=indicator)
    contribution.assumption = stated
    contribution.version += 1
    contribution.save()
    audit(
        actor=actor,
        action="indicator.contribution.saved",
        object_type="program",
        object_id=program.pk,
        summary=f"{program.name} → {indicator.display_name}",
        old=old,
        new={"indicator": indicator.pk, "assumption": stated, "version": contribution.version},
    )
    return contribution


@transaction.atomic
def delete_contribution(*, actor: Any, contribution_id: int, expected_version: int | None) -> None:
    """Withdraw a program's declared contribution to a KPI."""
    contribution = (
        Contribution.with_drafts.select_for_update(of=("self",))
        .select_related("program__project__plan", "indicator")
        .filter(pk=contribution_id)
        .first()
    )
    if contribution is None or contribution.program.project is None:
        raise ValidationError({"contribution": gettext("寄与の記録が見つかりません")})
    require_author_project(actor, contribution.program.project)
    check_version(contribution.version, expected_version, lambda: stale(gettext("寄与")))
    old = {"indicator": contribution.indicator_id, "assumption": contribution.assumption}
    contribution.delete()
    audit(
        actor=actor,
        action="indicator.contribution.deleted",
        object_type="program",
        object_id=contribution.program_id,
        summary=f"{contribution.program.name} → {contribution.indicator.display_name}",
        old=old,
        new=None,
    )
