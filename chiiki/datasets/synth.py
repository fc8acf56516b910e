"""Synthetic data at national scale, for benchmarks and scale tests: the same seed always gives
the same rows.

Every prefecture gets regions, bureaus and municipalities; a regional policy plan and a
creation strategy with projects, programs with ten years of budgets, and evaluations; and each
municipality a comprehensive strategy with its own projects and KPIs (as in Japan, where every
municipality runs one). Indicators mix the target kinds (absolute, cumulative, above baseline,
at or above current, national level), both directions, target revisions, and missing values
(未・—); grading schemes vary by prefecture. Rates and grades are then computed by the engine.

Synthetic organizations use codes starting with 9 (``901000``) and slugs ``synth-01`` …, so they
never collide with real ones loaded beside them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction

from chiiki.audit.services import record as audit
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.grading import recompute
from chiiki.indicators.models import Indicator, TargetRevision
from chiiki.indicators.services import PublishedActual, write_published
from chiiki.plans.models import (
    Bureau,
    Measure,
    Municipality,
    Organization,
    Plan,
    Program,
    ProgramBudget,
    Project,
    Region,
)

FIRST_FY, LAST_FY = 2015, 2024  # ten fiscal years of actuals
SCHEMES = ["hokkaido", "hokkaido", "abcd", "marks"]
UNITS = ["人", "千人", "%", "件", "団体", "億円", "日", "社", "市町村", "t"]


class _Year(NamedTuple):
    fy: int
    value: Decimal | None
    marker: str
    national: Decimal | None


@dataclass(frozen=True)
class Scale:
    organizations: int
    municipalities: int  # in all
    regions: tuple[int, int]  # per organization, min–max
    bureaus: tuple[int, int]
    prefecture_projects: int  # per region
    municipal_projects: int  # per municipality
    kpis_per_municipal_project: int
    kpis_per_prefecture_project: int
    # Municipalities of each organization, when the scale follows a real country's shape.
    shape: tuple[int, ...] = ()


# 市町村の数 of the 47 prefectures in 全国地方公共団体コード order (Tokyo's 23 special wards
# counted): 1,741 in all, Hokkaido's 179 the most. The national scale follows it, so its largest
# prefecture is Hokkaido-sized (about 20,000 KPIs), as the pages benchmark needs.
JAPAN = (
    179, 40, 33, 35, 25, 35, 59, 44, 25, 35, 63, 54, 62, 33, 30, 15, 19, 17, 27, 77, 42, 35,
    54, 29, 19, 26, 43, 41, 39, 30, 19, 19, 27, 23, 19, 24, 17, 20, 34, 60, 20, 21, 45, 18,
    26, 43, 41,
)  # fmt: skip


SCALES = {
    # One small prefecture: seconds, for tests.
    "region": Scale(1, 12, (1, 1), (2, 2), 3, 2, 5, 4),
    # One prefecture the size of Hokkaido (179 municipalities, ~20,000 KPIs).
    "prefecture": Scale(1, 179, (6, 6), (14, 14), 8, 4, 27, 8),
    # Every prefecture, shaped like Japan: 47 organizations, 1,741 municipalities (179 in the
    # largest), ~200,000 KPIs, ~2,000,000 actuals.
    "national": Scale(47, 1741, (3, 8), (6, 14), 8, 4, 27, 8, JAPAN),
}


class Synth:
    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(seed)  # noqa: S311  # nosec B311  # reproducible test data, not secrets

    def municipality_counts(self) -> list[int]:
        """How many municipalities each organization has, adding up to the scale's total."""
        if self.scale.shape:
            return list(self.scale.shape)
        n = self.scale.organizations
        weights = [self.rng.uniform(0.5, 2.0) for _ in range(n)]
        total = sum(weights)
        counts = [max(1, int(self.scale.municipalities * w / total)) for w in weights]
        counts[0] += self.scale.municipalities - sum(counts)
        return counts

    def figure(self, low: float, high: float, places: int) -> Decimal:
        return Decimal(f"{self.rng.uniform(low, high):.{places}f}")

    def indicator(self, project: Project, slug: str, order: int) -> tuple[Indicator, list[Any]]:
        """One indicator and its rows (actuals, revision) not yet saved."""
        rng = self.rng
        places = rng.choice([0, 0, 0, 1, 2])
        base = self.figure(10, 10000, places)
        up = rng.random() < 0.85
        kind = rng.choices(
            ["absolute", "cumulative", "above_baseline", "at_or_above_current", "national"],
            weights=[75, 8, 7, 5, 5],
        )[0]
        growth = Decimal(str(rng.uniform(1.05, 1.4)))
        target = (base * growth if up else base / growth).quantize(Decimal(10) ** -places)
        first = rng.choice([FIRST_FY, FIRST_FY, FIRST_FY, 2017])
        indicator = Indicator(
            project=project,
            slug=slug,
            kind=rng.choice([Indicator.Kind.KPI, Indicator.Kind.KPI, Indicator.Kind.NUMERIC_GOAL]),
            name=f"指標{order}",
            unit=rng.choice(UNITS),
            decimal_places=places,
            direction=Indicator.Direction.UP if up else Indicator.Direction.DOWN,
            baseline_value=base,
            baseline_fy=first - 1,
            target_kind=kind,
            target_value=target * 10 if kind == "cumulative" else target,
            target_fy=rng.choice([2024, 2025, 2026]),
            target_first_fy=first if kind == "cumulative" else None,
            order=order,
        )
        rows: list[Any] = []
        level = base
        for fy in range(first, LAST_FY + 1):
            step = Decimal(str(rng.uniform(-0.03, 0.06 if up else 0.02)))
            level = (level * (1 + step)).quantize(Decimal(10) ** -places)
            roll = rng.random()
            national = None
            if kind == "national":
                national = (level * Decimal(str(rng.uniform(0.9, 1.1)))).quantize(
                    Decimal(10) ** -places
                )
            if roll < 0.02:
                rows.append(_Year(fy, None, "未", None))
            elif roll < 0.03:
                rows.append(_Year(fy, None, "—", national))
            elif kind == "cumulative":
                yearly = (base * Decimal(str(rng.uniform(0.8, 1.2)))).quantize(
                    Decimal(10) ** -places
                )
                rows.append(_Year(fy, yearly, "", None))
            else:
                rows.append(_Year(fy, level, "", national))
        if kind == "absolute" and rng.random() < 0.05:
            revised = (target * Decimal("1.1")).quantize(Decimal(10) ** -places)
            rows.append(
                TargetRevision(
                    original_value=indicator.target_value,
                    revised_value=revised,
                    target_fy=indicator.target_fy,
                    # as published tables give it: no year from which it applies (every year)
                    revised_fy=None,
                    reason="中間見直し",
                )
            )
        return indicator, rows


def synthesize(
    scale_name: str, seed: int, *, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Create the synthetic organizations; returns counts of what was created."""
    scale = SCALES[scale_name]
    synth = Synth(scale, seed)
    say = progress or (lambda message: None)
    counts = dict.fromkeys(
        ["organizations", "municipalities", "projects", "indicators", "actuals"], 0
    )
    start = _first_free_number()
    for index, n_municipalities in enumerate(synth.municipality_counts()):
        number = start + index
        with transaction.atomic():
            made = _organization(synth, number, n_municipalities)
        for key in counts:
            counts[key] += made.get(key, 0)
        say(
            f"{number:02d}: {made['municipalities']}市町村 {made['indicators']:,}指標 "
            f"{made['actuals']:,}実績値"
        )
    say("進捗率と評価を計算しています")
    ids = Indicator.objects.filter(project__plan__organization__slug__startswith="synth-")
    recompute(ids.values_list("pk", flat=True))
    audit(
        actor=None,
        action="dataset.synthesized",
        object_type="dataset",
        object_id=f"synth-{scale_name}-{seed}",
        summary=f"合成データ（{scale_name}、seed {seed}）: 指標 {counts['indicators']:,}、"
        f"実績値 {counts['actuals']:,}",
        old=None,
        new=counts,
    )
    return counts


def _first_free_number() -> int:
    taken = Organization.objects.filter(slug__startswith="synth-").count()
    return taken + 1


def _organization(synth: Synth, number: int, n_municipalities: int) -> dict[str, int]:
    rng, scale = synth.rng, synth.scale
    org = Organization.objects.create(
        code=f"9{number:02d}000", slug=f"synth-{number:02d}", name=f"合成県{number:02d}"
    )
    regions = Region.objects.bulk_create(
        [
            Region(organization=org, slug=f"r{i}", name=f"第{i}地域", order=i)
            for i in range(1, rng.randint(*scale.regions) + 1)
        ]
    )
    n_bureaus = max(len(regions), rng.randint(*scale.bureaus))
    bureaus = Bureau.objects.bulk_create(
        [
            Bureau(
                organization=org,
                region=regions[i % len(regions)],
                slug=f"b{i + 1}",
                name=f"第{i + 1}振興局",
                short_name=f"第{i + 1}",
                kind=Bureau.Kind.SUB,
                order=i + 1,
            )
            for i in range(n_bureaus)
        ]
    )
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(
                organization=org,
                bureau=bureaus[i % len(bureaus)],
                code=f"9{number:02d}{i + 1:03d}",
                name=f"合成{number:02d}第{i + 1}町",
                kana=f"ごうせい{number}だい{i + 1}ちょう",
            )
            for i in range(n_municipalities)
        ]
    )
    scheme = rng.choice(SCHEMES)
    regional = Plan.objects.create(
        organization=org,
        slug="regional-policy",
        kind=Plan.Kind.REGIONAL_POLICY,
        edition="R3",
        title="連携地域別政策展開方針",
        start_fy=2021,
        end_fy=2025,
        grading_scheme=scheme,
    )
    strategy = Plan.objects.create(
        organization=org,
        slug="creation-strategy",
        kind=Plan.Kind.CREATION_STRATEGY,
        edition="第2期",
        title="創生総合戦略",
        start_fy=2020,
        end_fy=2024,
        grading_scheme=scheme,
    )
    projects: list[Project] = []
    for r in regions:
        own = [b for b in bureaus if b.region_id == r.pk]
        for i in range(scale.prefecture_projects):
            projects.append(
                Project(
                    plan=regional,
                    slug=f"{r.slug}-p{i + 1}",
                    number=i + 1,
                    name=f"{r.name}プロジェクト{i + 1}",
                    region=r,
                    lead_bureau=own[i % len(own)],
                    order=len(projects),
                )
            )
    for i in range(5):
        projects.append(
            Project(
                plan=strategy,
                slug=f"s{i + 1}",
                number=i + 1,
                name=f"重点戦略{i + 1}",
                order=len(projects),
            )
        )
    municipal_plans = Plan.objects.bulk_create(
        [
            Plan(
                organization=org,
                slug=f"m{m.code}",
                kind=Plan.Kind.COMPREHENSIVE,
                edition="第2期",
                title=f"{m.name}総合戦略",
                start_fy=2020,
                end_fy=2024,
                grading_scheme=scheme,
            )
            for m in municipalities
        ]
    )
    bureau_of = {m.code: m.bureau for m in municipalities}
    prefecture_projects = len(projects)
    for plan in municipal_plans:
        bureau = bureau_of[plan.slug[1:]]
        for i in range(scale.municipal_projects):
            projects.append(
                Project(
                    plan=plan,
                    slug=f"p{i + 1}",
                    number=i + 1,
                    name=f"{plan.title} 基本目標{i + 1}",
                    region_id=bureau.region_id,
                    lead_bureau=bureau,
                    order=i,
                )
            )
    projects = Project.objects.bulk_create(projects, batch_size=2000)
    Measure.objects.bulk_create(
        [Measure(project=p, title=f"{p.name}の施策", order=0) for p in projects], batch_size=2000
    )
    programs = Program.objects.bulk_create(
        [
            Program(
                organization=org,
                slug=f"prog-{p.pk}",
                project=p,
                bureau=p.lead_bureau,
                name=f"{p.name}推進事業",
                order=n,
            )
            for n, p in enumerate(projects[:prefecture_projects])
        ]
    )
    ProgramBudget.objects.bulk_create(
        [
            ProgramBudget(program=g, fy=fy, amount_thousand_yen=rng.randint(500, 50000))
            for g in programs
            for fy in range(FIRST_FY, LAST_FY + 1)
        ],
        batch_size=5000,
    )
    Evaluation.objects.bulk_create(
        [
            Evaluation(
                project=p,
                fy=fy,
                analysis=f"{p.name}の{fy}年度の分析と課題。",
                status=Evaluation.Status.PUBLISHED,
            )
            for p in projects[:prefecture_projects]
            for fy in range(2020, LAST_FY + 1)
        ],
        batch_size=5000,
    )
    indicators: list[Indicator] = []
    pending: list[list[Any]] = []
    for n, p in enumerate(projects):
        per = (
            scale.kpis_per_prefecture_project
            if n < prefecture_projects
            else scale.kpis_per_municipal_project
        )
        for k in range(per):
            indicator, rows = synth.indicator(p, f"k{k + 1}", k)
            indicators.append(indicator)
            pending.append(rows)
    indicators = Indicator.objects.bulk_create(indicators, batch_size=5000)
    actuals: list[PublishedActual] = []
    revisions: list[TargetRevision] = []
    for indicator, rows in zip(indicators, pending, strict=True):
        for row in rows:
            if isinstance(row, TargetRevision):
                row.indicator = indicator
                revisions.append(row)
            else:
                actuals.append(PublishedActual(indicator.pk, row.fy, row.value, row.marker,
                                               None, row.national))  # fmt: skip
    # The synthetic figures are stored as published figures are: by the one writer.
    write_published(actuals)
    TargetRevision.objects.bulk_create(revisions, batch_size=5000)
    return {
        "organizations": 1,
        "municipalities": len(municipalities),
        "projects": len(projects),
        "indicators": len(indicators),
        "actuals": len(actuals),
    }
