"""What the API returns and accepts. Every field says what it is in Japanese and English.

Figures (基準値, 目標値, 実績値, 進捗率, 予測 …) are decimal *strings* ("7250", "75.5"): exact,
never rounded through a binary float; a forecast is given at the indicator's decimal places, as
the page shows it. Rates, grades and forecasts are computed by chiiki and appear
only in responses; no input schema has a field for them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from chiiki.api.errors import d
from chiiki.core.costs import CostYear
from chiiki.core.fiscal import format_fiscal_year
from chiiki.plans.selectors import settlement_year


def figure(value: Decimal | None) -> str | None:
    """Canonical decimal text: 7250.000000 → "7250", 75.50 → "75.5"."""
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


def projected(value: float, places: int) -> str:
    """A computed figure at the indicator's decimal places, as the page prints it: 12.46 → "12.5"."""
    return figure(Decimal(value).quantize(Decimal(1).scaleb(-places)))  # type: ignore[return-value]


def slug_of(obj: Any) -> str | None:
    return obj.slug if obj is not None else None


FY = d("年度（西暦の開始年、2023 = 令和5年度）", "Fiscal year (the year it starts in; 2023 = R5)")


class OrganizationOut(Schema):
    id: int
    code: str = Field(description=d("団体コード（6桁）", "Local government code (6 digits)"))
    slug: str = Field(description=d("識別子", "Identifier used in filters"))
    name: str = Field(description=d("名称", "Name"))


class RegionOut(Schema):
    id: int
    organization: str = Field(description=d("団体の識別子", "Organization slug"))
    slug: str
    name: str = Field(description=d("連携地域の名称", "Cooperation region name"))
    order: int

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)


class BureauOut(Schema):
    id: int
    organization: str = Field(description=d("団体の識別子", "Organization slug"))
    region: str = Field(description=d("連携地域の識別子", "Region slug"))
    slug: str
    name: str = Field(description=d("振興局の名称", "Bureau name"))
    short_name: str = Field(description=d("略称", "Short name"))
    kind: str = Field(description=d("general=総合振興局, sub=振興局", "general or sub bureau"))
    seat: str = Field(description=d("所在地", "Seat (town)"))

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return str(obj.region.slug)


class MunicipalityOut(Schema):
    id: int
    organization: str
    bureau: str = Field(description=d("所管の振興局の識別子", "Slug of the bureau it belongs to"))
    code: str = Field(
        description=d("全国地方公共団体コード（6桁の文字列）", "Local government code (text)")
    )
    name: str
    kana: str = Field(description=d("よみ", "Reading in kana"))

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)

    @staticmethod
    def resolve_bureau(obj: Any) -> str:
        return str(obj.bureau.slug)


class PlanOut(Schema):
    id: int
    organization: str
    slug: str
    kind: str = Field(
        description=d(
            "regional_policy=連携地域別政策展開方針, creation_strategy=北海道創生総合戦略, "
            "comprehensive=総合計画",
            "Plan kind",
        )
    )
    edition: str = Field(description=d("版", "Edition"))
    title: str
    start_fy: int | None = Field(description=FY)
    end_fy: int | None = Field(description=FY)
    grading_scheme: str = Field(description=d("評価区分の名前", "Grading scheme name"))
    status: str = Field(
        description=d(
            "draft=作成中（職員のみ）, adopted=策定済み, superseded=次の版に移行済み",
            "Edition status: draft (staff only), adopted, superseded",
        )
    )
    version: int = Field(description=d("版数（If-Match に使う）", "Version, for If-Match"))

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)


class ProjectOut(Schema):
    id: int
    plan: str = Field(description=d("計画の識別子", "Plan slug"))
    slug: str
    number: int | None = Field(description=d("番号", "Number in the plan"))
    name: str
    region: str | None = Field(description=d("連携地域の識別子", "Region slug"))
    lead_bureau: str | None = Field(description=d("主担当の振興局", "Lead bureau slug"))
    lead_bureau_inferred: bool = Field(
        description=d("主担当は出典からの推定", "Lead bureau inferred, not stated by the source")
    )
    other_bureaus: list[str] = Field(description=d("連携する振興局", "Other bureaus taking part"))
    theme: str = Field(description=d("テーマ・着眼点", "Theme"))
    summary: str = Field(description=d("概要", "Summary"))
    version: int = Field(description=d("版数（If-Match に使う）", "Version, for If-Match"))

    @staticmethod
    def resolve_plan(obj: Any) -> str:
        return str(obj.plan.slug)

    @staticmethod
    def resolve_region(obj: Any) -> str | None:
        return slug_of(obj.region)

    @staticmethod
    def resolve_lead_bureau(obj: Any) -> str | None:
        return slug_of(obj.lead_bureau)

    @staticmethod
    def resolve_other_bureaus(obj: Any) -> list[str]:
        return [b.slug for b in obj.other_bureaus.all()]


class MeasureOut(Schema):
    id: int
    project: int = Field(description=d("プロジェクトのID", "Project id"))
    group: str = Field(description=d("施策の柱", "Group heading"))
    title: str = Field(description=d("施策", "Measure"))
    description: str

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return int(obj.project_id)


class BudgetOut(Schema):
    program: int = Field(description=d("事業のID", "Program id"))
    fy: int = Field(description=FY)
    amount_thousand_yen: int = Field(description=d("予算額（千円）", "Budget (thousand yen)"))
    version: int = Field(
        description=d("版（If-Match で送る値）", "Version, sent back in If-Match to change it")
    )

    @staticmethod
    def resolve_program(obj: Any) -> int:
        return int(obj.program_id)


def cost_year(obj: Any) -> CostYear:
    """A settlement (read through ``plans.selectors.with_costs``) as its program-year, built
    once per row however many fields read it."""
    year = getattr(obj, "_cost_year", None)
    if year is None:
        year = obj._cost_year = settlement_year(obj)
    return year


class FundingOut(Schema):
    national: int = Field(description=d("国庫支出金（千円）", "National treasury funds"))
    bonds: int = Field(description=d("地方債（千円）", "Local bonds"))
    other: int = Field(description=d("その他（千円）", "Other sources"))
    general: int = Field(description=d("一般財源（千円）", "General revenue"))


class SettlementOut(Schema):
    """One program's year-end figures, with what follows from them (null: not known)."""

    program: int = Field(description=d("事業のID", "Program id"))
    fy: int = Field(description=FY)
    initial_budget_thousand_yen: int | None = Field(
        description=d("当初予算額（千円、予算額の表から）", "Initial budget (from the budgets)")
    )
    revised_budget_thousand_yen: int | None = Field(
        description=d("補正後予算額（千円）", "Budget after supplementary budgets")
    )
    settled_thousand_yen: int = Field(description=d("決算額（千円）", "Settled amount"))
    unspent_thousand_yen: int | None = Field(
        description=d(
            "不用額＝予算額（補正後があれば補正後）−決算額", "Budget (revised if any) − settled"
        )
    )
    note: str = Field(description=d("差額の理由", "Why the settled amount differs"))
    funding: FundingOut | None = Field(
        description=d("決算額の財源内訳（不明なら null）", "Sources of the settled amount")
    )
    staff_years: str | None = Field(description=d("人工（人年）", "Staff time, person-years"))
    staff_unit_cost_thousand_yen: int | None = Field(
        description=d("その年度の人件費単価（千円／人年）", "Unit cost of a person-year")
    )
    staff_cost_thousand_yen: int | None = Field(
        description=d("人件費＝人工×人件費単価（千円）", "Staff time × unit cost")
    )
    full_cost_thousand_yen: int | None = Field(
        description=d("フルコスト＝決算額＋人件費（千円）", "Settled amount + staff cost")
    )
    version: int = Field(
        description=d("版（If-Match で送る値）", "Version, sent back in If-Match to change it")
    )

    @staticmethod
    def resolve_program(obj: Any) -> int:
        return int(obj.program_id)

    @staticmethod
    def resolve_initial_budget_thousand_yen(obj: Any) -> int | None:
        return cost_year(obj).initial_budget

    @staticmethod
    def resolve_unspent_thousand_yen(obj: Any) -> int | None:
        return cost_year(obj).unspent

    @staticmethod
    def resolve_funding(obj: Any) -> Any:
        return cost_year(obj).funding

    @staticmethod
    def resolve_staff_years(obj: Any) -> str | None:
        return figure(obj.staff_years)

    @staticmethod
    def resolve_staff_unit_cost_thousand_yen(obj: Any) -> int | None:
        return cost_year(obj).unit_cost

    @staticmethod
    def resolve_staff_cost_thousand_yen(obj: Any) -> int | None:
        return cost_year(obj).staff_cost

    @staticmethod
    def resolve_full_cost_thousand_yen(obj: Any) -> int | None:
        return cost_year(obj).full_cost


class StaffUnitCostOut(Schema):
    fy: int = Field(description=FY)
    thousand_yen: int = Field(description=d("人件費単価（千円／人年）", "Cost of a person-year"))
    version: int = Field(
        description=d("版（If-Match で送る値）", "Version, sent back in If-Match to change it")
    )


class ProgramOut(Schema):
    id: int
    organization: str
    slug: str
    kind: str = Field(
        description=d("project=プロジェクトの事業, bureau_original=振興局独自事業", "Kind")
    )
    project: int | None = Field(description=d("プロジェクトのID", "Project id"))
    bureau: str | None = Field(description=d("実施する振興局", "Bureau running it"))
    name: str = Field(description=d("事業名", "Program name"))
    description: str
    budgets: list[BudgetOut] = Field(description=d("年度別の予算額", "Budget by fiscal year"))
    version: int = Field(description=d("版数（If-Match に使う）", "Version, for If-Match"))

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)

    @staticmethod
    def resolve_project(obj: Any) -> int | None:
        return obj.project_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_bureau(obj: Any) -> str | None:
        return slug_of(obj.bureau)

    @staticmethod
    def resolve_budgets(obj: Any) -> list[Any]:
        return list(obj.budgets.all())


class ActualOut(Schema):
    indicator: int = Field(description=d("指標のID", "Indicator id"))
    fy: int = Field(description=FY)
    fy_label: str = Field(description=d("和暦の年度", "Fiscal year in the Japanese era"))
    value: str | None = Field(description=d("実績値（指標の単位）", "Actual, in the unit"))
    marker: str = Field(
        description=d(
            "値がない理由: 未=未公表, —=調査なし（値があれば空）",
            "Why there is no value: 未 not yet published, — not surveyed",
        )
    )
    national_value: str | None = Field(description=d("全国値", "National value"))
    rate: str | None = Field(
        description=d("進捗率（%、計算値・入力不可）", "Progress rate %, computed, read-only")
    )
    rate_reason: str = Field(
        description=d("進捗率を計算できない理由", "Why no rate could be computed")
    )
    published_rate: str | None = Field(
        description=d("公表資料の進捗率（%）", "Rate printed in the published report")
    )
    version: int = Field(description=d("版（If-Match で送る値）", "Version, for If-Match"))
    updated_at: dt.datetime | None

    @staticmethod
    def resolve_indicator(obj: Any) -> int:
        return int(obj.indicator_id)

    @staticmethod
    def resolve_fy_label(obj: Any) -> str:
        return format_fiscal_year(obj.fy)

    @staticmethod
    def resolve_value(obj: Any) -> str | None:
        return figure(obj.value)

    @staticmethod
    def resolve_national_value(obj: Any) -> str | None:
        return figure(obj.national_value)

    @staticmethod
    def resolve_rate(obj: Any) -> str | None:
        return figure(obj.rate)

    @staticmethod
    def resolve_published_rate(obj: Any) -> str | None:
        return figure(obj.published_rate)


class IndicatorOut(Schema):
    id: int
    key: str = Field(description=d("計画/プロジェクト/指標 の識別子", "plan/project/indicator key"))
    project: int = Field(description=d("プロジェクトのID", "Project id"))
    also_listed_in: list[int] = Field(
        description=d(
            "この指標を表に掲載している他のプロジェクトのID（一つの指標を複数の表に掲載する場合）",
            "Ids of other projects whose table also lists this indicator",
        )
    )
    kind: str = Field(
        description=d(
            "numeric_goal=数値目標, kpi=KPI, activity=事業の活動指標, outcome=事業の成果指標",
            "numeric_goal, kpi, or a program's activity / outcome indicator",
        )
    )
    program: int | None = Field(
        description=d(
            "活動指標・成果指標が属する事業のID", "Program of an activity/outcome indicator"
        )
    )
    name: str = Field(description=d("指標名", "Indicator name"))
    unit: str = Field(description=d("単位（千人, %, 億円 …）", "Unit"))
    decimal_places: int = Field(description=d("表示の小数桁数", "Decimal places as published"))
    direction: str = Field(description=d("up=増加が望ましい, down=減少", "Desired direction"))
    baseline_value: str | None = Field(description=d("基準値", "Baseline value"))
    baseline_fy: int | None = Field(description=d("基準年度", "Baseline fiscal year"))
    target_kind: str = Field(description=d("目標の種類", "Target kind"))
    target_value: str | None = Field(description=d("当初の目標値", "Original target"))
    revised_target_value: str | None = Field(
        description=d("見直し後の目標値（見直しがなければ null）", "Revised target, if revised")
    )
    target_fy: int | None = Field(description=d("目標年度", "Target fiscal year"))
    grade: str = Field(
        description=d("進捗評価（A①/A②/A③/B など、計算値・入力不可）", "Grade, computed, read-only")
    )
    grade_fy: int | None = Field(description=d("評価の年度", "Fiscal year graded"))
    grade_reason: str = Field(description=d("評価できない理由", "Why it could not be graded"))
    published_grade: str = Field(description=d("公表資料の評価", "Grade printed in the report"))
    parent: int | None = Field(
        description=d(
            "系列をまとめる指標のID（この指標が系列のとき）",
            "Id of the indicator this one is a series of",
        )
    )
    series_name: str = Field(
        description=d("系列名（小学校・中学校 …、系列でなければ空）", "Series name, if a series")
    )
    version: int = Field(description=d("版数（If-Match に使う）", "Version, for If-Match"))

    @staticmethod
    def resolve_program(obj: Any) -> int | None:
        return obj.program_id

    @staticmethod
    def resolve_parent(obj: Any) -> int | None:
        return int(obj.parent_id) if obj.parent_id else None

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return int(obj.project_id)

    @staticmethod
    def resolve_also_listed_in(obj: Any) -> list[int]:
        return sorted(li.project_id for li in obj.listings.all())

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.display_name)

    @staticmethod
    def resolve_baseline_value(obj: Any) -> str | None:
        return figure(obj.baseline_value)

    @staticmethod
    def resolve_target_value(obj: Any) -> str | None:
        return figure(obj.target_value)

    @staticmethod
    def resolve_revised_target_value(obj: Any) -> str | None:
        revisions = list(obj.revisions.all())
        return figure(revisions[-1].revised_value) if revisions else None


class ForecastOut(Schema):
    fy: int = Field(description=d("予測する年度（目標年度）", "Fiscal year projected to"))
    point: str = Field(
        description=d(
            "予測値（指標の表示桁数で丸めた10進数の文字列。画面と同じ値）",
            "Projected value: a decimal string at the indicator's decimal places, as on the page",
        )
    )
    low: str | None = Field(
        description=d(
            "予測区間の下限（見積もれないときは null）",
            "Lower bound of the interval (null when it cannot be estimated)",
        )
    )
    high: str | None = Field(
        description=d(
            "予測区間の上限（見積もれないときは null）",
            "Upper bound of the interval (null when it cannot be estimated)",
        )
    )
    level: str = Field(description=d('予測区間の水準（"0.8" = 80%）', 'Interval level ("0.8")'))
    model: str = Field(description=d("選んだモデル", "Model chosen"))
    status: str | None = Field(
        description=d(
            "on_track=達成見込み, at_risk=不確実, off_track=未達見込み",
            "on_track, at_risk or off_track",
        )
    )
    note: str


class IndicatorDetailOut(IndicatorOut):
    actuals: list[ActualOut] = Field(description=d("年度別の実績値", "Actuals by fiscal year"))
    forecast: ForecastOut | None = Field(
        description=d(
            "目標年度の予測（計算値・実績3年分から）", "Projection to the target year, computed"
        )
    )


class ProgramReviewOut(Schema):
    program: int = Field(description=d("事業のID", "Program id"))
    self_evaluation: str = Field(description=d("自己評価", "Self-evaluation"))
    direction: str = Field(
        description=d(
            "expand=拡充, continue=継続, improve=改善, reduce=縮小, abolish=廃止",
            "Direction from next year",
        )
    )
    reason: str = Field(description=d("方向性の理由", "Why"))

    @staticmethod
    def resolve_program(obj: Any) -> int:
        return int(obj.program_id)


class EvaluationOut(Schema):
    id: int
    project: int = Field(description=d("プロジェクトのID", "Project id"))
    fy: int = Field(description=d("評価対象年度", "Fiscal year evaluated"))
    analysis: list[str] = Field(description=d("分析と課題（1項目ずつ）", "Analysis, one per item"))
    status: str = Field(
        description=d(
            "draft=作成中, submitted=提出済, returned=差戻し, approved=承認済, published=公表済",
            "Workflow state",
        )
    )
    return_reason: str = Field(description=d("差戻しの理由", "Why it was returned"))
    internal_note: str | None = Field(
        description=d("内部メモ（団体の職員だけに返る）", "Internal note; members only")
    )
    program_reviews: list[ProgramReviewOut] = Field(
        description=d("事業ごとの自己評価と今後の方向性", "Each program's review and direction")
    )
    version: int = Field(description=d("版（If-Match で送る値）", "Version, for If-Match"))
    published_at: dt.datetime | None

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return int(obj.project_id)

    @staticmethod
    def resolve_program_reviews(obj: Any) -> list[Any]:
        return sorted(obj.program_reviews.all(), key=lambda r: r.program_id)

    @staticmethod
    def resolve_analysis(obj: Any) -> list[str]:
        return list(obj.analysis_items)

    @staticmethod
    def resolve_internal_note(obj: Any, context: Any) -> str | None:
        return obj.internal_note if getattr(obj, "internal_visible", False) else None


class ResponseOut(Schema):
    id: int
    department: str = Field(description=d("部局", "Department"))
    status: str = Field(
        description=d(
            "pending=回答待ち, reflected=反映, partly=一部反映, not_reflected=反映せず",
            "Answer",
        )
    )
    measure: str = Field(description=d("反映した施策", "Measure it was reflected into"))
    program: int | None = Field(description=d("反映した事業のID", "Program id"))
    budget_fy: int | None = Field(description=d("予算の年度", "Budget fiscal year"))
    note: str
    version: int

    @staticmethod
    def resolve_department(obj: Any) -> str:
        return str(obj.department.name)

    @staticmethod
    def resolve_program(obj: Any) -> int | None:
        return obj.program_id  # type: ignore[no-any-return]


class ProposalOut(Schema):
    id: int
    organization: str
    fy: int = Field(description=FY)
    title: str = Field(description=d("提案（要旨）", "Proposal"))
    summary: str
    background: str
    pillar: str | None = Field(description=d("政策の柱", "Policy pillar"))
    bureaus: list[str] = Field(description=d("提案する振興局", "Proposing bureaus"))
    status: str = Field(description=d("状態", "Workflow state"))
    published: bool
    version: int = Field(description=d("版（If-Match で送る値）", "Version, for If-Match"))
    responses: list[ResponseOut] = Field(description=d("部局の対応", "Departments' answers"))

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)

    @staticmethod
    def resolve_pillar(obj: Any) -> str | None:
        return obj.pillar.name if obj.pillar is not None else None

    @staticmethod
    def resolve_bureaus(obj: Any) -> list[str]:
        return [b.slug for b in obj.bureaus.all()]

    @staticmethod
    def resolve_responses(obj: Any) -> list[Any]:
        return list(obj.responses.all())


class MeetingOut(Schema):
    id: int
    bureau: str = Field(description=d("振興局", "Bureau"))
    kind: str = Field(
        description=d(
            "council=地域づくり連携会議, round_table=ラウンドテーブル", "council or round_table"
        )
    )
    title: str
    held_on: dt.date = Field(description=d("開催日", "Date held"))
    place: str
    municipalities: list[str] = Field(description=d("参加市町村（団体コード）", "Municipalities"))
    agenda: str
    minutes: str = Field(description=d("議事の概要", "Summary of proceedings"))
    published: bool
    version: int

    @staticmethod
    def resolve_bureau(obj: Any) -> str:
        return str(obj.bureau.slug)

    @staticmethod
    def resolve_municipalities(obj: Any) -> list[str]:
        return [m.code for m in obj.municipalities.all()]


class SupportFigureOut(Schema):
    scheme: str = Field(description=d("支援制度の識別子", "Support scheme slug"))
    scheme_name: str
    category: str = Field(description=d("区分", "Category"))
    fy: int = Field(description=FY)
    metric: str = Field(description=d("項目（budget, staff …）", "Metric"))
    value: str = Field(description=d("値", "Value"))
    unit: str
    continuing: str | None = Field(description=d("うち前年度から継続", "Of which continuing"))

    @staticmethod
    def resolve_scheme(obj: Any) -> str:
        return str(obj.scheme.slug)

    @staticmethod
    def resolve_scheme_name(obj: Any) -> str:
        return str(obj.scheme.name)

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return str(obj.scheme.category)

    @staticmethod
    def resolve_value(obj: Any) -> str:
        return figure(obj.value) or "0"

    @staticmethod
    def resolve_continuing(obj: Any) -> str | None:
        return figure(obj.continuing)


class CooperationAreaOut(Schema):
    id: int
    organization: str
    slug: str
    kind: str
    name: str
    start_fy: int | None
    members: list[str] = Field(description=d("構成市町村（団体コード）", "Member municipalities"))

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.slug)

    @staticmethod
    def resolve_members(obj: Any) -> list[str]:
        return [m.code for m in obj.members.all()]


class MeOut(Schema):
    username: str
    organization: str | None
    role: str | None = Field(description=d("役割", "Role"))
    bureau: str | None
    department: str | None


# ------------------------------------------------------------------ inputs


class In(Schema):
    """Inputs refuse unknown fields, so a computed field (rate, grade) sent by mistake is an
    error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="after")
    def _no_nul(self) -> In:
        """NUL cannot be stored in a text column (PostgreSQL refuses it): a 422, not a 500."""
        for name, value in self:
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and "\x00" in t for t in texts):
                raise ValueError(f"{name}: NUL（\\x00）は使えません / NUL is not allowed")
        return self


VALUE = d(
    "書いたとおりの値: 87,517 / １２３ / 75.5% / 未（未公表）/ —（調査なし）",
    "The value as written: 87,517 / full-width digits / 75.5% / 未 / —",
)


class ActualIn(In):
    value: str = Field(min_length=1, max_length=100, description=VALUE)


class BulkEntry(In):
    indicator: int = Field(description=d("指標のID", "Indicator id"))
    value: str = Field(min_length=1, max_length=100, description=VALUE)
    version: int = Field(
        ge=0,
        description=d(
            "読んだときの版（その年度の値がまだなければ 0）",
            "Version read (0 when the year has no value yet)",
        ),
    )


class BulkIn(In):
    fy: int = Field(ge=1900, le=2200, description=FY)
    entries: list[BulkEntry] = Field(min_length=1, max_length=5000)


class BulkOut(Schema):
    saved: list[ActualOut]


class BudgetIn(In):
    amount: str = Field(
        min_length=1,
        max_length=50,
        description=d("予算額（千円）: 5,715 / ５７１５ / 1億円", "Budget in thousand yen"),
    )


class SettlementIn(In):
    settled: str = Field(
        min_length=1,
        max_length=50,
        description=d("決算額（千円）: 1,288 / １２８８", "Settled amount"),
    )
    revised_budget: str = Field(
        "", max_length=50, description=d("補正後予算額（千円、なければ空）", "Revised budget")
    )
    note: str = Field("", max_length=2000, description=d("差額の理由", "Why it differs"))
    national_funds: str = Field("", max_length=50, description=d("国庫支出金（千円）", "National"))
    bond_funds: str = Field("", max_length=50, description=d("地方債（千円）", "Local bonds"))
    other_funds: str = Field("", max_length=50, description=d("その他（千円）", "Other sources"))
    general_funds: str = Field("", max_length=50, description=d("一般財源（千円）", "General"))
    staff_years: str = Field(
        "", max_length=20, description=d("人工（人年）: 0.3", "Staff time in person-years")
    )


class StaffUnitCostIn(In):
    amount: str = Field(
        min_length=1,
        max_length=50,
        description=d("人件費単価（千円／人年）: 8,600", "Cost of a person-year (thousand yen)"),
    )


class ProgramReviewIn(In):
    program: int = Field(ge=1, description=d("事業のID", "Program id"))
    self_evaluation: str = Field(max_length=5000, description=d("自己評価", "Self-evaluation"))
    direction: str = Field(
        max_length=10,
        description=d("expand / continue / improve / reduce / abolish", "Direction"),
    )
    reason: str = Field(max_length=2000, description=d("方向性の理由", "Why"))


class EvaluationIn(In):
    analysis: str = Field(
        min_length=1, max_length=20000, description=d("分析と課題（1行に1項目）", "One per line")
    )
    internal_note: str = Field("", max_length=20000, description=d("内部メモ", "Internal note"))
    program_reviews: list[ProgramReviewIn] | None = Field(
        None,
        max_length=200,
        description=d(
            "事業ごとの評価（送ると全体を置き換え、省略すると変更しない）",
            "Program reviews: replace them all when sent, unchanged when left out",
        ),
    )


class ReasonIn(In):
    reason: str = Field(min_length=1, max_length=2000, description=d("理由", "Reason"))


class ProposalIn(In):
    fy: int = Field(ge=1900, le=2200, description=FY)
    title: str = Field(min_length=1, max_length=300, description=d("提案（要旨）", "Proposal"))
    summary: str = Field("", max_length=20000)
    background: str = Field("", max_length=20000)
    pillar: int | None = Field(None, description=d("政策の柱のID", "Policy pillar id"))
    bureaus: list[str] = Field(
        default_factory=list, max_length=50, description=d("振興局の識別子", "Bureau slugs")
    )
    municipalities: list[str] = Field(
        default_factory=list, max_length=200, description=d("市町村の団体コード", "Codes")
    )


class RouteIn(In):
    departments: list[str] = Field(
        min_length=1, max_length=50, description=d("回付する部局の識別子", "Department slugs")
    )


class AnswerIn(In):
    status: str = Field(
        description=d("reflected / partly / not_reflected", "reflected, partly or not_reflected")
    )
    measure: str = Field("", max_length=20000)
    program: int | None = None
    budget_fy: int | None = Field(None, ge=1900, le=2200)
    note: str = Field("", max_length=20000)


class MeetingIn(In):
    kind: str = Field("council", description=d("council / round_table", "council or round_table"))
    title: str = Field(min_length=1, max_length=200)
    held_on: str = Field(min_length=1, max_length=40, description=d("開催日", "Date held"))
    place: str = Field("", max_length=200)
    municipalities: list[str] = Field(default_factory=list, max_length=200)
    other_participants: str = Field("", max_length=20000)
    agenda: str = Field("", max_length=20000)
    minutes: str = Field("", max_length=50000)
    published: bool = False
