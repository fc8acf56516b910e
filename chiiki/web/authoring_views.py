"""Plan authoring pages (staff): the editions, an edition's workspace (its projects; adopt),
a project's workspace (the project, its measures, programs and indicators) and an indicator's
form (definition, interim and yearly targets, revisions). Thin: reads come from
chiiki.plans.selectors, every write from chiiki.plans.authoring / chiiki.indicators.authoring,
which check permissions, validate, lock, store and audit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from chiiki.accounts.access import (
    can_add_project,
    can_author_edition,
    can_author_project,
    can_read_drafts,
)
from chiiki.core.errors import StaleVersion
from chiiki.core.fiscal import format_fiscal_year
from chiiki.core.numbers import format_number
from chiiki.core.schemes import schemes
from chiiki.core.targets import TargetKind
from chiiki.imports.models import ImportBatch
from chiiki.imports.services import keep_upload
from chiiki.indicators import authoring as indicator_writes
from chiiki.indicators.models import Indicator, YearTarget
from chiiki.plans import authoring, selectors, structure
from chiiki.plans.models import Plan, Program
from chiiki.web.posted import posted_id, posted_ids, posted_int

BLANK_YEAR_TARGET_ROWS = 3


def _staff(request: HttpRequest) -> None:
    if not can_read_drafts(request.user, request.organization.pk):
        raise PermissionDenied(_("計画の作成・編集の画面は職員だけが見られます"))


def _attempt(
    request: HttpRequest, write: Callable[[], Any], done: str
) -> tuple[Any, dict[str, Any], int]:
    """Run a write: (its result, {} , 200) or (None, the errors to show, the status)."""
    try:
        result = write()
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return None, {"form_errors": {k: " ".join(v) for k, v in errors.items()}}, 400
    except StaleVersion as exc:
        return None, {"form_alert": str(exc)}, 409
    messages.success(request, done)
    return result, {}, 200


def _scheme_choices() -> list[tuple[str, str]]:
    """Every grading scheme (built-in and the installation's), named in the reader's language."""
    language = get_language() or "ja"
    return [(name, scheme.label_in(language)) for name, scheme in schemes().items()]


def _form(request: HttpRequest) -> dict[str, Any]:
    """The POSTed fields as one dict (lists for the multiple choices)."""
    data: dict[str, Any] = {k: request.POST.get(k, "") for k in request.POST}
    data["other_bureaus"] = posted_ids(request, "other_bureaus")
    return data


@login_required
def editions(request: HttpRequest) -> HttpResponse:
    org = request.organization
    _staff(request)
    probe = Plan(organization=org, status="draft")
    context: dict[str, Any] = {
        "editions": selectors.editions(org),
        "may_create": can_author_edition(request.user, probe),
        "kinds": Plan.Kind.choices,
        "grading_schemes": _scheme_choices(),
    }
    if request.method == "POST":
        data = _form(request)
        plan, errors, status = _attempt(
            request,
            lambda: authoring.create_edition(
                actor=request.user,
                organization=org,
                data=data,
                copy_from=posted_id(request, "copy_from"),
            ),
            _("作成中の版を作りました。公開のページには、策定するまで表示されません。"),
        )
        if plan is not None:
            return redirect("edition", slug=plan.slug)
        context.update(errors, form_data=data)
        return render(request, "web/editions.html", context, status=status)
    return render(request, "web/editions.html", context)


@login_required
def edition(request: HttpRequest, slug: str) -> HttpResponse:
    org = request.organization
    _staff(request)
    context = selectors.edition_page(org, slug)
    plan = context["plan"]
    context["may_author"] = can_author_edition(request.user, plan)
    context["may_add"] = can_add_project(request.user, plan)
    context["grading_schemes"] = _scheme_choices()
    if request.method == "POST":
        action = request.POST.get("action", "")
        version = posted_int(request, "version")
        data = _form(request)
        write: Callable[[], Any]
        if action == "save":
            write = lambda: authoring.save_edition(  # noqa: E731
                actor=request.user, plan_id=plan.pk, data=data, expected_version=version
            )
            done = _("計画の版を保存しました。")
        elif action == "adopt":
            write = lambda: authoring.adopt_edition(  # noqa: E731
                actor=request.user, plan_id=plan.pk, expected_version=version
            )
            done = _("策定しました。この版は公開のページ・帳票・API に表示されます。")
        elif action == "section":
            write = lambda: authoring.save_section(  # noqa: E731
                actor=request.user, plan_id=plan.pk, data=data, expected_version=version,
                section_id=posted_id(request, "section"),
            )  # fmt: skip
            done = _("計画の構成を保存しました。")
        elif action == "region_texts":
            region_id = posted_id(request, "region")
            write = lambda: authoring.save_region_texts(  # noqa: E731
                actor=request.user, plan_id=plan.pk, region_id=region_id or 0, data=data,
                expected_version=version,
            )  # fmt: skip
            done = _("連携地域ごとの内容を保存しました。")
        elif action == "add_project":
            write = lambda: authoring.save_project(  # noqa: E731
                actor=request.user, plan_id=plan.pk, data=data
            )
            done = _("プロジェクトを追加しました。")
        else:
            raise PermissionDenied(_("この操作はできません"))
        result, errors, status = _attempt(request, write, done)
        if result is not None:
            if action == "add_project":
                return redirect("edition_project", plan_slug=plan.slug, slug=result.slug)
            return redirect("edition", slug=plan.slug)
        context.update(errors, form_data=data, form_action=action)
        return render(request, "web/edition.html", context, status=status)
    return render(request, "web/edition.html", context)


@login_required
def edition_project(request: HttpRequest, plan_slug: str, slug: str) -> HttpResponse:
    org = request.organization
    _staff(request)
    context = selectors.authoring_project(org, plan_slug, slug)
    project = context["project"]
    context["may_author"] = can_author_project(request.user, project)
    context["program_kinds"] = Program.Kind.choices
    if request.method == "POST":
        action = request.POST.get("action", "")
        version = posted_int(request, "version")
        data = _form(request)
        user, pk = request.user, project.pk
        write: Callable[[], Any]
        if action == "save":
            write = lambda: authoring.save_project(  # noqa: E731
                actor=user, plan_id=project.plan_id, project_id=pk, data=data,
                expected_version=version,
            )  # fmt: skip
            done = _("プロジェクトを保存しました。")
        elif action == "delete":
            write = lambda: authoring.delete_project(  # noqa: E731
                actor=user, project_id=pk, expected_version=version
            )
            done = _("プロジェクトを削除しました。")
        elif action in ("measure", "measure_up", "measure_down", "measure_delete"):
            write = lambda: authoring.save_measure(  # noqa: E731
                actor=user, project_id=pk, data=data, expected_version=version,
                measure_id=posted_id(request, "measure"),
                delete=action == "measure_delete",
                move={"measure_up": -1, "measure_down": 1}.get(action, 0),
            )  # fmt: skip
            done = _("施策を保存しました。")
        elif action in ("program", "program_delete"):
            program_id = posted_id(request, "program")
            if action == "program_delete" and program_id is not None:
                write = lambda: authoring.delete_program(  # noqa: E731
                    actor=user, project_id=pk, program_id=program_id, expected_version=version
                )
            else:
                write = lambda: authoring.save_program(  # noqa: E731
                    actor=user, project_id=pk, data=data, expected_version=version,
                    program_id=program_id,
                )  # fmt: skip
            done = _("事業を保存しました。")
        else:
            raise PermissionDenied(_("この操作はできません"))
        _result, errors, status = _attempt(request, write, done)
        if status == 200:
            if action == "delete":
                return redirect("edition", slug=plan_slug)
            anchor = {"program": "#programs", "program_delete": "#programs"}.get(action, "")
            if action.startswith("measure"):
                anchor = "#measures"
            return redirect(request.path + anchor)
        context.update(errors, form_data=data, form_action=action)
        return render(request, "web/edition_project.html", context, status=status)
    return render(request, "web/edition_project.html", context)


def _shown(value: Decimal | None) -> str:
    return "" if value is None else format_number(value.normalize())


def _initial(indicator: Indicator | None) -> dict[str, Any]:
    """The indicator's fields as the form shows them (figures as typed: 1,234.5)."""
    if indicator is None:
        return {"kind": Indicator.Kind.KPI, "direction": Indicator.Direction.UP,
                "target_kind": TargetKind.ABSOLUTE, "decimal_places": "0"}  # fmt: skip
    fy = {
        name: format_fiscal_year(getattr(indicator, name)) if getattr(indicator, name) else ""
        for name in ("baseline_fy", "target_fy", "target_first_fy")
    }
    return {
        "kind": indicator.kind,
        "name": indicator.name,
        "unit": indicator.unit,
        "decimal_places": str(indicator.decimal_places),
        "direction": indicator.direction,
        "method": indicator.method,
        "baseline_value": _shown(indicator.baseline_value),
        "target_kind": indicator.target_kind,
        "target_value": _shown(indicator.target_value),
        "actuals_cumulative": indicator.actuals_cumulative,
        "is_main": indicator.is_main,
        "program": str(indicator.program_id or ""),
        "parent": str(indicator.parent_id or ""),
        "series_name": indicator.series_name,
        **fy,
    }


def _year_target_rows(request: HttpRequest) -> list[dict[str, Any]]:
    rows = []
    n = posted_int(request, "year_target_rows")
    for i in range(1, min(n, 60) + 1):
        rows.append(
            {
                "fy": request.POST.get(f"yt-{i}-fy", ""),
                "value": request.POST.get(f"yt-{i}-value", ""),
                "kind": request.POST.get(f"yt-{i}-kind", ""),
            }
        )
    return rows


@login_required
def edition_indicator(
    request: HttpRequest, plan_slug: str, slug: str, pk: int | None = None
) -> HttpResponse:
    org = request.organization
    _staff(request)
    context = selectors.authoring_project(org, plan_slug, slug)
    project = context["project"]
    indicator = selectors.authoring_indicator(org, plan_slug, slug, pk) if pk else None
    context.update(
        indicator=indicator,
        may_author=can_author_project(request.user, project),
        kinds=Indicator.Kind.choices,
        directions=Indicator.Direction.choices,
        methods=[(m.value, label) for m, label in indicator_writes.METHOD_LABELS.items()],
        target_kinds=[(k.value, k.label_ja) for k in TargetKind],
        year_target_kinds=YearTarget.Kind.choices,
        # the indicators a new or edited one can be a series of
        series_parents=[
            i
            for i in context["indicators"]
            if i.has_series and (indicator is None or i.pk != indicator.pk)
        ],
    )
    existing = list(indicator.year_targets.all()) if indicator else []
    context["year_target_rows"] = [
        {"fy": format_fiscal_year(t.fy), "value": _shown(t.value), "kind": t.kind} for t in existing
    ] + [{} for _ in range(BLANK_YEAR_TARGET_ROWS)]
    context["initial"] = _initial(indicator)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        version = posted_int(request, "version")
        data = _form(request)
        write: Callable[[], Any]
        if action == "revise" and indicator is not None:
            write = lambda: indicator_writes.revise_target(  # noqa: E731
                actor=request.user, indicator_id=indicator.pk, data=data,
                expected_version=version,
            )  # fmt: skip
            done = _("目標値の見直しを記録しました。進捗率と評価を計算し直しました。")
        elif action == "delete" and indicator is not None:
            write = lambda: indicator_writes.delete_indicator(  # noqa: E731
                actor=request.user, indicator_id=indicator.pk, expected_version=version
            )
            done = _("指標を削除しました。")
        elif action == "save":
            rows = _year_target_rows(request)
            write = lambda: indicator_writes.save_indicator(  # noqa: E731
                actor=request.user, project_id=project.pk, data=data, year_targets=rows,
                indicator_id=indicator.pk if indicator else None, expected_version=version,
            )  # fmt: skip
            done = _("指標を保存しました。")
            context["year_target_rows"] = rows
        else:
            raise PermissionDenied(_("この操作はできません"))
        result, errors, status = _attempt(request, write, done)
        if status == 200:
            if action == "delete":
                return redirect("edition_project", plan_slug=plan_slug, slug=slug)
            saved = result if isinstance(result, Indicator) else indicator
            assert saved is not None
            return redirect("edition_indicator", plan_slug=plan_slug, slug=slug, pk=saved.pk)
        context.update(errors, form_data=data, form_action=action)
        if action == "save":
            context["initial"] = data
        return render(request, "web/edition_indicator.html", context, status=status)
    return render(request, "web/edition_indicator.html", context)


# --------------------------------------------------------------------------- structure workbook

STRUCTURE_SHOWN = 500


def _result_json(result: structure.StructureResult) -> dict[str, Any]:
    return {
        "changes": [
            {
                "action": c.action,
                "action_label": c.action_label,
                "sheet": c.sheet,
                "key": c.key,
                "label": c.label,
                "fields": c.fields,
            }
            for c in result.changes[:STRUCTURE_SHOWN]
        ],
        "counts": result.counts(),
        "problems": [str(p) for p in result.problems],
    }


@login_required
def edition_structure(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the edition's structure workbook. POST: an edited one, kept and read as a dry run."""
    org = request.organization
    _staff(request)
    plan = selectors.edition(org, slug)
    if request.method != "POST":
        data = structure.export_structure(plan)
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{plan.slug}-structure.xlsx"'
        return response
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("取り込むファイルを選んでください"))
        return redirect("edition", slug=slug)
    data = upload.read()
    batch = keep_upload(
        actor=request.user, filename=upload.name or "", data=data, kind=ImportBatch.Kind.STRUCTURE
    )
    try:
        result = structure.import_structure(plan, data, actor=request.user, apply=False)
        batch.preview = _result_json(result)
    except structure.StructureFileError as exc:
        batch.preview = {"changes": [], "counts": {}, "problems": [str(p) for p in exc.problems]}
    batch.summary = {"plan": plan.slug}
    if batch.preview["problems"]:
        batch.status = ImportBatch.Status.REFUSED
    batch.save(update_fields=["preview", "summary", "status"])
    return redirect("edition_structure_preview", slug=slug, pk=batch.pk)


@login_required
def edition_structure_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    org = request.organization
    _staff(request)
    plan = selectors.edition(org, slug)
    batch = ImportBatch.objects.filter(
        pk=pk, kind=ImportBatch.Kind.STRUCTURE, uploaded_by=request.user, summary__plan=plan.slug
    ).first()
    if batch is None:
        raise Http404(_("取込が見つかりません"))
    context: dict[str, Any] = {"plan": plan, "batch": batch, "preview": batch.preview}
    if request.method == "POST" and batch.status == ImportBatch.Status.PREVIEWED:
        try:
            result = structure.import_structure(
                plan, bytes(batch.content), actor=request.user, apply=True
            )
        except structure.StructureFileError as exc:  # pragma: no cover - read once already
            result = structure.StructureResult([], exc.problems, False)  # type: ignore[arg-type]
        if result.applied:
            batch.status = ImportBatch.Status.APPLIED
            batch.applied_at = timezone.now()
            batch.summary = {"plan": plan.slug, **result.counts()}
            batch.save(update_fields=["status", "applied_at", "summary"])
            counts = result.counts()
            messages.success(
                request,
                _("取り込みました（追加 {added}件、変更 {changed}件、削除 {removed}件）。").format(
                    **counts
                ),
            )
            return redirect("edition", slug=slug)
        # something changed since the dry run: nothing was written; show why
        context["preview"] = _result_json(result)
        context["form_alert"] = _("取り込めませんでした。何も書き込んでいません。")
        return render(request, "web/edition_structure.html", context, status=409)
    return render(request, "web/edition_structure.html", context)
