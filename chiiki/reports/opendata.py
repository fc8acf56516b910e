"""Open data: every public table as machine-readable CSV and JSON, with a schema.

Follows the Japanese government's rules for machine-readable tables (「機械判読可能なデータの
表記方法の統一ルール」): one table per file, one header row, no merged cells, no units inside
numeric cells (the unit has its own column), Western years with a 和暦 column beside them,
codes (全国地方公共団体コード, identifiers) as text. CSV is UTF-8 with BOM by default, CP932 on
request; ``datapackage.json`` (Frictionless Data Package) describes every column.

Text cells starting with ``= + - @`` (or a tab or carriage return) are prefixed with ``'`` so
that a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Case, F, Func, Prefetch, TextField, Value, When, Window
from django.db.models.functions import Concat, RowNumber

from chiiki.core.codes import prefecture_code
from chiiki.core.fiscal import MAX_FY, MIN_FY, format_fiscal_year
from chiiki.core.text import FORMULA_STARTS, neutralise
from chiiki.indicators.models import Actual, Contribution, Indicator
from chiiki.plans.models import (
    Bureau,
    Municipality,
    Organization,
    ProgramBudget,
    ProgramSettlement,
    Project,
    Region,
    Source,
)
from chiiki.plans.selectors import settlement_year, with_costs
from chiiki.storage import snapshot
from chiiki.support.models import CooperationArea, SupportFigure

ENCODINGS = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "cp932": "cp932", "shift_jis": "cp932"}
UNENCODABLE = "〓"  # 〓 (geta) is how Japanese print marks a character that cannot be shown
# Characters whose usual Unicode form differs from the one CP932 maps (the "wave dash" family).
CP932_SUBSTITUTES = {"—": "―", "〜": "～", "−": "－", "‖": "∥", "¢": "￠", "£": "￡", "¬": "￢"}


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Frictionless types: string, integer, number, boolean
    title: str  # Japanese column title
    description: str = ""


def _fy_fields(prefix: str, title: str) -> list[Field]:
    return [
        Field(prefix, "integer", f"{title}（西暦）", "年度（4月始まり）の西暦年 / fiscal year"),
        Field(f"{prefix}_wareki", "string", f"{title}（和暦）", "令和3年度 など / Japanese era"),
    ]


def _fy(fy: int | None) -> list[Any]:
    return [fy, format_fiscal_year(fy, "long") if fy else ""]


def _num(value: Decimal | int | None) -> Decimal | int | None:
    if value is None or isinstance(value, int):
        return value
    normal = Decimal(value).normalize()
    return int(normal) if normal == normal.to_integral_value() else normal


@dataclass(frozen=True)
class OpenTable:
    name: str
    title: str
    fields: list[Field]
    rows: Callable[[Organization], Iterable[list[Any]]]


def _regions(org: Organization) -> Iterator[list[Any]]:
    for r in Region.objects.filter(organization=org).order_by("order"):
        yield [org.code, r.slug, r.name, r.order]


def _bureaus(org: Organization) -> Iterator[list[Any]]:
    for b in Bureau.objects.filter(organization=org).select_related("region").order_by("order"):
        yield [
            org.code,
            b.slug,
            b.name,
            b.short_name,
            b.get_kind_display(),
            b.region.slug,
            b.region.name,
            b.seat,
        ]


def _municipalities(org: Organization) -> Iterator[list[Any]]:
    for m in (
        Municipality.objects.filter(organization=org).select_related("bureau").order_by("code")
    ):
        yield [m.code, prefecture_code(m.code), m.name, m.kana, m.bureau.slug, m.bureau.short_name]


def _projects(org: Organization) -> Iterator[list[Any]]:
    projects = (
        Project.objects.filter(plan__organization=org)
        .select_related("plan", "region", "lead_bureau")
        .prefetch_related("other_bureaus")
        .order_by("plan__kind", "-plan__start_fy", "region__order", "order")
    )
    for p in projects:
        yield [
            p.plan.slug,
            p.plan.title,
            p.plan.edition,
            p.slug,
            p.number,
            p.name,
            p.region.name if p.region else "",
            p.lead_bureau.slug if p.lead_bureau else "",
            p.lead_bureau.short_name if p.lead_bureau else "",
            p.lead_bureau_inferred,
            ";".join(b.short_name for b in p.other_bureaus.all()),
        ]


def _budgets(org: Organization) -> Iterator[list[Any]]:
    budgets = (
        ProgramBudget.objects.filter(program__organization=org)
        .select_related("program__project__plan", "program__bureau")
        .order_by("fy", "program__order", "program__pk")
    )
    for b in budgets:
        program, project = b.program, b.program.project
        yield [
            project.plan.slug if project else "",
            project.slug if project else "",
            project.name if project else "",
            program.slug,
            program.name,
            program.get_kind_display(),
            program.bureau.slug if program.bureau else "",
            program.bureau.short_name if program.bureau else "",
            *_fy(b.fy),
            b.amount_thousand_yen,
            "千円",
        ]


def _settlements(org: Organization) -> Iterator[list[Any]]:
    settlements = with_costs(
        ProgramSettlement.objects.filter(program__organization=org)
        .select_related("program__project__plan", "program__bureau")
        .order_by("fy", "program__order", "program__pk")
    )
    for s in settlements:
        program, project = s.program, s.program.project
        year = settlement_year(s)
        funding = year.funding
        yield [
            project.plan.slug if project else "",
            project.slug if project else "",
            program.slug,
            program.name,
            program.bureau.slug if program.bureau else "",
            program.bureau.short_name if program.bureau else "",
            *_fy(s.fy),
            year.initial_budget,
            year.revised_budget,
            year.settled,
            year.unspent,
            *(funding if funding else (None,) * 4),
            _num(year.staff_years),
            year.unit_cost,
            year.staff_cost,
            year.full_cost,
            year.note,
        ]


def _indicators(org: Organization) -> Iterator[list[Any]]:
    indicators = (
        Indicator.objects.filter(project__plan__organization=org)
        .select_related("project__plan", "program")
        .prefetch_related("revisions")
        .order_by("project__plan__slug", "project__order", "order")
    )
    for i in indicators:
        revisions = list(i.revisions.all())
        yield [
            i.key,
            i.project.plan.slug,
            i.project.slug,
            i.project.name,
            i.get_kind_display(),
            i.display_name,
            i.get_name_status_display(),
            i.unit,
            i.get_direction_display(),
            _num(i.baseline_value),
            *_fy(i.baseline_fy),
            i.get_target_kind_display(),
            _num(i.target_value),
            *_fy(i.target_fy),
            _num(revisions[-1].revised_value) if revisions else None,
            i.grade,
            *_fy(i.grade_fy),
            i.published_grade,
            i.program.slug if i.program else "",
        ]


def _contributions(org: Organization) -> Iterator[list[Any]]:
    contributions = (
        Contribution.objects.filter(program__organization=org)
        .select_related("program", "indicator__project__plan")
        .order_by("program__order", "program__pk", "indicator__order", "pk")
    )
    for c in contributions:
        yield [c.program.slug, c.program.name, c.indicator.key, c.indicator.display_name,
               c.assumption]  # fmt: skip


# The file's order: by plan, project and indicator, then year. The ids break ties (two
# projects of one plan with the same order), so that both ways of writing the table agree.
_INDICATOR_ORDER = ("project__plan__slug", "project__order", "project_id", "order", "pk")
_ACTUALS_ORDER = (*(f"indicator__{f}" for f in _INDICATOR_ORDER[:-1]), "indicator_id", "fy")


def _actuals_rows(org: Organization, alias: str) -> Any:
    """The published actuals of ``org`` in file order (the Python path)."""
    return (
        Actual.published.using(alias)
        .filter(indicator__project__plan__organization=org)
        .order_by(*_ACTUALS_ORDER)
    )


def _actuals(org: Organization) -> Iterator[list[Any]]:
    """The biggest table (every actual of every indicator): plain rows streamed from a
    server-side cursor, no model instances, each era label formatted once."""
    alias = router.db_for_read(Actual)
    rows = (
        _actuals_rows(org, alias)
        .values_list(
            "indicator__project__plan__slug",
            "indicator__project__slug",
            "indicator__slug",
            "indicator__name",
            "indicator__name_status",
            "indicator__unit",
            "fy",
            "value",
            "marker",
            "national_value",
            "rate",  # stored already rounded as the plan's grading scheme publishes it
            "published_rate",
        )
        .iterator(chunk_size=20_000)
    )
    era: dict[int, list[Any]] = {}
    with snapshot(alias):
        for plan, project, slug, name, status, unit, fy, value, marker, national, rate, pub in rows:
            year = era.get(fy) or era.setdefault(fy, _fy(fy))
            yield [
                Indicator.key_for(plan, project, slug),
                Indicator.name_for(name, status),
                *year,
                _num(value),
                unit,
                marker,
                _num(national),
                _num(rate),
                _num(pub),
            ]


def _guarded_sql(text: str) -> str:
    """A text cell as the file holds it (PostgreSQL): the formula guard of
    ``core.text.FORMULA_STARTS`` (a leading ``'``), and NULL for empty text (COPY quotes an
    empty string, which the csv module writes bare). ``text`` appears three times."""
    # the starts as an array of code points: constant, and nothing to escape
    starts = "ARRAY[" + ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS) + "]"
    return f"NULLIF(CASE WHEN left({text}, 1) = ANY({starts}) THEN chr(39) || {text} ELSE {text} END, '')"


def _plain_sql(figure: str) -> str:
    """A figure as ``_num`` writes it: no trailing zeros (1.500000 → 1.5, 12.000000 → 12)."""
    return f"trim_scale({figure})::text"


def _era_sql(fy: str) -> tuple[str, list[Any]]:
    """The 和暦 label of a fiscal year (令和3年度), looked up in an array the core formats once
    for every year the system accepts: the era rules stay in one place."""
    labels = [format_fiscal_year(year, "long") for year in range(MIN_FY, MAX_FY + 1)]
    return f"(%s::text[])[{fy} - %s]", [labels, MIN_FY - 1]


class _Guarded(Func):
    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        text, params = compiler.compile(self.source_expressions[0])
        return _guarded_sql(text), (*params, *params, *params)


def _actuals_copy(org: Organization, alias: str) -> Iterator[bytes]:
    """The data lines of the actuals table written by PostgreSQL itself (``COPY … TO STDOUT``):
    each cell rendered in SQL the way :func:`_actuals` and the csv module render it, era labels
    taken from the core, lines ended with CRLF. Byte for byte the same as the careful path
    (tests/test_opendata_copy.py), at the speed of COPY.

    The indicators' cells (key, name, unit) are rendered once per indicator, which are then
    ranked in file order; each indicator's actuals follow from the (indicator, FY) index,
    already in FY order. Nothing wide is sorted: a sort by rank and FY only puts each
    indicator's few rows in order."""
    unknown = Indicator.NameStatus.UNKNOWN
    name = Case(
        When(name_status=unknown, then=Value(Indicator.name_for("", unknown))),
        default=F("name"),
        output_field=TextField(),
    )
    key = Concat(
        "project__plan__slug", Value("/"), "project__slug", Value("/"), "slug",
        output_field=TextField(),
    )  # fmt: skip
    indicators = (
        Indicator.objects.using(alias)
        .filter(project__plan__organization=org)
        .annotate(
            c_id=F("pk"),
            c_key=_Guarded(key),
            c_name=_Guarded(name),
            c_unit=_Guarded("unit"),
            c_rank=Window(RowNumber(), order_by=[F(f).asc() for f in _INDICATOR_ORDER]),
        )
        .order_by("c_rank")
        .values_list("c_id", "c_key", "c_name", "c_unit", "c_rank")
    )
    inner, params = indicators.query.sql_with_params()
    era, era_params = _era_sql("a.fy")
    figures = ", ".join(_plain_sql(f"a.{f}") for f in ("national_value", "rate", "published_rate"))
    sql = (
        f"SELECT i.c_key, i.c_name, a.fy, {era}, {_plain_sql('a.value')}, i.c_unit,"  # noqa: S608  # nosec B608  # fixed names
        f" {_guarded_sql('a.marker')}, {figures}"
        f" FROM ({inner} OFFSET 0) i CROSS JOIN LATERAL ("
        f"SELECT fy, value, marker, national_value, rate, published_rate"
        f" FROM {Actual._meta.db_table} WHERE indicator_id = i.c_id ORDER BY fy) a"
        " ORDER BY i.c_rank, a.fy"
    )
    ends = _CrLf()
    pending: list[bytes] = []
    size = 0
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # JIT compiling costs more than this query takes: its estimate counts every
        # indicator's index walk, and one per organization would pay it each time.
        # (Set back afterwards: the transaction may be a caller's.)
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = cursor.fetchone()[0]
        # psycopg's own cursor: it binds the parameters of a COPY on the client (Django's
        # debug wrapper, in development, passes a statement without them)
        with cursor.cursor.copy(
            f"COPY ({sql}) TO STDOUT (FORMAT csv)", [*era_params, *params]
        ) as copy:
            for block in copy:
                pending.append(ends(bytes(block)))
                size += len(block)
                if size > 64_000:
                    yield b"".join(pending)
                    pending, size = [], 0
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    if pending:
        yield b"".join(pending)


class _CrLf:
    """COPY ends CSV lines with LF; the csv module (and RFC 4180) with CRLF. A line feed inside
    a quoted cell stays as it is: the quotes seen so far, across blocks, tell which is which."""

    def __init__(self) -> None:
        self.quoted = False

    def __call__(self, block: bytes) -> bytes:
        if b'"' not in block:
            return block if self.quoted else block.replace(b"\n", b"\r\n")
        parts = block.split(b'"')
        for i, part in enumerate(parts):
            if i:
                self.quoted = not self.quoted
            if not self.quoted:
                parts[i] = part.replace(b"\n", b"\r\n")
        return b'"'.join(parts)


def _support(org: Organization) -> Iterator[list[Any]]:
    figures = (
        SupportFigure.objects.filter(scheme__organization=org)
        .select_related("scheme")
        .order_by("scheme__order", "metric", "fy")
    )
    for f in figures:
        yield [
            f.scheme.slug,
            f.scheme.name,
            f.scheme.get_category_display(),
            *_fy(f.fy),
            f.get_metric_display(),
            _num(f.value),
            f.unit,
            _num(f.continuing),
        ]


def _areas(org: Organization) -> Iterator[list[Any]]:
    areas = (
        CooperationArea.objects.filter(organization=org)
        .order_by("order")
        .prefetch_related(Prefetch("members", queryset=Municipality.objects.order_by("code")))
    )
    for a in areas:
        for m in a.members.all():
            yield [a.slug, a.name, a.get_kind_display(), *_fy(a.start_fy), m.code, m.name]


TABLES: dict[str, OpenTable] = {
    t.name: t
    for t in [
        OpenTable(
            "regions",
            "連携地域",
            [
                Field(
                    "organization_code",
                    "string",
                    "団体コード",
                    "都道府県の全国地方公共団体コード（6桁）",
                ),
                Field("region_id", "string", "連携地域の識別子"),
                Field("region_name", "string", "連携地域"),
                Field("order", "integer", "表示順"),
            ],
            _regions,
        ),
        OpenTable(
            "bureaus",
            "総合振興局・振興局",
            [
                Field("organization_code", "string", "団体コード"),
                Field("bureau_id", "string", "振興局の識別子"),
                Field("bureau_name", "string", "名称"),
                Field("bureau_short_name", "string", "略称"),
                Field("bureau_kind", "string", "種別", "総合振興局 / 振興局"),
                Field("region_id", "string", "連携地域の識別子"),
                Field("region_name", "string", "連携地域"),
                Field("seat", "string", "所在地"),
            ],
            _bureaus,
        ),
        OpenTable(
            "municipalities",
            "市町村",
            [
                Field(
                    "local_government_code",
                    "string",
                    "全国地方公共団体コード",
                    "検査数字を含む6桁（文字列）",
                ),
                Field("prefecture_code", "string", "都道府県コード"),
                Field("municipality_name", "string", "市町村名"),
                Field("municipality_kana", "string", "市町村名（よみ）"),
                Field("bureau_id", "string", "振興局の識別子"),
                Field("bureau_name", "string", "振興局"),
            ],
            _municipalities,
        ),
        OpenTable(
            "projects",
            "プロジェクト",
            [
                Field("plan_id", "string", "計画の識別子"),
                Field("plan_title", "string", "計画"),
                Field("plan_edition", "string", "版"),
                Field("project_id", "string", "プロジェクトの識別子"),
                Field("project_number", "integer", "番号"),
                Field("project_name", "string", "プロジェクト"),
                Field("region_name", "string", "連携地域"),
                Field("lead_bureau_id", "string", "主担当の振興局の識別子"),
                Field("lead_bureau_name", "string", "主担当の振興局"),
                Field(
                    "lead_bureau_inferred", "boolean", "主担当は推定", "出典が明記せず推定したもの"
                ),
                Field("other_bureaus", "string", "連携する振興局", "セミコロン区切り"),
            ],
            _projects,
        ),
        OpenTable(
            "budgets",
            "事業の予算額",
            [
                Field("plan_id", "string", "計画の識別子"),
                Field("project_id", "string", "プロジェクトの識別子"),
                Field("project_name", "string", "プロジェクト"),
                Field("program_id", "string", "事業の識別子"),
                Field("program_name", "string", "事業名"),
                Field("program_kind", "string", "事業の種別"),
                Field("bureau_id", "string", "実施する振興局の識別子"),
                Field("bureau_name", "string", "実施する振興局"),
                *_fy_fields("fy", "年度"),
                Field("amount", "integer", "予算額", "単位は unit 列（千円）"),
                Field("unit", "string", "単位"),
            ],
            _budgets,
        ),
        OpenTable(
            "settlements",
            "事業の決算額・人工・フルコスト",
            [
                Field("plan_id", "string", "計画の識別子"),
                Field("project_id", "string", "プロジェクトの識別子"),
                Field("program_id", "string", "事業の識別子"),
                Field("program_name", "string", "事業名"),
                Field("bureau_id", "string", "実施する振興局の識別子"),
                Field("bureau_name", "string", "実施する振興局"),
                *_fy_fields("fy", "年度"),
                Field("initial_budget", "integer", "当初予算額", "千円（budgets 表の予算額）"),
                Field("revised_budget", "integer", "補正後予算額", "千円。補正がなければ空欄"),
                Field("settled", "integer", "決算額", "千円"),
                Field(
                    "unspent", "integer", "不用額", "千円。予算額（補正後があれば補正後）−決算額"
                ),
                Field("national_funds", "integer", "財源: 国庫支出金", "千円。内訳不明は空欄"),
                Field("bond_funds", "integer", "財源: 地方債", "千円"),
                Field("other_funds", "integer", "財源: その他", "千円"),
                Field("general_funds", "integer", "財源: 一般財源", "千円"),
                Field("staff_years", "number", "人工", "人年"),
                Field("staff_unit_cost", "integer", "人件費単価", "千円／人年（その年度）"),
                Field("staff_cost", "integer", "人件費", "千円。人工×人件費単価"),
                Field("full_cost", "integer", "フルコスト", "千円。決算額＋人件費"),
                Field("note", "string", "差額の理由"),
            ],
            _settlements,
        ),
        OpenTable(
            "indicators",
            "数値目標・KPI",
            [
                Field("indicator_key", "string", "指標キー", "計画/プロジェクト/指標の識別子"),
                Field("plan_id", "string", "計画の識別子"),
                Field("project_id", "string", "プロジェクトの識別子"),
                Field("project_name", "string", "プロジェクト"),
                Field("indicator_kind", "string", "区分", "数値目標 / KPI"),
                Field("indicator_name", "string", "指標名"),
                Field(
                    "name_status", "string", "名称の状態", "公表どおり / 本文から推定 / 名称不明"
                ),
                Field("unit", "string", "単位"),
                Field("direction", "string", "方向"),
                Field("baseline_value", "number", "基準値"),
                *_fy_fields("baseline_fy", "基準年度"),
                Field("target_kind", "string", "目標の種類"),
                Field("target_value", "number", "目標値", "全国水準などの目標は空欄"),
                *_fy_fields("target_fy", "目標年度"),
                Field("revised_target_value", "number", "見直し後の目標値"),
                Field("grade", "string", "進捗（計算）", "A①〜B など、評価区分による"),
                *_fy_fields("grade_fy", "評価の年度"),
                Field("published_grade", "string", "進捗（公表資料）"),
                Field(
                    "program_id",
                    "string",
                    "事業の識別子",
                    "活動指標・成果指標が属する事業（数値目標・KPIは空欄）",
                ),
            ],
            _indicators,
        ),
        OpenTable(
            "contributions",
            "事業のKPIへの寄与（ロジックモデル）",
            [
                Field("program_id", "string", "事業の識別子"),
                Field("program_name", "string", "事業名"),
                Field("indicator_key", "string", "寄与するKPI・数値目標の指標キー"),
                Field("indicator_name", "string", "指標名"),
                Field("assumption", "string", "想定する効果の経路"),
            ],
            _contributions,
        ),
        OpenTable(
            "actuals",
            "実績値と進捗率",
            [
                Field("indicator_key", "string", "指標キー"),
                Field("indicator_name", "string", "指標名"),
                *_fy_fields("fy", "年度"),
                Field("value", "number", "実績値", "単位は unit 列。欠測は空欄で marker に理由"),
                Field("unit", "string", "単位"),
                Field("marker", "string", "欠測の理由", "未 = 未公表、— = 該当なし・調査なし"),
                Field("national_value", "number", "全国値"),
                Field("rate_percent", "number", "進捗率（%・計算）"),
                Field("published_rate_percent", "number", "進捗率（%・公表資料）"),
            ],
            _actuals,
        ),
        OpenTable(
            "support_figures",
            "市町村支援の予算額・派遣者数",
            [
                Field("scheme_id", "string", "制度の識別子"),
                Field("scheme_name", "string", "制度"),
                Field("category", "string", "区分"),
                *_fy_fields("fy", "年度"),
                Field("metric", "string", "項目"),
                Field("value", "number", "値"),
                Field("unit", "string", "単位"),
                Field("continuing", "number", "うち前年度から継続"),
            ],
            _support,
        ),
        OpenTable(
            "cooperation_areas",
            "市町村の連携地域と構成市町村",
            [
                Field("area_id", "string", "連携地域の識別子"),
                Field("area_name", "string", "連携地域"),
                Field("area_kind", "string", "種別"),
                *_fy_fields("start_fy", "開始年度"),
                Field("local_government_code", "string", "構成市町村の全国地方公共団体コード"),
                Field("municipality_name", "string", "構成市町村"),
            ],
            _areas,
        ),
    ]
}


def table(name: str) -> OpenTable:
    try:
        return TABLES[name]
    except KeyError:
        raise LookupError(f"オープンデータの表「{name}」はありません") from None


def _cell(value: Any, field: Field, written: Callable[[str], str] = _as_is) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return neutralise(written(str(value))) if field.type == "string" else str(value)


def _cells(
    t: OpenTable, written: Callable[[str], str] = _as_is
) -> Callable[[list[Any]], list[Any]]:
    """The row → CSV cells function of a table. ``written`` turns a text into what the file
    will hold (CP932: characters it lacks replaced), and the formula guard looks at that.
    Tables of only strings and numbers take the fast path: the csv module writes None as ""
    and numbers itself (``_num`` gives ints or normalized Decimals, whose str() is plain
    decimal text), so only text cells are touched."""
    if any(f.type not in ("string", "number", "integer") for f in t.fields):
        return lambda row: [_cell(v, f, written) for v, f in zip(row, t.fields, strict=True)]
    texts = [i for i, f in enumerate(t.fields) if f.type == "string"]

    def fast(row: list[Any]) -> list[Any]:
        for i in texts:
            value = row[i]
            if value is not None and value != "":
                text = written(value if isinstance(value, str) else str(value))
                row[i] = "'" + text if text.startswith(FORMULA_STARTS) else text
        return row

    return fast


def _cp932_safe(text: str, replaced: Counter[tuple[str, str]] | None = None) -> str:
    """``text`` with each character CP932 lacks replaced: its CP932 form (wave-dash family),
    else its NFKC form when CP932 has that, else 〓. ``replaced`` counts each (character, what
    it became)."""
    try:
        text.encode("cp932")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        for candidate in (ch, CP932_SUBSTITUTES.get(ch) or unicodedata.normalize("NFKC", ch)):
            try:
                candidate.encode("cp932")
            except UnicodeEncodeError:
                continue
            out.append(candidate)
            break
        else:
            candidate = UNENCODABLE
            out.append(candidate)
        if replaced is not None and candidate != ch:
            replaced[ch, candidate] += 1
    return "".join(out)


def csv_lines(
    org: Organization,
    name: str,
    encoding: str = "utf-8",
    replaced: Counter[tuple[str, str]] | None = None,
    *,
    database_rendered: bool = True,
) -> Iterator[bytes]:
    """The table as CSV, a line at a time (for streaming), in ``utf-8`` (BOM) or ``cp932``;
    in CP932, ``replaced`` counts the characters it had to replace. On PostgreSQL the UTF-8
    actuals are written by the database (``database_rendered=False``: by Python, as elsewhere;
    the bytes are the same)."""
    codec = ENCODINGS.get(encoding.lower())
    if codec is None:
        raise LookupError(f"文字コード「{encoding}」には対応していません（utf-8 または cp932）")
    t = table(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return _cp932_safe(text).encode("cp932") if codec == "cp932" else text.encode("utf-8")

    def safe(text: str) -> str:
        return _cp932_safe(text, replaced)

    writer.writerow([f.name for f in t.fields])
    head = flush()
    yield (b"\xef\xbb\xbf" + head) if codec == "utf-8-sig" else head
    alias = router.db_for_read(Actual)
    by_database = database_rendered and connections[alias].vendor == "postgresql"
    if name == "actuals" and codec == "utf-8-sig" and by_database:
        # the biggest table, written by the database (CP932 keeps the careful path: it counts
        # and replaces the characters CP932 lacks)
        yield from _actuals_copy(org, alias)
        return
    # In CP932 each text cell is converted before the formula guard sees it: 「﹦」 becomes
    # 「=」 in the file, so it must be guarded as 「=」.
    cells = _cells(t, safe if codec == "cp932" else _as_is)
    for row in t.rows(org):
        writer.writerow(cells(row))
        if buffer.tell() > 64_000:
            yield flush()
    if buffer.tell():
        yield flush()


def cp932_replacements(org: Organization) -> list[tuple[str, str, str, int]]:
    """(table title, character, what it becomes, cells) for each character the CP932 files of
    ``org`` replace, as the open-data page lists them."""
    out = []
    for name, t in TABLES.items():
        counts: Counter[tuple[str, str]] = Counter()
        for _chunk in csv_lines(org, name, "cp932", counts):
            pass
        out += [(t.title, char, written, n) for (char, written), n in sorted(counts.items())]
    return out


def csv_bytes(org: Organization, name: str, encoding: str = "utf-8") -> bytes:
    return b"".join(csv_lines(org, name, encoding))


def _json_value(value: Any) -> Any:
    # _num already turned whole figures into int; what is left is a fraction
    return float(value) if isinstance(value, Decimal) else value


JSON_CHUNK = 64_000  # characters of rows gathered before a chunk is sent


def json_lines(org: Organization, name: str) -> Iterator[bytes]:
    """The table as JSON — ``{"table", "title", "fields", "rows": [{column: value}]}``, laid out
    as ``json.dumps(…, indent=1)`` lays it out — in chunks, never holding the whole table: the
    memory stays flat whatever the number of rows."""
    t = table(name)
    doc = {"table": t.name, "title": t.title, "fields": [f.name for f in t.fields], "rows": []}
    head = json.dumps(doc, ensure_ascii=False, indent=1)
    assert head.endswith('"rows": []\n}')
    prefix = head[: -len("[]\n}")]
    names = [f.name for f in t.fields]
    parts: list[str] = []
    size = 0
    first = True
    for row in t.rows(org):
        item = json.dumps(
            {n: _json_value(v) for n, v in zip(names, row, strict=True)},
            ensure_ascii=False,
            indent=1,
        )
        # an item of "rows" sits two levels in: every line of it indented by two more spaces
        text = ("[\n  " if first else ",\n  ") + item.replace("\n", "\n  ")
        first = False
        parts.append(text)
        size += len(text)
        if size > JSON_CHUNK:
            if prefix:
                yield prefix.encode("utf-8")
                prefix = ""
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    tail = "".join(parts) + ("[]\n}" if first else "\n ]\n}")
    yield (prefix + tail).encode("utf-8")


def json_bytes(org: Organization, name: str) -> bytes:
    return b"".join(json_lines(org, name))


# The key of each table's rows, and the columns that refer to another table's key (one
# organization's files: identifiers are unique within them). Declared in the datapackage so
# a reader can join the files; tests/test_reports.py checks that the data keeps them.
KEYS: dict[str, tuple[list[str], list[tuple[list[str], str, list[str]]]]] = {
    "regions": (["region_id"], []),
    "bureaus": (["bureau_id"], [(["region_id"], "regions", ["region_id"])]),
    "municipalities": (["local_government_code"], [(["bureau_id"], "bureaus", ["bureau_id"])]),
    "projects": (["plan_id", "project_id"], []),
    "budgets": (["program_id", "fy"], [(["plan_id", "project_id"], "projects",
                                         ["plan_id", "project_id"])]),
    "settlements": (["program_id", "fy"], [(["plan_id", "project_id"], "projects",
                                             ["plan_id", "project_id"])]),
    "indicators": (["indicator_key"], [(["plan_id", "project_id"], "projects",
                                        ["plan_id", "project_id"])]),
    "actuals": (["indicator_key", "fy"], [(["indicator_key"], "indicators", ["indicator_key"])]),
    "contributions": (["program_id", "indicator_key"],
                      [(["indicator_key"], "indicators", ["indicator_key"])]),
    "cooperation_areas": (["area_id", "local_government_code"], []),
}  # fmt: skip


def _keys(name: str) -> dict[str, Any]:
    if name not in KEYS:
        return {}
    primary, foreign = KEYS[name]
    return {
        "primaryKey": primary,
        **(
            {
                "foreignKeys": [
                    {"fields": fields, "reference": {"resource": other, "fields": theirs}}
                    for fields, other, theirs in foreign
                ]
            }
            if foreign
            else {}
        ),
    }


def datapackage(org: Organization, encoding: str = "utf-8") -> dict[str, Any]:
    """A Frictionless Data Package describing every CSV file and column.

    The encodings are named as Python, pandas and frictionless read them: ``utf-8`` (the
    files start with a BOM, which those readers skip, so Excel opens them right) and ``cp932``
    (IANA's name for it is Windows-31J, which the site sends as the HTTP charset, but Python's
    codecs do not know that name)."""
    enc = "cp932" if ENCODINGS.get(encoding.lower()) == "cp932" else "utf-8"
    return {
        "profile": "tabular-data-package",
        "name": f"chiiki-{org.slug}",
        "title": f"{org.name} 地域政策の計画・予算・指標",
        "licenses": [{"name": "CC-BY-4.0", "title": "クリエイティブ・コモンズ 表示 4.0 国際"}],
        "sources": [
            {"title": s.citation, **({"path": s.url} if s.url else {})}
            for s in Source.objects.filter(organization=org).order_by("fy", "slug")
        ],
        "resources": [
            {
                "name": t.name,
                "title": t.title,
                "path": f"{t.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": enc,
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
                "schema": {
                    "fields": [
                        {
                            "name": f.name,
                            "type": f.type,
                            "title": f.title,
                            **({"description": f.description} if f.description else {}),
                        }
                        for f in t.fields
                    ],
                    **_keys(t.name),
                },
            }
            for t in TABLES.values()
        ],
    }
