"""The plan-structure workbook: an edition's projects, measures, programs and indicators laid
out for drafting in Excel or LibreOffice, and read back as a dry-run diff or applied.

Sheets (every cell is text, so 「R8」 and 「1,200」 stay as typed):

* 「プロジェクト」 one row per project: its key, number, name, lead bureau, region, co-bureaus …
* 「施策」 the measures, in order, each naming its project's key;
* 「事業」 the programs; 「指標」 the indicators (数値目標・KPI) with their targets and interim
  targets;
* 「説明」 how to edit; 「_選択肢」 (hidden) the lists behind the dropdowns; 「_版」 (hidden) each
  record's version when exported, so a row someone changed since is a conflict, not an
  overwrite.

Rows are found by key, never by position. A row with a key the edition does not hold adds a
record (an empty key gets one); a record whose row is gone is removed (draft editions only).

Reading never has its own copy of a rule: every row that differs from the record is written
through the authoring services (chiiki.plans.authoring, chiiki.indicators.authoring) inside one
transaction, which a dry run — or any problem — rolls back. The problems are located by sheet,
row and column, in the reader's language.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from openpyxl import load_workbook

from chiiki.core.errors import StaleVersion
from chiiki.core.fiscal import format_fiscal_year
from chiiki.core.numbers import format_number
from chiiki.core.targets import TargetKind
from chiiki.indicators import authoring as indicator_writes
from chiiki.indicators.models import PLAN_KINDS, Indicator, YearTarget
from chiiki.indicators.selectors import with_series_after
from chiiki.plans import authoring
from chiiki.plans.models import Bureau, Measure, Plan, Program, Project, Region
from chiiki.reports.xlsx import FIXED_TIME, SAFE_WORKBOOK, Formats

PROJECTS, MEASURES, PROGRAMS, INDICATORS = "プロジェクト", "施策", "事業", "指標"
HELP_SHEET, CHOICES_SHEET, VERSIONS_SHEET = "説明", "_選択肢", "_版"
MAX_ROWS = 5000
MAX_BYTES = 20 * 1024 * 1024

PROJECT_HEAD = [
    "キー",
    "番号",
    "プロジェクト名",
    "主担当の振興局",
    "連携地域",
    "連携する振興局",
    "テーマ・着眼点",
    "概要",
]
MEASURE_HEAD = ["プロジェクトキー", "施策の柱", "施策", "内容"]
PROGRAM_HEAD = [
    "キー",
    "プロジェクトキー",
    "事業名",
    "種別",
    "実施する振興局",
    "内容",
    "事業の目的",
    "対象",
]
INDICATOR_HEAD = [
    "キー",
    "プロジェクトキー",
    "区分",
    "指標名",
    "単位",
    "小数の桁数",
    "方向",
    "算定方法",
    "基準値",
    "基準年度",
    "目標の種類",
    "目標値",
    "目標年度",
    "累計の開始年度",
    "中間目標・年度別目標値",
    "年度の目標の種類",
    "系列をまとめる指標キー",
    "系列名",
]
# Columns added after the first workbooks went out: a workbook without them keeps the values.
OPTIONAL_HEADS = {"系列をまとめる指標キー", "系列名", "事業の目的", "対象"}
HEADS = {
    PROJECTS: PROJECT_HEAD,
    MEASURES: MEASURE_HEAD,
    PROGRAMS: PROGRAM_HEAD,
    INDICATORS: INDICATOR_HEAD,
}
SEP = "、"

HELP = [
    "このブックは chiiki から書き出した、計画の版の構成（プロジェクト・施策・事業・指標）です。",
    "編集して「計画の作成」の版の画面（またはコマンド chiiki plans import）で取り込めます。",
    "取り込む前に、追加・変更・削除の一覧（ドライラン）で確かめられます。誤りが1件でもあれば何も書き込みません。",
    "キーの列は行を見分けるためのものです。既存の行のキーは変えないでください。新しい行はキーを空欄にするか、半角英小文字・数字・ハイフンで書きます。",
    "行を削除すると、その記録を削除します（作成中の版だけ。策定済みの版では削除できません）。",
    "施策は、シートの行の順がプロジェクトの中の順になります。",
    "年度は R8、令和8年度、2026 のどれでも書けます。数値は 1,200 のように書けます（単位は「単位」列）。",
    "中間目標・年度別目標値は「R8 1,500、R9 1,700」のように年度と目標値を「、」で区切って書きます。",
    "策定済みの版の目標値は、ここでは変えられません（画面の「目標値の見直し」で理由とともに記録します）。",
]


# --------------------------------------------------------------------------- labels


def _choices() -> dict[str, dict[str, str]]:
    """value → label of each coded column (the labels are what the sheet shows)."""
    return {
        "kind": {k: str(Indicator.Kind(k).label) for k in PLAN_KINDS},
        "direction": {k: str(v) for k, v in Indicator.Direction.choices},
        "method": {"": "", **{m.value: str(v) for m, v in indicator_writes.METHOD_LABELS.items()}},
        "target_kind": {k.value: k.label_ja for k in TargetKind},
        "program_kind": {k: str(v) for k, v in Program.Kind.choices},
        "year_kind": {k: str(v) for k, v in YearTarget.Kind.choices},
    }


def _fy(value: int | None) -> str:
    return format_fiscal_year(value) if value else ""


def _num(value: Decimal | None) -> str:
    return "" if value is None else format_number(value.normalize())


# --------------------------------------------------------------------------- rows


def project_row(p: Project) -> list[str]:
    others = sorted(p.other_bureaus.all(), key=lambda b: b.order)
    return [
        p.slug,
        "" if p.number is None else str(p.number),
        p.name,
        p.lead_bureau.short_name if p.lead_bureau else "",
        p.region.name if p.region else "",
        SEP.join(b.short_name for b in others),
        p.theme,
        p.summary,
    ]


def measure_row(project_slug: str, m: Measure) -> list[str]:
    return [project_slug, m.group, m.title, m.description]


def program_row(g: Program, labels: dict[str, dict[str, str]]) -> list[str]:
    return [
        g.slug,
        g.project.slug if g.project else "",
        g.name,
        labels["program_kind"].get(g.kind, g.kind),
        g.bureau.short_name if g.bureau else "",
        g.description,
        g.purpose,
        g.target_group,
    ]


def indicator_row(i: Indicator, labels: dict[str, dict[str, str]]) -> list[str]:
    targets = sorted(i.year_targets.all(), key=lambda t: t.fy)
    return [
        i.slug,
        i.project.slug,
        labels["kind"].get(i.kind, i.kind),
        i.name,
        i.unit,
        str(i.decimal_places),
        labels["direction"].get(i.direction, i.direction),
        labels["method"].get(i.method, i.method),
        _num(i.baseline_value),
        _fy(i.baseline_fy),
        labels["target_kind"].get(i.target_kind, i.target_kind),
        _num(i.target_value),
        _fy(i.target_fy),
        _fy(i.target_first_fy),
        SEP.join(f"{_fy(t.fy)} {_num(t.value)}" for t in targets),
        labels["year_kind"].get(targets[0].kind, "") if targets else "",
        i.parent.slug if i.parent else "",
        i.series_name,
    ]


@dataclass
class Edition:
    """An edition's records, read once."""

    plan: Plan
    projects: list[Project]
    measures: dict[int, list[Measure]]
    programs: list[Program]
    indicators: list[Indicator]


def read_edition(plan: Plan) -> Edition:
    projects = list(
        Project.with_drafts.filter(plan=plan)
        .select_related("region", "lead_bureau")
        .prefetch_related("other_bureaus")
        .order_by("region__order", "order", "pk")
    )
    measures: dict[int, list[Measure]] = {p.pk: [] for p in projects}
    for m in Measure.with_drafts.filter(project__plan=plan).order_by("order", "pk"):
        measures[m.project_id].append(m)
    programs = list(
        Program.with_drafts.filter(project__plan=plan)
        .select_related("project", "bureau")
        .order_by("project__order", "order", "pk")
    )
    indicators = with_series_after(
        list(
            # the plan's own (a program's activity and outcome indicators are the program's)
            Indicator.with_drafts.filter(project__plan=plan, kind__in=PLAN_KINDS)
            .select_related("project", "parent")
            .prefetch_related("year_targets")
            .order_by("project__order", "order", "pk")
        )
    )
    return Edition(plan, projects, measures, programs, indicators)


# --------------------------------------------------------------------------- export


def export_structure(plan: Plan) -> bytes:
    """The edition's structure as a workbook (the same database gives the same bytes)."""
    ed = read_edition(plan)
    labels = _choices()
    org = plan.organization_id
    regions = list(Region.objects.filter(organization_id=org).values_list("name", flat=True))
    bureaus = list(Bureau.objects.filter(organization_id=org).values_list("short_name", flat=True))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, SAFE_WORKBOOK)
    book.set_properties(
        {
            "title": f"{plan.title}（{plan.edition}）の構成",
            "author": "chiiki",
            "created": FIXED_TIME,
        }
    )
    fmts = Formats(book)
    head = fmts.get(bold=True, bg_color="#DBE5F1", border=1, text_wrap=True)
    cell = fmts.get(border=1, num_format="@", text_wrap=True, valign="top")

    help_ws = book.add_worksheet(HELP_SHEET)
    help_ws.set_column(0, 0, 110)
    help_ws.write(0, 0, f"{plan.title}（{plan.edition}）", head)
    for r, line in enumerate(HELP, start=2):
        help_ws.write_string(r, 0, line)

    sheets: dict[str, list[list[str]]] = {
        PROJECTS: [project_row(p) for p in ed.projects],
        MEASURES: [measure_row(p.slug, m) for p in ed.projects for m in ed.measures[p.pk]],
        PROGRAMS: [program_row(g, labels) for g in ed.programs],
        INDICATORS: [indicator_row(i, labels) for i in ed.indicators],
    }
    widths = {
        "キー": 18,
        "プロジェクトキー": 18,
        "プロジェクト名": 40,
        "事業名": 36,
        "指標名": 36,
        "施策": 48,
        "内容": 48,
        "事業の目的": 40,
        "対象": 24,
        "概要": 48,
        "テーマ・着眼点": 24,
        "中間目標・年度別目標値": 26,
    }
    worksheets = {}
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        worksheets[name] = ws
        header = HEADS[name]
        ws.write_row(0, 0, header, head)
        ws.freeze_panes(1, 1)
        for c, title in enumerate(header):
            ws.set_column(c, c, widths.get(title, 12))
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                ws.write_string(r, c, value, cell)
        # blank formatted rows to type new records into
        for r in range(len(rows) + 1, len(rows) + 51):
            for c in range(len(header)):
                ws.write_blank(r, c, None, cell)

    lists = {
        "連携地域": regions,
        "振興局": bureaus,
        "区分": list(labels["kind"].values()),
        "方向": list(labels["direction"].values()),
        "算定方法": [v for v in labels["method"].values() if v],
        "目標の種類": list(labels["target_kind"].values()),
        "事業の種別": list(labels["program_kind"].values()),
        "年度の目標の種類": list(labels["year_kind"].values()),
    }
    choices = book.add_worksheet(CHOICES_SHEET)
    choices.hide()
    ranges: dict[str, str] = {}
    for c, (title, values) in enumerate(lists.items()):
        choices.write_string(0, c, title)
        for r, value in enumerate(values, start=1):
            choices.write_string(r, c, value)
        col = xlsxwriter.utility.xl_col_to_name(c)
        ranges[title] = f"='{CHOICES_SHEET}'!${col}$2:${col}${max(len(values), 1) + 1}"
    dropdowns = {
        PROJECTS: {"主担当の振興局": "振興局", "連携地域": "連携地域"},
        PROGRAMS: {"種別": "事業の種別", "実施する振興局": "振興局"},
        INDICATORS: {
            "区分": "区分",
            "方向": "方向",
            "算定方法": "算定方法",
            "目標の種類": "目標の種類",
            "年度の目標の種類": "年度の目標の種類",
        },
    }
    for name, columns in dropdowns.items():
        header = HEADS[name]
        for title, source in columns.items():
            c = header.index(title)
            worksheets[name].data_validation(
                1, c, MAX_ROWS, c, {"validate": "list", "source": ranges[source]}
            )

    versions = book.add_worksheet(VERSIONS_SHEET)
    versions.hide()
    versions.write_row(0, 0, ["シート", "キー", "版"])
    rows = [(PROJECTS, p.slug, p.version) for p in ed.projects]
    rows += [(PROGRAMS, g.slug, g.version) for g in ed.programs]
    rows += [(INDICATORS, f"{i.project.slug}/{i.slug}", i.version) for i in ed.indicators]
    for r, (sheet, key, version) in enumerate(rows, start=1):
        versions.write_row(r, 0, [sheet, key, version])
    book.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class Located:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"「{self.sheet}」" + (f" {self.row}行目" if self.row else "")
        return f"{where} [{self.column}] {self.message}"


@dataclass
class StructureChange:
    action: str  # added, changed, removed
    sheet: str
    key: str
    label: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # column, old, new

    @property
    def action_label(self) -> str:
        return {"added": gettext("追加"), "changed": gettext("変更"), "removed": gettext("削除")}[
            self.action
        ]


@dataclass
class StructureResult:
    changes: list[StructureChange]
    problems: list[Located]
    applied: bool

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "changed": 0, "removed": 0}
        for c in self.changes:
            out[c.action] += 1
        return out


class StructureFileError(Exception):
    """The file cannot be read at all (not a workbook, a sheet or header missing)."""

    def __init__(self, problems: list[Located]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "1" if raw else ""
    if isinstance(raw, float):
        return format(Decimal(repr(raw)).normalize(), "f")
    if isinstance(raw, Decimal):
        return format(raw.normalize(), "f")
    return str(raw).strip()


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, dict[str, str]]]  # (row number, column title → text)


def read_sheets(data: bytes) -> tuple[dict[str, Sheet], list[Located]]:
    """The sheets' rows, and the problems of single rows (the rest of the file is still read);
    a file that cannot be read as a whole raises StructureFileError."""
    problems: list[Located] = []
    row_problems: list[Located] = []
    if len(data) > MAX_BYTES:
        raise StructureFileError(
            [Located("", None, "file", gettext("ファイルが大きすぎます（20MBまで）"))]
        )
    try:
        zipfile.ZipFile(io.BytesIO(data))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise StructureFileError(
            [
                Located(
                    "",
                    None,
                    "file",
                    gettext(
                        "Excel ファイル（.xlsx）として読めません（壊れているか、別の形式のファイルです）"
                    ),
                )
            ]
        ) from None
    sheets: dict[str, Sheet] = {}
    try:
        for name, header in HEADS.items():
            if name not in book.sheetnames:
                problems.append(
                    Located(
                        name,
                        None,
                        "sheet",
                        gettext("シート「{name}」がありません").format(name=name),
                    )
                )
                continue
            rows = book[name].iter_rows(values_only=True)
            first = [_text(v) for v in next(rows, ())]
            missing = [h for h in header if h not in first and h not in OPTIONAL_HEADS]
            if missing:
                problems.append(
                    Located(
                        name,
                        1,
                        "見出し",
                        gettext("見出しがありません: {names}").format(names=SEP.join(missing)),
                    )
                )
                continue
            index = {h: first.index(h) for h in header if h in first}
            out: list[tuple[int, dict[str, str]]] = []
            for r, values in enumerate(rows, start=2):
                if r > MAX_ROWS + 1:
                    problems.append(
                        Located(
                            name, r, "行", gettext("行が多すぎます（{n}行まで）").format(n=MAX_ROWS)
                        )
                    )
                    break
                row = {h: _text(values[i]) if i < len(values) else "" for h, i in index.items()}
                if any(v.startswith("=") for v in row.values()):
                    column = next(h for h, v in row.items() if v.startswith("="))
                    row_problems.append(
                        Located(
                            name, r, column, gettext("数式は取り込めません（値を入力してください）")
                        )
                    )
                    continue
                if any(row.values()):
                    out.append((r, row))
            sheets[name] = Sheet(name, out)
        versions: dict[tuple[str, str], int] = {}
        if VERSIONS_SHEET in book.sheetnames:
            for values in book[VERSIONS_SHEET].iter_rows(min_row=2, values_only=True):
                if values and values[0] and values[1] is not None and str(values[2]).isdigit():
                    versions[(str(values[0]), str(values[1]))] = int(values[2])
        sheets[VERSIONS_SHEET] = Sheet(
            VERSIONS_SHEET, [(0, {f"{s}\t{k}": str(v) for (s, k), v in versions.items()})]
        )
    finally:
        book.close()
    if problems:
        raise StructureFileError(problems)
    return sheets, row_problems


class _Reader:
    """Applies a workbook to an edition through the authoring services, locating problems."""

    def __init__(self, plan: Plan, actor: Any, sheets: dict[str, Sheet]) -> None:
        self.plan = plan
        self.actor = actor
        self.sheets = sheets
        self.labels = _choices()
        self.changes: list[StructureChange] = []
        self.problems: list[Located] = []
        versions = sheets[VERSIONS_SHEET].rows[0][1] if sheets[VERSIONS_SHEET].rows else {}
        self.versions = {tuple(k.split("\t", 1)): int(v) for k, v in versions.items()}
        org = plan.organization_id
        self.bureaus = {b.short_name: b for b in Bureau.objects.filter(organization_id=org)}
        self.bureaus.update({b.name: b for b in self.bureaus.values()})
        self.regions = {r.name: r for r in Region.objects.filter(organization_id=org)}

    # -- helpers

    def code(self, kind: str, label: str, sheet: str, r: int, column: str) -> str | None:
        """The stored value of a label (or the value itself); None and a problem if unknown."""
        mapping = self.labels[kind]
        for value, shown in mapping.items():
            if label in (shown, value):
                return value
        self.problems.append(
            Located(
                sheet,
                r,
                column,
                gettext("選べる値ではありません: 「{label}」（{choices}）").format(
                    label=label, choices=SEP.join(v for v in mapping.values() if v)
                ),
            )
        )
        return None

    def bureau(self, name: str, sheet: str, r: int, column: str) -> Bureau | None:
        if not name:
            return None
        found = self.bureaus.get(name)
        if found is None:
            self.problems.append(
                Located(
                    sheet,
                    r,
                    column,
                    gettext("振興局が見つかりません: 「{name}」").format(name=name),
                )
            )
        return found

    def write(
        self,
        sheet: str,
        r: int | None,
        columns: dict[str, str],
        call: Callable[..., Any],
        **arguments: Any,
    ) -> bool:
        """Run one service call in a savepoint: True if it wrote; else its problems are located
        at the row, the service's field names mapped to the sheet's columns."""
        try:
            with transaction.atomic():
                call(**arguments)
                return True
        except ValidationError as exc:
            items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            for name, messages in items:
                base = name.split(".")[0]
                column = columns.get(name, columns.get(base, name or "—"))
                for message in messages:
                    self.problems.append(Located(sheet, r, column, message))
        except (PermissionDenied, StaleVersion) as exc:
            self.problems.append(Located(sheet, r, "—", str(exc)))
        return False

    def conflict(self, sheet: str, key: str, current: int, r: int) -> bool:
        exported = self.versions.get((sheet, key))
        if exported is not None and exported != current:
            self.problems.append(
                Located(
                    sheet,
                    r,
                    "キー",
                    gettext(
                        "この行の記録は、ブックを書き出した後に変更されています（書き出し時の版 {old}、現在 {new}）。"
                        "新しく書き出したブックで編集し直してください"
                    ).format(old=exported, new=current),
                )
            )
            return True
        return False

    @staticmethod
    def diff(
        header: list[str], old: list[str] | None, new: dict[str, str]
    ) -> list[tuple[str, str, str]]:
        before = dict(zip(header, old, strict=True)) if old else {}
        return [
            (h, before.get(h, ""), new.get(h, ""))
            for h in header
            if before.get(h, "") != new.get(h, "")
        ]

    def first_time(self, sheet: str, r: int, key: str, seen: set[str]) -> bool:
        """Is this the first row with ``key``? (an empty key, for a new record, always is)"""
        if key and key in seen:
            message = gettext("同じキーの行が2つあります: {key}").format(key=key.split("/")[-1])
            self.problems.append(Located(sheet, r, "キー", message))
            return False
        seen.add(key)
        return True

    def project_of(
        self, sheet: str, r: int, key: str, projects: dict[str, Project]
    ) -> Project | None:
        project = projects.get(key)
        if project is None:
            message = gettext("このキーのプロジェクトがありません: 「{key}」").format(key=key)
            self.problems.append(Located(sheet, r, "プロジェクトキー", message))
        return project

    # -- sheets

    def run(self) -> None:
        ed = read_edition(self.plan)
        projects = {p.slug: p for p in ed.projects}
        self.projects(ed, projects)
        projects = {p.slug: p for p in Project.with_drafts.filter(plan=self.plan)}
        self.measures(ed, projects)
        self.programs(ed, projects)
        self.indicators(ed, projects)

    def projects(self, ed: Edition, current: dict[str, Project]) -> None:
        sheet, header = PROJECTS, PROJECT_HEAD
        seen: set[str] = set()
        columns = {
            "name": "プロジェクト名",
            "number": "番号",
            "lead_bureau": "主担当の振興局",
            "region": "連携地域",
            "theme": "テーマ・着眼点",
            "summary": "概要",
            "slug": "キー",
            "project": "キー",
        }
        for r, row in self.sheets[sheet].rows:
            key = row["キー"]
            if not self.first_time(sheet, r, key, seen):
                continue
            existing = current.get(key)
            old = project_row(existing) if existing else None
            fields = self.diff(header, old, row)
            if existing and not fields:
                continue
            lead = self.bureau(row["主担当の振興局"], sheet, r, "主担当の振興局")
            region = self.regions.get(row["連携地域"]) if row["連携地域"] else None
            if row["連携地域"] and region is None:
                self.problems.append(
                    Located(
                        sheet,
                        r,
                        "連携地域",
                        gettext("連携地域が見つかりません: 「{name}」").format(
                            name=row["連携地域"]
                        ),
                    )
                )
            others = [
                self.bureau(n.strip(), sheet, r, "連携する振興局")
                for n in row["連携する振興局"].split(SEP)
                if n.strip()
            ]
            data = {
                "slug": key,
                "name": row["プロジェクト名"],
                "number": row["番号"],
                "lead_bureau": lead.pk if lead else None,
                "region": region.pk if region else None,
                "other_bureaus": [b.pk for b in others if b],
                "theme": row["テーマ・着眼点"],
                "summary": row["概要"],
            }
            label = row["プロジェクト名"] or key
            if existing is None:
                if self.write(
                    sheet,
                    r,
                    columns,
                    authoring.save_project,
                    actor=self.actor,
                    plan_id=self.plan.pk,
                    data=data,
                ):
                    self.changes.append(StructureChange("added", sheet, key, label, fields))
            elif not self.conflict(sheet, key, existing.version, r):
                version = self.versions.get((sheet, key), existing.version)
                if self.write(
                    sheet,
                    r,
                    columns,
                    authoring.save_project,
                    actor=self.actor,
                    plan_id=self.plan.pk,
                    project_id=existing.pk,
                    data=data,
                    expected_version=version,
                ):
                    self.changes.append(StructureChange("changed", sheet, key, label, fields))
        for key, project in current.items():
            if key not in seen:
                version = self.versions.get((sheet, key), project.version)
                done = self.write(
                    sheet,
                    None,
                    columns,
                    authoring.delete_project,
                    actor=self.actor,
                    project_id=project.pk,
                    expected_version=version,
                )
                if done:
                    self.changes.append(StructureChange("removed", sheet, key, project.name))

    def measures(self, ed: Edition, projects: dict[str, Project]) -> None:
        sheet = MEASURES
        wanted: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for r, row in self.sheets[sheet].rows:
            key = row["プロジェクトキー"]
            if self.project_of(sheet, r, key, projects) is not None:
                wanted.setdefault(key, []).append((r, row))
        for key, project in projects.items():
            old = [measure_row(key, m) for m in ed.measures.get(project.pk, [])]
            rows = wanted.get(key, [])
            new = [[row[h] for h in MEASURE_HEAD] for _r, row in rows]
            if old == new:
                continue
            first = rows[0][0] if rows else None
            data = [
                {"group": row["施策の柱"], "title": row["施策"], "description": row["内容"]}
                for _r, row in rows
            ]
            columns = {"title": "施策", "group": "施策の柱", "description": "内容"}

            fresh = Project.with_drafts.get(pk=project.pk)
            if self.write(
                sheet,
                first,
                columns,
                authoring.replace_measures,
                actor=self.actor,
                project_id=project.pk,
                measures=data,
                expected_version=fresh.version,
            ):
                fields = [("施策", "\n".join(o[2] for o in old), "\n".join(n[2] for n in new))]
                action = "added" if not old else "removed" if not new else "changed"
                self.changes.append(StructureChange(action, sheet, key, project.name, fields))

    def programs(self, ed: Edition, projects: dict[str, Project]) -> None:
        sheet, header = PROGRAMS, PROGRAM_HEAD
        current = {g.slug: g for g in ed.programs}
        seen: set[str] = set()
        columns = {
            "name": "事業名",
            "kind": "種別",
            "bureau": "実施する振興局",
            "description": "内容",
            "purpose": "事業の目的",
            "target_group": "対象",
            "slug": "キー",
            "program": "キー",
        }
        for r, row in self.sheets[sheet].rows:
            key = row["キー"]
            if not self.first_time(sheet, r, key, seen):
                continue
            project = self.project_of(sheet, r, row["プロジェクトキー"], projects)
            if project is None:
                continue
            existing = current.get(key)
            old = program_row(existing, self.labels) if existing else None
            for h in OPTIONAL_HEADS.intersection(header) - set(row):  # an older workbook
                row[h] = old[header.index(h)] if old else ""
            fields = self.diff(header, old, row)
            if existing and not fields:
                continue
            kind = self.code("program_kind", row["種別"] or Program.Kind.PROJECT, sheet, r, "種別")
            bureau = self.bureau(row["実施する振興局"], sheet, r, "実施する振興局")
            data = {
                "slug": key,
                "name": row["事業名"],
                "kind": kind,
                "bureau": bureau.pk if bureau else None,
                "description": row["内容"],
                "purpose": row["事業の目的"],
                "target_group": row["対象"],
            }
            if existing is None:
                if self.write(
                    sheet,
                    r,
                    columns,
                    authoring.save_program,
                    actor=self.actor,
                    project_id=project.pk,
                    data=data,
                ):
                    self.changes.append(StructureChange("added", sheet, key, row["事業名"], fields))
            elif existing.project_id != project.pk:
                self.problems.append(
                    Located(
                        sheet,
                        r,
                        "プロジェクトキー",
                        gettext(
                            "事業を別のプロジェクトに移すことはできません（削除して追加してください）"
                        ),
                    )
                )
            elif not self.conflict(sheet, key, existing.version, r):
                version = self.versions.get((sheet, key), existing.version)
                if self.write(
                    sheet,
                    r,
                    columns,
                    authoring.save_program,
                    actor=self.actor,
                    project_id=project.pk,
                    program_id=existing.pk,
                    data=data,
                    expected_version=version,
                ):
                    self.changes.append(
                        StructureChange("changed", sheet, key, row["事業名"], fields)
                    )
        for key, program in current.items():
            if key not in seen and program.project is not None and program.project.slug in projects:
                version = self.versions.get((sheet, key), program.version)
                if self.write(
                    sheet,
                    None,
                    columns,
                    authoring.delete_program,
                    actor=self.actor,
                    project_id=program.project_id,
                    program_id=program.pk,
                    expected_version=version,
                ):
                    self.changes.append(StructureChange("removed", sheet, key, program.name))

    def indicators(self, ed: Edition, projects: dict[str, Project]) -> None:
        sheet, header = INDICATORS, INDICATOR_HEAD
        current = {f"{i.project.slug}/{i.slug}": i for i in ed.indicators}
        seen: set[str] = set()
        columns = {
            "kind": "区分",
            "name": "指標名",
            "unit": "単位",
            "decimal_places": "小数の桁数",
            "direction": "方向",
            "method": "算定方法",
            "baseline_value": "基準値",
            "baseline_fy": "基準年度",
            "target_kind": "目標の種類",
            "target_value": "目標値",
            "target_fy": "目標年度",
            "target_first_fy": "累計の開始年度",
            "year_targets": "中間目標・年度別目標値",
            "parent": "系列をまとめる指標キー",
            "series_name": "系列名",
            "slug": "キー",
            "indicator": "キー",
        }
        for r, row in self.sheets[sheet].rows:
            project = self.project_of(sheet, r, row["プロジェクトキー"], projects)
            if project is None:
                continue
            key = f"{project.slug}/{row['キー']}" if row["キー"] else ""
            if not self.first_time(sheet, r, key, seen):
                continue
            existing = current.get(key)
            old = indicator_row(existing, self.labels) if existing else None
            for h in OPTIONAL_HEADS.intersection(header) - set(row):
                row[h] = old[header.index(h)] if old else ""
            fields = self.diff(header, old, row)
            if existing and not fields:
                continue
            before = len(self.problems)
            codes = {
                "kind": self.code("kind", row["区分"], sheet, r, "区分"),
                "direction": self.code(
                    "direction", row["方向"] or Indicator.Direction.UP, sheet, r, "方向"
                ),
                "method": self.code("method", row["算定方法"], sheet, r, "算定方法"),
                "target_kind": self.code("target_kind", row["目標の種類"], sheet, r, "目標の種類"),
            }
            year_kind = self.code(
                "year_kind",
                row["年度の目標の種類"] or YearTarget.Kind.INTERIM,
                sheet,
                r,
                "年度の目標の種類",
            )
            targets = []
            for item in (t.strip() for t in row["中間目標・年度別目標値"].split(SEP)):
                if not item:
                    continue
                fy, _, value = item.partition(" ")
                if not value.strip():
                    self.problems.append(
                        Located(
                            sheet,
                            r,
                            "中間目標・年度別目標値",
                            gettext("「年度 目標値」の形で書いてください: 「{item}」").format(
                                item=item
                            ),
                        )
                    )
                    continue
                targets.append({"fy": fy, "value": value.strip(), "kind": year_kind})
            if len(self.problems) > before:
                continue
            data = {
                **codes,
                "slug": row["キー"],
                "name": row["指標名"],
                "unit": row["単位"],
                "decimal_places": row["小数の桁数"],
                "baseline_value": row["基準値"],
                "baseline_fy": row["基準年度"],
                "target_value": row["目標値"],
                "target_fy": row["目標年度"],
                "target_first_fy": row["累計の開始年度"],
                "series_name": row["系列名"],
            }
            if row["系列をまとめる指標キー"]:
                parent = Indicator.with_drafts.filter(
                    project=project, slug=row["系列をまとめる指標キー"]
                ).first()
                if parent is None:
                    self.problems.append(
                        Located(
                            sheet,
                            r,
                            "系列をまとめる指標キー",
                            gettext(
                                "同じプロジェクトに指標「{key}」がありません（系列をまとめる指標は、系列より上の行に書きます）"
                            ).format(key=row["系列をまとめる指標キー"]),
                        )
                    )
                    continue
                data["parent"] = str(parent.pk)
            if existing is not None:
                data["actuals_cumulative"] = existing.actuals_cumulative
                data["is_main"] = existing.is_main
            label = row["指標名"] or key
            if existing is None:
                if self.write(
                    sheet,
                    r,
                    columns,
                    indicator_writes.save_indicator,
                    actor=self.actor,
                    project_id=project.pk,
                    data=data,
                    year_targets=targets,
                ):
                    self.changes.append(
                        StructureChange("added", sheet, key or row["指標名"], label, fields)
                    )
            elif existing.project_id != project.pk:
                self.problems.append(
                    Located(
                        sheet,
                        r,
                        "プロジェクトキー",
                        gettext("指標を別のプロジェクトに移すことはできません"),
                    )
                )
            elif not self.conflict(sheet, key, existing.version, r):
                version = self.versions.get((sheet, key), existing.version)
                if self.write(
                    sheet,
                    r,
                    columns,
                    indicator_writes.save_indicator,
                    actor=self.actor,
                    project_id=project.pk,
                    indicator_id=existing.pk,
                    data=data,
                    year_targets=targets,
                    expected_version=version,
                ):
                    self.changes.append(StructureChange("changed", sheet, key, label, fields))
        for key, indicator in current.items():
            if key not in seen and indicator.project.slug in projects:
                version = self.versions.get((sheet, key), indicator.version)
                if self.write(
                    sheet,
                    None,
                    columns,
                    indicator_writes.delete_indicator,
                    actor=self.actor,
                    indicator_id=indicator.pk,
                    expected_version=version,
                ):
                    self.changes.append(StructureChange("removed", sheet, key, indicator.name))


def import_structure(plan: Plan, data: bytes, *, actor: Any, apply: bool) -> StructureResult:
    """Read a structure workbook into ``plan``: the changes it makes and every problem,
    located. Writes only when ``apply`` and there is no problem (all or nothing)."""
    sheets, row_problems = read_sheets(data)
    reader = _Reader(plan, actor, sheets)
    reader.problems.extend(row_problems)
    with transaction.atomic():
        reader.run()
        applied = apply and not reader.problems
        if not applied:
            transaction.set_rollback(True)
    return StructureResult(reader.changes, reader.problems, applied)
