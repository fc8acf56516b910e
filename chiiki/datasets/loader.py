"""Load a prefecture dataset (the files under ``chiiki/datasets/<name>/``) into the database.

Two phases, so that an import is all-or-nothing:

1. **read** every file into checked records. Each figure goes through the core parsers
   (和暦, numbers with units, targets, municipality codes); every problem is collected with
   its file, line and field. Any problem → :class:`DatasetError`, nothing written.
2. **write** all records in one transaction, upserting on natural keys (slugs, codes, FYs),
   so loading twice changes nothing the second time. Rows the dataset does not mention are
   left alone: data entered later by users is never deleted by a reload.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction

from chiiki.audit.services import record as audit
from chiiki.core.codes import parse_local_government_code
from chiiki.core.fiscal import (
    parse_fiscal_year,
    parse_fiscal_year_label,
    parse_fiscal_year_range,
)
from chiiki.core.numbers import (
    Missing,
    Quantity,
    parse_amount,
    parse_budget,
    parse_quantity,
    parse_value,
)
from chiiki.core.targets import TargetKind, TargetSpec, parse_goal_line, parse_target
from chiiki.core.text import fragment_to_items, strip_tags
from chiiki.datasets.proposals_areas import (
    ProposalsData,
    read_cooperation_areas,
    read_proposals,
    write_proposals,
)
from chiiki.datasets.reading import (
    DatasetError,
    Located,
    Source,
    read_csv,
    read_yaml,
)
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.grading import recompute
from chiiki.indicators.models import Actual, Indicator, IndicatorListing, TargetRevision
from chiiki.indicators.services import PublishedActual, write_published
from chiiki.plans.models import (
    AnnualInitiative,
    Bureau,
    EditionStatus,
    Measure,
    Municipality,
    Organization,
    Plan,
    PlanSection,
    Program,
    ProgramBudget,
    Project,
    Region,
    RegionPlan,
)
from chiiki.plans.models import Source as SourceRecord
from chiiki.support.models import SupportFigure, SupportScheme

DATASETS_DIR = Path(__file__).resolve().parent
GRADES = {"", "A①", "A②", "A③", "B"}
_KATAKANA = re.compile(r"^[ァ-ヶー・]+$")
_PROGRAM_CELL = re.compile(r"^【(?P<name>[^】]+)】\s*(?P<description>.*)$", re.S)


# --------------------------------------------------------------------------- records


@dataclass
class ActualRec:
    fy: int
    value: Decimal | None
    marker: str
    published_rate: Decimal | None = None


@dataclass
class IndicatorRec:
    slug: str
    kind: str
    name: str
    name_status: str
    name_note: str
    unit: str
    decimal_places: int
    baseline_value: Decimal | None
    baseline_fy: int | None
    target_kind: str
    target_value: Decimal | None
    target_fy: int | None
    target_first_fy: int | None = None
    actuals_cumulative: bool = False
    is_main: bool = False
    published_grade: str = ""
    revisions: list[tuple[Decimal, Decimal, int | None]] = field(default_factory=list)
    actuals: list[ActualRec] = field(default_factory=list)
    order: int | None = None  # position in its project's table (listings included)


@dataclass
class MeasureRec:
    group: str
    title: str
    description: str


@dataclass
class ProjectRec:
    slug: str
    name: str
    region: str | None
    bureaus: list[str]
    order: int
    number: int | None = None
    theme: str = ""
    theme_inferred: bool = False
    summary: str = ""
    is_example: bool = False
    measures: list[MeasureRec] = field(default_factory=list)
    indicators: list[IndicatorRec] = field(default_factory=list)
    # indicators of another project of the plan printed in this project's table too:
    # (indicator slug, position in this project's table)
    listings: list[tuple[str, int]] = field(default_factory=list)
    evaluations: dict[int, str] = field(default_factory=dict)


@dataclass
class ProgramRec:
    slug: str
    kind: str
    name: str
    description: str
    bureau: str | None
    project: str | None
    plan: str | None
    source: str
    order: int
    budgets: dict[int, int] = field(default_factory=dict)


@dataclass
class PlanRec:
    slug: str
    kind: str
    edition: str
    title: str
    start_fy: int | None
    end_fy: int | None
    adopted_month: dt.date | None
    period_note: str
    summary: str
    declared_total: int | None
    source: str
    sections: list[tuple[str, str, str]] = field(default_factory=list)
    region_counts: dict[str, int] = field(default_factory=dict)
    projects: list[ProjectRec] = field(default_factory=list)


@dataclass
class SchemeRec:
    slug: str
    category: str
    name: str
    description: str
    order: int
    source: str = ""
    figures: list[tuple[int, str, Decimal, str, Decimal | None]] = field(default_factory=list)


@dataclass
class SourceRec:
    slug: str
    title: str
    issuer: str
    fy: int | None
    fy_note: str
    url: str
    note: str


@dataclass
class Dataset:
    organization: dict[str, str] = field(default_factory=dict)
    tile_layout: dict[str, list[int]] = field(default_factory=dict)
    sources: list[SourceRec] = field(default_factory=list)
    cooperation_areas_source: str = ""
    regions: list[tuple[str, str, str]] = field(default_factory=list)
    bureaus: list[dict[str, Any]] = field(default_factory=list)
    municipalities: list[tuple[str, str, str, str]] = field(default_factory=list)
    plans: list[PlanRec] = field(default_factory=list)
    programs: list[ProgramRec] = field(default_factory=list)
    schemes: list[SchemeRec] = field(default_factory=list)
    initiatives: list[tuple[str, int, str, str, int]] = field(default_factory=list)
    # indicator slug → (source, derived, {FY: national value})
    national: dict[str, tuple[str, bool, dict[int, Decimal]]] = field(default_factory=dict)
    proposals: ProposalsData = field(default_factory=ProposalsData)


# --------------------------------------------------------------------------- reading


class _Reader:
    """Reads one dataset directory into a :class:`Dataset`, collecting located problems."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.sources: list[Source] = []
        self.ds = Dataset()
        self.region_names: set[str] = set()
        self.bureau_region: dict[str, str] = {}
        self.program_slugs: set[str] = set()

    def source(self, name: str) -> tuple[Source, Located | None]:
        src = Source(name)
        self.sources.append(src)
        return src, read_yaml(self.dir / name, src)

    def read(self) -> Dataset:
        self.read_regions()
        if (self.dir / "sources.yaml").exists():
            self.read_sources()
        self.read_municipalities()
        for name in sorted(p.name for p in self.dir.glob("plan-*.yaml")):
            self.read_plan(name)
        if (self.dir / "support.yaml").exists():
            self.read_support()
        if (self.dir / "national-values.yaml").exists():
            self.read_national_values()
        if (self.dir / "proposals.yaml").exists():
            read_proposals(self)
        problems = [p for s in self.sources for p in s.problems]
        if problems:
            raise DatasetError(problems)
        return self.ds

    # -- sources (出典) -----------------------------------------------------------------

    def read_sources(self) -> None:
        src, data = self.source("sources.yaml")
        if data is None:
            return
        for entry in data.get("sources") or []:
            slug = src.require(entry, "slug", context="sources")
            title = src.require(entry, "title", context="sources")
            if slug is None or title is None:
                continue
            if slug in {s.slug for s in self.ds.sources}:
                src.problem(entry.line, "sources.slug", f"出典の識別子「{slug}」が重複しています")
                continue
            self.ds.sources.append(
                SourceRec(
                    slug=slug,
                    title=str(title).strip(),
                    issuer=entry.get("issuer") or "",
                    fy=self.fy(src, entry.get("fy"), src.line_of(entry, "fy"), f"{slug}.fy"),
                    fy_note=entry.get("fy_note") or "",
                    url=entry.get("url") or "",
                    note=(entry.get("note") or "").strip(),
                )
            )

    def source_ref(self, src: Source, value: Any, line: int | None, field_name: str) -> str:
        """A ``source:`` cell: the slug of an entry of sources.yaml (or nothing)."""
        if value in (None, ""):
            return ""
        if value not in {s.slug for s in self.ds.sources}:
            src.problem(
                line,
                field_name,
                f"出典「{value}」は sources.yaml にありません（資料名・発行者・年度を書いた項目の識別子を指定してください）",
            )
            return ""
        return str(value)

    # -- organization, regions, bureaus -------------------------------------------------

    def read_regions(self) -> None:
        src, data = self.source("regions.yaml")
        if data is None:
            return
        org = data.get("organization")
        if not isinstance(org, Located):
            src.problem(data.line, "organization", "団体（organization）の定義がありません")
            return
        code = src.parse(
            parse_local_government_code,
            src.require(org, "code", context="organization") or "",
            line=src.line_of(org, "code"),
            field_name="organization.code",
        )
        self.ds.organization = {
            "code": code or "",
            "slug": str(src.require(org, "slug", context="organization") or ""),
            "name": str(src.require(org, "name", context="organization") or ""),
        }
        for region in data.get("regions") or []:
            slug, name = src.require(region, "slug"), src.require(region, "name")
            if name in self.region_names:
                src.problem(region.line, "regions.name", f"連携地域「{name}」が重複しています")
            self.region_names.add(name)
            self.ds.regions.append((slug, name, str(region.get("kana") or "")))
        for order, bureau in enumerate(data.get("bureaus") or []):
            short = src.require(bureau, "short_name", context="bureaus")
            region = src.require(bureau, "region", context="bureaus")
            kind = bureau.get("kind")
            if region is not None and region not in self.region_names:
                src.problem(
                    bureau.line, "bureaus.region", f"連携地域「{region}」は定義されていません"
                )
            if kind not in Bureau.Kind.values:
                src.problem(bureau.line, "bureaus.kind", f"種別は general か sub です（{kind!r}）")
            if short in self.bureau_region:
                src.problem(bureau.line, "bureaus.short_name", f"振興局「{short}」が重複しています")
            self.bureau_region[short] = region
            self.ds.bureaus.append(
                {
                    "slug": src.require(bureau, "slug", context="bureaus"),
                    "name": src.require(bureau, "name", context="bureaus"),
                    "short_name": short,
                    "kind": kind,
                    "region": region,
                    "seat": bureau.get("seat") or "",
                    "kana": str(bureau.get("kana") or ""),
                    "order": order,
                }
            )

        layout = data.get("tile_layout") or {}
        slugs = {b["slug"] for b in self.ds.bureaus}
        for slug, place in layout.items():
            ok = (
                isinstance(place, list)
                and len(place) == 2
                and all(isinstance(v, int) and 0 <= v < 50 for v in place)
            )
            if slug not in slugs:
                src.problem(layout.line, "tile_layout", f"振興局「{slug}」は定義されていません")
            elif not ok:
                src.problem(layout.line, "tile_layout", f"「{slug}」の位置は [列, 行] の整数です")
            else:
                self.ds.tile_layout[str(slug)] = [int(v) for v in place]

    def read_municipalities(self) -> None:
        src = Source("municipalities.csv")
        self.sources.append(src)
        seen_codes: set[str] = set()
        seen_names: set[str] = set()
        prefix = self.ds.organization.get("code", "")[:2]
        for line, row in read_csv(
            self.dir / "municipalities.csv", src, ["code", "name", "kana", "bureau"]
        ):
            code = src.parse(parse_local_government_code, row["code"], line=line, field_name="code")
            if code and prefix and code[:2] != prefix:
                src.problem(
                    line,
                    "code",
                    f"団体コード {code} はこの都道府県（{prefix}）のものではありません",
                )
            if code in seen_codes:
                src.problem(line, "code", f"団体コード {code} が重複しています")
            if not row["name"] or row["name"][-1] not in "市町村":
                src.problem(line, "name", f"市町村名は市・町・村で終わります（「{row['name']}」）")
            if row["name"] in seen_names:
                src.problem(line, "name", f"市町村名「{row['name']}」が重複しています")
            if not _KATAKANA.match(row["kana"]):
                src.problem(
                    line, "kana", f"よみは全角カタカナで書いてください（「{row['kana']}」）"
                )
            if row["bureau"] not in self.bureau_region:
                src.problem(line, "bureau", f"振興局「{row['bureau']}」は定義されていません")
            seen_codes.add(code or "")
            seen_names.add(row["name"])
            self.ds.municipalities.append((code or "", row["name"], row["kana"], row["bureau"]))

    # -- plans --------------------------------------------------------------------------

    def fy(self, src: Source, value: Any, line: int | None, field_name: str) -> int | None:
        if value is None or value == "":
            return None
        return src.parse(parse_fiscal_year, value, line=line, field_name=field_name)

    def read_plan(self, name: str) -> None:
        src, data = self.source(name)
        if data is None:
            return
        head = data.get("plan")
        if not isinstance(head, Located):
            src.problem(data.line, "plan", "計画（plan）の定義がありません")
            return
        kind = head.get("kind")
        if kind not in Plan.Kind.values:
            src.problem(head.line, "plan.kind", f"計画の種別が不明です（{kind!r}）")
        start = head.get("start")
        label = (
            src.parse(
                parse_fiscal_year_label,
                start,
                line=src.line_of(head, "start"),
                field_name="plan.start",
            )
            if start
            else None
        )
        adopted = label.note_month if label else None
        if head.get("adopted"):
            adopted_label = src.parse(
                lambda t: parse_fiscal_year_label(f"{label.fy if label else 2000}({t})"),
                head.get("adopted"),
                line=src.line_of(head, "adopted"),
                field_name="plan.adopted",
            )
            adopted = adopted_label.note_month if adopted_label else None
        plan = PlanRec(
            slug=src.require(head, "slug", context="plan"),
            kind=kind,
            edition=str(src.require(head, "edition", context="plan")),
            title=src.require(head, "title", context="plan"),
            start_fy=label.fy if label else None,
            end_fy=self.fy(src, head.get("end"), src.line_of(head, "end"), "plan.end"),
            adopted_month=adopted,
            period_note=head.get("period_note") or "",
            summary=(head.get("summary") or "").strip(),
            declared_total=head.get("declared_project_total"),
            source=self.source_ref(
                src, head.get("source"), src.line_of(head, "source"), "plan.source"
            ),
        )
        for section in data.get("sections") or []:
            plan.sections.append(
                (section["slug"], section["title"], section.get("description") or "")
            )
        for entry in data.get("regions") or []:
            region = entry.get("region")
            if region not in self.region_names:
                src.problem(
                    entry.line, "regions.region", f"連携地域「{region}」は定義されていません"
                )
            count = entry.get("declared_project_count")
            if not isinstance(count, int) or count < 0:
                src.problem(
                    entry.line,
                    "regions.declared_project_count",
                    f"プロジェクト数は0以上の整数です（{count!r}）",
                )
                continue
            plan.region_counts[region] = count
        if plan.declared_total is not None and plan.region_counts:
            total = sum(plan.region_counts.values())
            if total != plan.declared_total:
                src.problem(
                    head.line,
                    "plan.declared_project_total",
                    f"連携地域別のプロジェクト数の合計 {total} が全体 {plan.declared_total} と一致しません",
                )
        for order, entry in enumerate(data.get("projects") or []):
            project = self.read_project(src, entry, order)
            if project:
                plan.projects.append(project)
        for theme, entries in (data.get("themes") or {}).items():
            for entry in entries:
                project = self.read_project(src, entry, len(plan.projects))
                if project:
                    project.theme, project.theme_inferred = theme, True
                    plan.projects.append(project)
        by_name = {p.name: p for p in plan.projects}
        by_slug = {p.slug: p for p in plan.projects}
        if len(by_slug) != len(plan.projects):
            dupes = [s for s, n in Counter(p.slug for p in plan.projects).items() if n > 1]
            src.problem(None, "projects.slug", f"プロジェクトの識別子が重複しています: {dupes}")
        for project_name, entries in (data.get("indicators") or {}).items():
            target = by_name.get(project_name)
            if target is None:
                src.problem(
                    data.lines.get("indicators"),
                    "indicators",
                    f"プロジェクト「{project_name}」は定義されていません",
                )
                continue
            for position, entry in enumerate(entries):
                if isinstance(entry, Located) and "listed" in entry:
                    target.listings.append((entry["listed"], position))
                    continue
                indicator = self.read_indicator(src, entry)
                if indicator:
                    indicator.order = position
                    target.indicators.append(indicator)
        own = {i.slug: p.slug for p in plan.projects for i in p.indicators}
        for project in plan.projects:
            for slug, _position in project.listings:
                if own.get(slug) in (None, project.slug):
                    src.problem(
                        data.lines.get("indicators"),
                        f"{project.slug}.listed",
                        f"「{slug}」はこの計画の他のプロジェクトの指標ではありません"
                        "（listed には別のプロジェクトで定義した指標の識別子を書きます）",
                    )
        eval_fy = self.fy(
            src, data.get("evaluation_fy"), data.lines.get("evaluation_fy"), "evaluation_fy"
        )
        for project_name, fragment in (data.get("analyses") or {}).items():
            target = by_name.get(project_name)
            if target is None or eval_fy is None:
                src.problem(
                    data.lines.get("analyses"),
                    "analyses",
                    f"プロジェクト「{project_name}」か evaluation_fy がありません",
                )
                continue
            target.evaluations[eval_fy] = "\n".join(fragment_to_items(fragment))
        if "budget_table" in data:
            self.read_budget_table(src, data["budget_table"], plan, by_name)
        if "bureau_original_programs" in data:
            self.read_bureau_original(src, data["bureau_original_programs"])
        self.ds.plans.append(plan)

    def read_project(self, src: Source, entry: Located, order: int) -> ProjectRec | None:
        slug, name = (
            src.require(entry, "slug", context="projects"),
            src.require(entry, "name", context="projects"),
        )
        if slug is None or name is None:
            return None
        region = entry.get("region")
        if region is not None and region not in self.region_names:
            src.problem(entry.line, "projects.region", f"連携地域「{region}」は定義されていません")
        bureaus = list(entry.get("bureaus") or [])
        for bureau in bureaus:
            if bureau not in self.bureau_region:
                src.problem(
                    entry.line, "projects.bureaus", f"振興局「{bureau}」は定義されていません"
                )
        if (
            bureaus
            and bureaus[0] in self.bureau_region
            and region
            and self.bureau_region[bureaus[0]] != region
        ):
            src.problem(
                entry.line,
                "projects.bureaus",
                f"主担当の振興局「{bureaus[0]}」は連携地域「{region}」に属していません",
            )
        project = ProjectRec(
            slug=slug,
            name=name,
            region=region,
            bureaus=bureaus,
            order=order,
            number=entry.get("number"),
            theme=entry.get("theme") or "",
            is_example=bool(entry.get("example")),
        )
        for title in fragment_to_items(entry.get("measures_html") or ""):
            project.measures.append(MeasureRec("", title, ""))
        for m in entry.get("measures") or []:
            project.measures.append(
                MeasureRec(m.get("group") or "", m["title"], "\n".join(m.get("details") or []))
            )
        if entry.get("main_kpi_html"):
            line = src.line_of(entry, "main_kpi_html")
            goal = src.parse(
                parse_goal_line,
                strip_tags(entry["main_kpi_html"]),
                line=line,
                field_name="main_kpi_html",
            )
            if goal:
                base_fy = self.fy(src, goal.baseline_fy_text, line, "main_kpi_html(基準年度)")
                target_fy = self.fy(src, goal.target_fy_text, line, "main_kpi_html(目標年度)")
                unit = self.common_unit(
                    src, line, [goal.baseline, goal.target.value], "main_kpi_html"
                )
                project.indicators.append(
                    IndicatorRec(
                        slug=f"{slug}-main-kpi",
                        kind=Indicator.Kind.KPI,
                        name=goal.name,
                        name_status=Indicator.NameStatus.PUBLISHED,
                        name_note="",
                        unit=unit,
                        decimal_places=self.decimal_places([goal.baseline, goal.target.value]),
                        baseline_value=goal.baseline.number,
                        baseline_fy=base_fy,
                        target_kind=goal.target.kind.value,
                        target_value=goal.target.value.number if goal.target.value else None,
                        target_fy=target_fy,
                        is_main=True,
                    )
                )
        return project

    @staticmethod
    def decimal_places(quantities: list[Quantity | None]) -> int:
        """The most decimals any figure of an indicator is written with (75.0% → 1)."""
        exponents = [q.number.as_tuple().exponent for q in quantities if q is not None]
        return max((-e for e in exponents if isinstance(e, int) and e < 0), default=0)

    def common_unit(
        self, src: Source, line: int | None, quantities: list[Quantity | None], field_name: str
    ) -> str:
        units = {q.display_unit for q in quantities if q is not None}
        if len(units) > 1:
            src.problem(line, field_name, f"単位がそろっていません: {sorted(units)}")
        return next(iter(units), "")

    def read_indicator(self, src: Source, entry: Located) -> IndicatorRec | None:
        slug = src.require(entry, "slug", context="indicators")
        line = entry.line
        kind = entry.get("kind")
        if kind not in Indicator.Kind.values:
            src.problem(line, "indicators.kind", f"区分は numeric_goal か kpi です（{kind!r}）")
        name_status = entry.get("name_status") or Indicator.NameStatus.PUBLISHED
        if name_status not in Indicator.NameStatus.values:
            src.problem(line, "indicators.name_status", f"名称の状態が不明です（{name_status!r}）")
        name = entry.get("name") or ""
        if not name and name_status != Indicator.NameStatus.UNKNOWN:
            src.problem(
                line, "indicators.name", "指標名がありません（欠落なら name_status: unknown）"
            )

        def cell(key: str, parser: Any) -> Any:
            if key not in entry:
                return None
            return src.parse(
                parser, entry[key], line=src.line_of(entry, key), field_name=f"{slug}.{key}"
            )

        baseline = cell("baseline", parse_value)
        target = cell("target", parse_target)
        revised = cell("revised_target", parse_quantity)
        quantities: list[Quantity | None] = [
            baseline if isinstance(baseline, Quantity) else None,
            target.value if target else None,
            revised,
        ]
        actuals: list[ActualRec] = []
        rates: dict[int, Decimal | None] = {}
        for fy_text, text in (entry.get("published_rates") or {}).items():
            fy = self.fy(
                src, fy_text, src.line_of(entry, "published_rates"), f"{slug}.published_rates"
            )
            rate = src.parse(
                parse_value,
                text,
                line=src.line_of(entry, "published_rates"),
                field_name=f"{slug}.published_rates.{fy_text}",
            )
            if fy is None or rate is None:
                continue
            if isinstance(rate, Quantity) and rate.display_unit != "%":
                src.problem(
                    src.line_of(entry, "published_rates"),
                    f"{slug}.published_rates.{fy_text}",
                    "進捗率は % で書いてください",
                )
            rates[fy] = rate.number if isinstance(rate, Quantity) else None
        for fy_text, text in (entry.get("actuals") or {}).items():
            aline = src.line_of(entry, "actuals")
            fy = self.fy(src, fy_text, aline, f"{slug}.actuals")
            value = src.parse(parse_value, text, line=aline, field_name=f"{slug}.actuals.{fy_text}")
            if fy is None or value is None:
                continue
            if isinstance(value, Missing):
                if rates.get(fy) is not None:
                    src.problem(
                        aline,
                        f"{slug}.published_rates.{fy_text}",
                        "実績値が無い年度に進捗率があります",
                    )
                actuals.append(ActualRec(fy, None, value.value, None))
            else:
                quantities.append(value)
                actuals.append(ActualRec(fy, value.number, "", rates.get(fy)))
        unit = self.common_unit(src, line, quantities, f"{slug}")
        target_fy = target_first = None
        if "target_range" in entry:
            range_text = str(entry["target_range"]).strip()
            if range_text.endswith("累計"):
                # 「12件 (H28～R1累計)」: the range cell says the target is cumulative.
                range_text = range_text.removesuffix("累計")
                if target and target.kind is TargetKind.ABSOLUTE:
                    target = TargetSpec(TargetKind.CUMULATIVE, target.value)
            rng = src.parse(
                parse_fiscal_year_range,
                range_text,
                line=src.line_of(entry, "target_range"),
                field_name=f"{slug}.target_range",
            )
            if rng:
                target_first, target_fy = rng.first, rng.last
        else:
            target_fy = self.fy(
                src, entry.get("target_fy"), src.line_of(entry, "target_fy"), f"{slug}.target_fy"
            )
        if target and target.kind is TargetKind.CUMULATIVE and target_first is None:
            src.problem(
                line, f"{slug}.target_range", "累計目標には期間（target_range: H27～R1）が必要です"
            )
        grade = entry.get("published_grade") or ""
        if grade not in GRADES:
            src.problem(
                src.line_of(entry, "published_grade"),
                f"{slug}.published_grade",
                f"評価は A①・A②・A③・B のいずれかです（{grade!r}）",
            )
        if slug is None or target is None:
            return None
        rec = IndicatorRec(
            slug=slug,
            kind=kind,
            name=name,
            name_status=name_status,
            name_note=entry.get("name_note") or "",
            unit=unit,
            decimal_places=self.decimal_places(quantities),
            baseline_value=baseline.number if isinstance(baseline, Quantity) else None,
            baseline_fy=self.fy(
                src,
                entry.get("baseline_fy"),
                src.line_of(entry, "baseline_fy"),
                f"{slug}.baseline_fy",
            ),
            target_kind=target.kind.value,
            target_value=target.value.number if target.value else None,
            target_fy=target_fy,
            target_first_fy=target_first,
            actuals_cumulative=bool(entry.get("actuals_cumulative")),
            published_grade=grade,
            actuals=actuals,
        )
        if revised is not None and target.value is not None:
            revised_fy = self.fy(
                src,
                entry.get("revised_target_fy"),
                src.line_of(entry, "revised_target_fy"),
                f"{slug}.revised_target_fy",
            )
            rec.revisions.append((target.value.number, revised.number, revised_fy))
        elif revised is not None:
            src.problem(
                src.line_of(entry, "revised_target"),
                f"{slug}.revised_target",
                "数値の目標でないと見直し後の目標値は持てません",
            )
        return rec

    def read_budget_table(
        self, src: Source, table: Located, plan: PlanRec, by_name: dict[str, ProjectRec]
    ) -> None:
        fy = self.fy(src, table.get("fy"), src.line_of(table, "fy"), "budget_table.fy")
        unit = table.get("unit")
        if unit != "千円":
            src.problem(
                src.line_of(table, "unit"),
                "budget_table.unit",
                f"予算額の単位は千円です（{unit!r}）",
            )
        bureau = project_name = None
        for row in table.get("rows") or []:
            bureau = row.get("bureau", bureau)
            project_name = row.get("project", project_name)
            slug = src.require(row, "slug", context="rows")
            if bureau not in self.bureau_region:
                src.problem(row.line, "rows.bureau", f"振興局「{bureau}」は定義されていません")
            project = by_name.get(project_name or "")
            if project is None:
                src.problem(
                    row.line,
                    "rows.project",
                    f"プロジェクト「{project_name}」は projects に定義されていません",
                )
            elif bureau not in project.bureaus:
                src.problem(
                    row.line,
                    "rows.bureau",
                    f"振興局「{bureau}」はプロジェクト「{project_name}」の bureaus にありません",
                )
            cell = _PROGRAM_CELL.match(str(row.get("program") or ""))
            if cell is None:
                src.problem(
                    row.line, "rows.program", "主な施策は「【事業名】 内容」の形で書いてください"
                )
                continue
            amount = src.parse(
                parse_budget,
                row.get("budget"),
                line=src.line_of(row, "budget"),
                field_name=f"{slug}.budget",
            )
            if slug in self.program_slugs:
                src.problem(row.line, "rows.slug", f"事業の識別子「{slug}」が重複しています")
            self.program_slugs.add(slug)
            if fy is None or amount is None or project is None:
                continue
            self.ds.programs.append(
                ProgramRec(
                    slug=slug,
                    kind=Program.Kind.PROJECT,
                    name=cell["name"].strip(),
                    description=cell["description"].strip(),
                    bureau=bureau,
                    project=project.slug,
                    plan=plan.slug,
                    source=self.source_ref(
                        src,
                        table.get("source"),
                        src.line_of(table, "source"),
                        "budget_table.source",
                    ),
                    order=len(self.ds.programs),
                    budgets={fy: amount},
                )
            )

    def read_bureau_original(self, src: Source, block: Located) -> None:
        for item in block.get("items") or []:
            bureau = item.get("bureau")
            if bureau is not None and bureau not in self.bureau_region:
                src.problem(item.line, "items.bureau", f"振興局「{bureau}」は定義されていません")
            slug = src.require(item, "slug", context="items")
            self.program_slugs.add(slug)
            self.ds.programs.append(
                ProgramRec(
                    slug=slug,
                    kind=Program.Kind.BUREAU_ORIGINAL,
                    name=src.require(item, "text", context="items") or "",
                    description="",
                    bureau=bureau,
                    project=None,
                    plan=None,
                    source=self.source_ref(
                        src,
                        block.get("source"),
                        src.line_of(block, "source"),
                        "bureau_original_programs.source",
                    ),
                    order=len(self.ds.programs),
                )
            )

    # -- support ------------------------------------------------------------------------

    def read_support(self) -> None:
        src, data = self.source("support.yaml")
        if data is None:
            return
        default_source = self.source_ref(
            src, data.get("default_source"), data.lines.get("default_source"), "default_source"
        )
        self.ds.cooperation_areas_source = self.source_ref(
            src,
            data.get("cooperation_areas_source"),
            data.lines.get("cooperation_areas_source"),
            "cooperation_areas_source",
        )
        for order, entry in enumerate(data.get("schemes") or []):
            category = entry.get("category")
            if category not in SupportScheme.Category.values:
                src.problem(entry.line, "schemes.category", f"区分が不明です（{category!r}）")
            scheme = SchemeRec(
                slug=src.require(entry, "slug", context="schemes"),
                category=category,
                name=src.require(entry, "name", context="schemes"),
                description=(entry.get("description") or "").strip(),
                order=order,
                source=self.source_ref(
                    src, entry.get("source"), src.line_of(entry, "source"), "schemes.source"
                )
                or default_source,
            )
            for metric, by_fy in (entry.get("figures") or {}).items():
                line = src.line_of(entry, "figures")
                if metric not in SupportFigure.Metric.values:
                    src.problem(line, "figures", f"項目が不明です（{metric!r}）")
                    continue
                for fy_text, cell in by_fy.items():
                    fy = self.fy(src, fy_text, line, f"{scheme.slug}.{metric}")
                    text, continuing_text = (
                        (cell.get("value"), cell.get("continuing"))
                        if isinstance(cell, dict)
                        else (cell, None)
                    )
                    q = src.parse(
                        parse_quantity,
                        text,
                        line=line,
                        field_name=f"{scheme.slug}.{metric}.{fy_text}",
                    )
                    cont = (
                        src.parse(
                            lambda t, u=q: parse_amount(t, unit=u.display_unit if u else ""),
                            continuing_text,
                            line=line,
                            field_name=f"{scheme.slug}.{metric}.{fy_text}.continuing",
                        )
                        if continuing_text is not None
                        else None
                    )
                    if fy is None or q is None:
                        continue
                    if not q.display_unit:
                        src.problem(
                            line,
                            f"{scheme.slug}.{metric}.{fy_text}",
                            "単位を書いてください（億円、人 など）",
                        )
                    scheme.figures.append((fy, metric, q.number, q.display_unit, cont))
            self.ds.schemes.append(scheme)
        read_cooperation_areas(self, src, data)
        for block in data.get("annual_initiatives") or []:
            fy = self.fy(src, block.get("fy"), src.line_of(block, "fy"), "annual_initiatives.fy")
            bureau = block.get("bureau")
            if bureau not in self.bureau_region:
                src.problem(
                    block.line,
                    "annual_initiatives.bureau",
                    f"振興局「{bureau}」は定義されていません",
                )
            for order, item in enumerate(block.get("items") or []):
                if fy is not None:
                    self.ds.initiatives.append(
                        (bureau, fy, item["title"], item.get("description") or "", order)
                    )

    def read_national_values(self) -> None:
        src, data = self.source("national-values.yaml")
        if data is None:
            return
        indicators = {
            ind.slug: ind for plan in self.ds.plans for p in plan.projects for ind in p.indicators
        }
        for slug, entry in (data.get("series") or {}).items():
            line = data["series"].lines.get(slug)
            indicator = indicators.get(slug)
            if indicator is None:
                src.problem(line, slug, f"指標「{slug}」は定義されていません")
                continue
            if indicator.target_kind != TargetKind.NATIONAL.value:
                src.problem(line, slug, "目標が全国水準・全国平均値でない指標に全国値は要りません")
            method = entry.get("method")
            if method not in ("published", "derived"):
                src.problem(
                    entry.line, f"{slug}.method", f"published か derived です（{method!r}）"
                )
            source = src.require(entry, "source", context=slug) or ""
            actual_fys = {a.fy for a in indicator.actuals}
            values: dict[int, Decimal] = {}
            vline = src.line_of(entry, "values")
            for fy_text, text in (entry.get("values") or {}).items():
                fy = self.fy(src, fy_text, vline, f"{slug}.values")
                q = src.parse(
                    parse_quantity, text, line=vline, field_name=f"{slug}.values.{fy_text}"
                )
                if fy is None or q is None:
                    continue
                if q.display_unit != indicator.unit:
                    src.problem(
                        vline,
                        f"{slug}.values.{fy_text}",
                        f"単位が指標（{indicator.unit or '単位なし'}）と違います: {q.display_unit or '単位なし'}",
                    )
                if fy not in actual_fys:
                    src.problem(vline, f"{slug}.values.{fy_text}", "実績値の行が無い年度です")
                values[fy] = q.number
            self.ds.national[slug] = (source, method == "derived", values)


def read_dataset(directory: Path) -> Dataset:
    """Read and check a dataset directory. Raises :class:`DatasetError` listing every problem."""
    if not directory.is_dir():
        raise LookupError(f"データセットのフォルダがありません: {directory.name}")
    return _Reader(directory).read()


# --------------------------------------------------------------------------- writing


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    recomputed: int = 0  # rates and grades whose computed value changed

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())


_FETCH = object()  # upsert(): look the row up


class _Writer:
    def __init__(self) -> None:
        self.report = LoadReport()
        self.national: dict[str, tuple[str, bool, dict[int, Decimal]]] = {}
        self.sources: dict[str, SourceRecord] = {}
        self.cooperation_areas_source: SourceRecord | None = None

    def upsert(
        self,
        model: type[models.Model],
        lookup: dict[str, Any],
        values: dict[str, Any],
        *,
        current: Any = _FETCH,
    ) -> Any:
        """Create or update the row found by ``lookup``; ``current`` is that row (or None)
        when the caller already fetched it."""
        label = model._meta.verbose_name
        # The base manager: a row of a draft edition is found too (the default one hides it).
        obj = model._base_manager.filter(**lookup).first() if current is _FETCH else current
        if obj is None:
            obj = model._base_manager.create(**lookup, **values)
            self.report.created[str(label)] += 1
            return obj
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=changed)
            self.report.updated[str(label)] += 1
        else:
            self.report.unchanged[str(label)] += 1
        return obj

    def source_of(self, slug: str) -> SourceRecord | None:
        return self.sources[slug] if slug else None

    def write(self, ds: Dataset) -> LoadReport:
        self.national = ds.national
        org = self.upsert(
            Organization,
            {"code": ds.organization["code"]},
            {
                "slug": ds.organization["slug"],
                "name": ds.organization["name"],
                "tile_layout": ds.tile_layout,
            },
        )
        self.sources = {
            rec.slug: self.upsert(
                SourceRecord,
                {"organization": org, "slug": rec.slug},
                {
                    "title": rec.title,
                    "issuer": rec.issuer,
                    "fy": rec.fy,
                    "fy_note": rec.fy_note,
                    "url": rec.url,
                    "note": rec.note,
                },
            )
            for rec in ds.sources
        }
        self.cooperation_areas_source = self.source_of(ds.cooperation_areas_source)
        regions = {
            name: self.upsert(
                Region,
                {"organization": org, "slug": slug},
                {"name": name, "kana": kana, "order": i},
            )
            for i, (slug, name, kana) in enumerate(ds.regions)
        }
        bureaus = {
            b["short_name"]: self.upsert(
                Bureau,
                {"organization": org, "slug": b["slug"]},
                {
                    "name": b["name"],
                    "short_name": b["short_name"],
                    "kind": b["kind"],
                    "region": regions[b["region"]],
                    "seat": b["seat"],
                    "kana": b["kana"],
                    "order": b["order"],
                },
            )
            for b in ds.bureaus
        }
        for code, name, kana, bureau in ds.municipalities:
            self.upsert(
                Municipality,
                {"code": code},
                {"organization": org, "bureau": bureaus[bureau], "name": name, "kana": kana},
            )
        projects: dict[tuple[str, str], Project] = {}
        # Of each kind, the latest edition is in force; the ones before it are history.
        latest: dict[str, Any] = {}
        for plan_rec in ds.plans:
            best = latest.get(plan_rec.kind)
            if best is None or (plan_rec.start_fy or 0) > (best.start_fy or 0):
                latest[plan_rec.kind] = plan_rec
        for plan_rec in ds.plans:
            plan = self.upsert(
                Plan,
                {"organization": org, "slug": plan_rec.slug},
                {
                    "kind": plan_rec.kind,
                    "edition": plan_rec.edition,
                    "title": plan_rec.title,
                    "start_fy": plan_rec.start_fy,
                    "end_fy": plan_rec.end_fy,
                    "adopted_month": plan_rec.adopted_month,
                    "period_note": plan_rec.period_note,
                    "summary": plan_rec.summary,
                    "declared_project_total": plan_rec.declared_total,
                    "source": self.source_of(plan_rec.source),
                    "status": EditionStatus.ADOPTED
                    if latest[plan_rec.kind] is plan_rec
                    else EditionStatus.SUPERSEDED,
                },
            )
            for order, (slug, title, description) in enumerate(plan_rec.sections):
                self.upsert(
                    PlanSection,
                    {"plan": plan, "slug": slug},
                    {"title": title, "description": description, "order": order},
                )
            for region_name, count in plan_rec.region_counts.items():
                self.upsert(
                    RegionPlan,
                    {"plan": plan, "region": regions[region_name]},
                    {"declared_project_count": count},
                )
            for rec in plan_rec.projects:
                projects[(plan_rec.slug, rec.slug)] = self.write_project(
                    plan, rec, regions, bureaus
                )
            for rec in plan_rec.projects:
                for slug, position in rec.listings:
                    self.upsert(
                        IndicatorListing,
                        {
                            "project": projects[(plan_rec.slug, rec.slug)],
                            "indicator": Indicator.objects.get(project__plan=plan, slug=slug),
                        },
                        {"order": position},
                    )
        for rec in ds.programs:
            program = self.upsert(
                Program,
                {"organization": org, "slug": rec.slug},
                {
                    "kind": rec.kind,
                    "name": rec.name,
                    "description": rec.description,
                    "bureau": bureaus.get(rec.bureau) if rec.bureau else None,
                    "project": projects[(rec.plan, rec.project)]
                    if rec.project and rec.plan
                    else None,
                    "source": self.source_of(rec.source),
                    "order": rec.order,
                },
            )
            for fy, amount in rec.budgets.items():
                self.upsert(
                    ProgramBudget, {"program": program, "fy": fy}, {"amount_thousand_yen": amount}
                )
        for scheme_rec in ds.schemes:
            scheme = self.upsert(
                SupportScheme,
                {"organization": org, "slug": scheme_rec.slug},
                {
                    "category": scheme_rec.category,
                    "name": scheme_rec.name,
                    "description": scheme_rec.description,
                    "source": self.source_of(scheme_rec.source),
                    "order": scheme_rec.order,
                },
            )
            for fy, metric, value, unit, continuing in scheme_rec.figures:
                self.upsert(
                    SupportFigure,
                    {"scheme": scheme, "fy": fy, "metric": metric},
                    {"value": value, "unit": unit, "continuing": continuing},
                )
        self.report.recomputed = recompute(
            Indicator.objects.filter(project__plan__organization=org)
        ).changed
        write_proposals(self, ds.proposals, org, bureaus)
        for bureau, fy, title, description, order in ds.initiatives:
            self.upsert(
                AnnualInitiative,
                {"bureau": bureaus[bureau], "fy": fy, "title": title},
                {"description": description, "order": order},
            )
        return self.report

    def write_project(
        self, plan: Plan, rec: ProjectRec, regions: dict[str, Region], bureaus: dict[str, Bureau]
    ) -> Project:
        region = regions[rec.region] if rec.region else None
        lead = bureaus[rec.bureaus[0]] if rec.bureaus else None
        if lead is None and region is not None:
            # A project counts in its lead bureau's region: a region with one bureau
            # (オホーツク, 十勝) therefore determines its lead bureau.
            in_region = [b for b in bureaus.values() if b.region_id == region.pk]
            lead = in_region[0] if len(in_region) == 1 else None
        project = self.upsert(
            Project,
            {"plan": plan, "slug": rec.slug},
            {
                "name": rec.name,
                "number": rec.number,
                "region": region,
                "lead_bureau": lead,
                "lead_bureau_inferred": len(rec.bureaus) > 1,
                "theme": rec.theme,
                "theme_inferred": rec.theme_inferred,
                "summary": rec.summary,
                "is_example": rec.is_example,
                "order": rec.order,
            },
        )
        others = [bureaus[b] for b in rec.bureaus[1:]]
        if {b.pk for b in project.other_bureaus.all()} != {b.pk for b in others}:
            project.other_bureaus.set(others)
        # Measures are owned by the dataset (no screen edits them): positions the corrected
        # dataset no longer has are removed, so a fixed split does not leave a stale item.
        surplus, _ = Measure.objects.filter(project=project, order__gte=len(rec.measures)).delete()
        if surplus:
            self.report.deleted[str(Measure._meta.verbose_name)] += surplus
        for order, m in enumerate(rec.measures):
            self.upsert(
                Measure,
                {"project": project, "order": order},
                {"group": m.group, "title": m.title, "description": m.description},
            )
        published: list[PublishedActual] = []
        for position, ind in enumerate(rec.indicators):
            order = ind.order if ind.order is not None else position
            national = self.national.get(ind.slug, ("", False, {}))
            indicator = self.upsert(
                Indicator,
                {"project": project, "slug": ind.slug},
                {
                    "kind": ind.kind,
                    "name": ind.name,
                    "name_status": ind.name_status,
                    "name_note": ind.name_note,
                    "unit": ind.unit,
                    "decimal_places": ind.decimal_places,
                    "baseline_value": ind.baseline_value,
                    "baseline_fy": ind.baseline_fy,
                    "target_kind": ind.target_kind,
                    "target_value": ind.target_value,
                    "target_fy": ind.target_fy,
                    "target_first_fy": ind.target_first_fy,
                    "actuals_cumulative": ind.actuals_cumulative,
                    "is_main": ind.is_main,
                    "published_grade": ind.published_grade,
                    "national_source": national[0],
                    "national_derived": national[1],
                    "order": order,
                },
            )
            for i, (original, revised, revised_target_fy) in enumerate(ind.revisions):
                self.upsert(
                    TargetRevision,
                    {"indicator": indicator, "order": i},
                    {
                        "original_value": original,
                        "revised_value": revised,
                        "target_fy": revised_target_fy,
                    },
                )
            published.extend(
                PublishedActual(
                    indicator.pk,
                    a.fy,
                    a.value,
                    a.marker,
                    a.published_rate,
                    national[2].get(a.fy),
                )
                for a in ind.actuals
            )
        counts = write_published(published)
        label = str(Actual._meta.verbose_name)
        for counter, n in zip(
            (self.report.created, self.report.updated, self.report.unchanged), counts, strict=True
        ):
            if n:
                counter[label] += n
        for fy, analysis in rec.evaluations.items():
            self.upsert(
                Evaluation,
                {"project": project, "fy": fy},
                {"analysis": analysis, "status": Evaluation.Status.PUBLISHED},
            )
        return project


def load_dataset(name: str, *, directory: Path | None = None) -> LoadReport:
    """Read, check and write the dataset ``name``; all or nothing, idempotent."""
    path = directory or DATASETS_DIR / name
    if not (path / "regions.yaml").exists():
        available = sorted(p.parent.name for p in DATASETS_DIR.glob("*/regions.yaml"))
        raise LookupError(
            f"データセット「{name}」はありません（利用できるもの: {', '.join(available)}）"
        )
    dataset = read_dataset(path)
    with transaction.atomic():
        report = _Writer().write(dataset)
        if report.changed:
            counts = {
                "created": sum(report.created.values()),
                "updated": sum(report.updated.values()),
                "deleted": sum(report.deleted.values()),
            }
            audit(
                actor=None,
                action="dataset.loaded",
                object_type="dataset",
                object_id=name,
                summary=f"{name}: 追加 {counts['created']:,}、更新 {counts['updated']:,}、"
                f"削除 {counts['deleted']:,}",
                old=None,
                new=counts,
            )
        return report
