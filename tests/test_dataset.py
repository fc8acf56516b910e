"""The Hokkaido dataset, proved against the seed documents' figures."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from chiiki.core.codes import check_digit
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator, IndicatorListing
from chiiki.plans.models import (
    Bureau,
    Municipality,
    Plan,
    Program,
    ProgramBudget,
    Project,
    Region,
    RegionPlan,
)
from chiiki.support.models import CooperationArea, SupportFigure, SupportScheme

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# seed 002, in table order: (事業名, R3 予算額 千円)
R3_PROGRAM_BUDGETS = [
    ("日本遺産「炭鉄港」広域連携推進事業", 5715),
    ("空知地域エゾシカ肉有効活用需要喚起事業", 900),
    ("いしかり地域戦略推進プロジェクト", 7000),
    ("ポストコロナいしかり地域戦略推進プロジェクト", 9515),
    ("いしかり・ライフスタイル魅力発信・若者定着促進事業", 7717),
    ("ShiriBeshi 自然と食を活かしたツーリズム推進事業", 2460),
    ("ShiriBeshi ニシン利用拡大推進事業", 844),
    ("いぶり観光・教育旅行誘致促進事業", 6726),
    ("いぶり・食ブランド推進事業", 3269),
    ("ナナイロひだか人材確保事業", 3330),
    ("日高山脈襟裳国定公園及びアポイ岳ジオパークの利活用促進事業", 1465),
    ("JOMON渡島ネクストステージ事業2021", 7000),
    ("「食彩王国南北海道」スパイラルアップ事業", 2108),
    ("ブリの活用連携促進事業", 1623),
    ("「食と観光 ひやまの魅力」向上・創出事業", 3891),
    ("檜山地域関係人口創出事業", 3582),
    ("かみかわツーリズム誘客促進事業", 3810),
    ("「かみかわ新交流時代」における関係・交流人口拡大事業", 3212),
    ("るもい「食」のバリューアップ事業", 1283),
    ("オロロンラインツーリズム推進事業", 5013),
    ("てっぺん宗谷de ポストコロナ観光地づくり推進事業", 2138),
    ("宗谷New Normal促進支援事業", 1970),
    ("地域に根ざすオホーツク愛創生事業", 1393),
    ("地域連携推進オホーツク活性化事業", 6613),
    ("多様な人材の活躍による地域づくり事業", 1395),
    ("宇宙産業理解促進事業", 787),
    ("国定公園化を契機とした新たな人の流れ創出事業", 7000),
    ("担い手の確保・人材育成等を通じた地域産業の振興事業", 298),
    ("北海道くしろ地域と東京特別区による関係醸成プロジェクト", 4000),
    ("新型コロナウイルスを克服するための「ねむろの食と観光」競争力強化事業", 6835),
    ("根室地域産エゾシカ肉「根室ディア」普及促進事業", 2243),
]


def test_hokkaido_has_six_regions_fourteen_bureaus_and_179_municipalities():
    assert list(Region.objects.values_list("name", flat=True)) == [
        "道央広域",
        "道南",
        "道北",
        "オホーツク",
        "十勝",
        "釧路・根室",
    ]
    assert Bureau.objects.count() == 14
    assert Bureau.objects.filter(kind=Bureau.Kind.GENERAL).count() == 9
    assert Municipality.objects.count() == 179


def test_every_bureau_sits_in_its_region():
    region_of = dict(Bureau.objects.values_list("short_name", "region__name"))
    assert region_of == {
        "空知": "道央広域",
        "石狩": "道央広域",
        "後志": "道央広域",
        "胆振": "道央広域",
        "日高": "道央広域",
        "渡島": "道南",
        "檜山": "道南",
        "上川": "道北",
        "留萌": "道北",
        "宗谷": "道北",
        "オホーツク": "オホーツク",
        "十勝": "十勝",
        "釧路": "釧路・根室",
        "根室": "釧路・根室",
    }


def test_every_municipality_code_has_a_valid_check_digit_and_hokkaido_prefix():
    for code in Municipality.objects.values_list("code", flat=True):
        assert code.startswith("01")
        assert int(code[5]) == check_digit(code[:5]), code


def test_municipalities_per_bureau():
    counts = Counter(Municipality.objects.values_list("bureau__short_name", flat=True))
    assert counts == {
        "空知": 24,
        "石狩": 8,
        "後志": 20,
        "胆振": 11,
        "日高": 7,
        "渡島": 11,
        "檜山": 7,
        "上川": 23,
        "留萌": 8,
        "宗谷": 10,
        "オホーツク": 18,
        "十勝": 19,
        "釧路": 8,
        "根室": 5,
    }
    sapporo = Municipality.objects.get(code="011002")
    assert (sapporo.name, sapporo.kana, sapporo.bureau.short_name) == (
        "札幌市",
        "サッポロシ",
        "石狩",
    )


def test_r3_plan_declares_51_projects_by_region():
    plan = Plan.objects.get(slug="regional-policy-r3")
    assert plan.declared_project_total == 51
    assert (plan.start_fy, plan.adopted_month.isoformat()) == (2021, "2022-01-01")
    declared = dict(
        RegionPlan.objects.filter(plan=plan).values_list("region__name", "declared_project_count")
    )
    assert declared == {
        "道央広域": 18,
        "道南": 6,
        "道北": 13,
        "オホーツク": 5,
        "十勝": 4,
        "釧路・根室": 5,
    }


def test_projects_the_seeds_do_not_name_are_not_invented():
    plan = Plan.objects.get(slug="regional-policy-r3")
    held = Counter(Project.objects.filter(plan=plan).values_list("region__name", flat=True))
    declared = dict(
        RegionPlan.objects.filter(plan=plan).values_list("region__name", "declared_project_count")
    )
    for region, n in held.items():
        assert n <= declared[region]
    assert sum(held.values()) == 26


def test_each_region_example_project_keeps_its_measures_and_main_kpi():
    examples = Project.objects.filter(plan__slug="regional-policy-r3", is_example=True)
    assert examples.count() == 6
    tantekko = examples.get(slug="doou-tantekko")
    assert [m.title for m in tantekko.measures.all()] == [
        "次代に「繋ぐ」炭鉄港",
        "地域で「稼ぐ」炭鉄港",
    ]
    kpi = tantekko.indicators.get(is_main=True)
    assert (
        kpi.name,
        kpi.unit,
        kpi.baseline_value,
        kpi.baseline_fy,
        kpi.target_value,
        kpi.target_fy,
    ) == (
        "炭鉄港推進協議会構成市町への観光入込客数",
        "千人",
        Decimal(7250),
        2020,
        Decimal(7468),
        2025,
    )
    kita = examples.get(slug="kita-hokkaido")
    assert [m.title for m in kita.measures.all()] == [
        "空港運営の一括民間委託を契機とした航空ネットワークの充実・強化"
    ]
    zero_carbon = examples.get(slug="kn-zero-carbon").indicators.get()
    assert (zero_carbon.unit, zero_carbon.baseline_value, zero_carbon.target_value) == (
        "万kW",
        Decimal("47.4"),
        Decimal("79.9"),
    )
    okhotsk = examples.get(slug="okhotsk-teichaku").indicators.get()
    assert (okhotsk.target_value, okhotsk.target_fy, okhotsk.decimal_places) == (
        Decimal(75),
        2024,
        1,
    )


def test_every_r3_program_budget_matches_seed_002():
    rows = list(
        Program.objects.filter(kind=Program.Kind.PROJECT)
        .order_by("order")
        .values_list("name", "budgets__fy", "budgets__amount_thousand_yen")
    )
    assert rows == [(name, 2021, amount) for name, amount in R3_PROGRAM_BUDGETS]


def test_budget_totals_by_region_add_up():
    totals = Counter()
    for region, amount in ProgramBudget.objects.filter(fy=2021).values_list(
        "program__project__region__name", "amount_thousand_yen"
    ):
        totals[region] += amount
    assert totals == {
        "道央広域": 48941,
        "道南": 18204,
        "道北": 17426,
        "オホーツク": 8006,
        "十勝": 2182,
        "釧路・根室": 20376,
    }
    assert sum(totals.values()) == sum(a for _, a in R3_PROGRAM_BUDGETS) == 115135


def test_a_cross_bureau_project_counts_in_its_lead_bureaus_region():
    project = Project.objects.get(slug="kita-hokkaido")
    assert project.lead_bureau.short_name == "上川"
    assert project.lead_bureau_inferred
    assert sorted(b.short_name for b in project.other_bureaus.all()) == ["宗谷", "留萌"]
    assert project.region.name == "道北"
    assert project.programs.count() == 4


def test_single_bureau_regions_determine_the_lead_bureau():
    project = Project.objects.get(slug="tokachi-kankyo-senshin")
    assert project.lead_bureau.short_name == "十勝"
    assert not project.lead_bureau_inferred
    assert Project.objects.get(slug="doou-tantekko").lead_bureau is None


def _series(slug):
    ind = Indicator.objects.get(slug=slug)
    return {a.fy: (a.value, a.marker, a.published_rate) for a in ind.actuals.all()}


def test_kpi_actuals_markers_and_published_rates_match_seed_003():
    assert _series("total-fertility-rate") == {
        2015: (Decimal("1.31"), "", Decimal("90.3")),
        2016: (Decimal("1.29"), "", Decimal("89.6")),
        2017: (Decimal("1.29"), "", Decimal("90.2")),
        2018: (Decimal("1.27"), "", Decimal("89.4")),
    }
    assert _series("doctors-per-100k") == {
        2015: (None, "—", None),
        2016: (Decimal("238.3"), "", Decimal("99.3")),
        2017: (None, "—", None),
        2018: (None, "未", None),
    }
    assert _series("manufacturing-value-added-productivity")[2018] == (None, "未", None)
    assert _series("active-senior-training")[2018] == (Decimal(7086), "", Decimal("67.4"))


def test_target_kinds_and_revisions_are_kept():
    kinds = dict(
        Indicator.objects.filter(project__plan__slug="creation-strategy-1").values_list(
            "slug", "target_kind"
        )
    )
    assert kinds["total-fertility-rate"] == "national"
    assert kinds["wish-to-stay-rate"] == "above_baseline"
    assert kinds["agricultural-output"] == "at_or_above_current"
    senior = Indicator.objects.get(slug="active-senior-training")
    assert (
        senior.target_kind,
        senior.target_first_fy,
        senior.target_fy,
        senior.actuals_cumulative,
    ) == (
        "cumulative",
        2015,
        2019,
        True,
    )
    timber = Indicator.objects.get(slug="hokkaido-timber-use").revisions.get()
    assert (timber.original_value, timber.revised_value, timber.is_upward) == (
        Decimal(490),
        Decimal(447),
        False,
    )
    days = Indicator.objects.get(slug="unknown-days-kpi").revisions.get()
    assert (days.original_value, days.revised_value, days.is_upward) == (
        Decimal(75000),
        Decimal(95000),
        True,
    )


def test_lost_labels_are_flagged_never_invented():
    unknown = Indicator.objects.get(slug="unknown-days-kpi")
    assert unknown.name == "" and unknown.name_status == "unknown"
    assert unknown.display_name == "（名称不明）"
    inferred = Indicator.objects.get(slug="wish-to-stay-rate")
    assert inferred.name_status == "inferred" and "分析と課題" in inferred.name_note
    assert inferred.published_grade == ""


def test_strategy_projects_measures_and_analysis():
    projects = Project.objects.filter(plan__slug="creation-strategy-1").order_by("number")
    assert [p.number for p in projects] == [1, 2, 3, 4, 5]
    assert [p.measures.count() for p in projects] == [17, 10, 9, 9, 9]
    # 22 table rows; 道産食品輸出額 is one indicator printed under projects 3 and 4
    assert Indicator.objects.filter(project__plan__slug="creation-strategy-1").count() == 21
    listing = IndicatorListing.objects.get()
    assert (listing.indicator.slug, listing.indicator.project.number, listing.project.number) == (
        "food-exports",
        3,
        4,
    )
    analysis = Evaluation.objects.get(project__number=1, project__plan__slug="creation-strategy-1")
    assert analysis.fy == 2018
    assert len(analysis.analysis_items) == 2 and "<ul" not in analysis.analysis
    assert Evaluation.objects.filter(project__plan__slug="creation-strategy-1").count() == 5
    asia = Evaluation.objects.get(project__number=4, project__plan__slug="creation-strategy-1")
    # 「1,500億円<R5>」 is text, not a tag: the sanitiser keeps it
    assert "1,500億円<R5>" in asia.analysis and "500万人<R2>" in asia.analysis


def test_sources_are_documents_with_title_issuer_and_year():
    plan = Plan.objects.get(slug="creation-strategy-1")
    assert (
        plan.source.citation
        == "「北海道創生総合戦略 重点戦略プロジェクト 推進状況」（北海道、平成30年度実績まで）"
    )
    outline = Plan.objects.get(slug="regional-policy-r3").source
    assert (
        outline.citation
        == "『「連携地域別政策展開方針」について』（北海道、令和3年度（令和4年1月策定））"
    )
    assert {s.source.slug for s in SupportScheme.objects.all()} == {
        "strategy-2-municipal-support-r3",
        "regional-development-h27",
        "strategy-progress-h30",
    }
    assert not CooperationArea.objects.filter(source=None).exists()
    assert not Program.objects.filter(source=None).exists()
    for model in (SupportScheme, CooperationArea, Program, Plan):
        for row in model.objects.all():
            assert "seed" not in str(row.source) and "seed" not in getattr(row, "description", "")


def test_h25_plan_projects_by_theme_and_region():
    projects = Project.objects.filter(plan__slug="regional-policy-h25")
    assert projects.count() == 16
    assert Counter(projects.values_list("theme", flat=True)) == {
        "観光立国北海道の実現": 3,
        "海外成長力を活かした力強い経済の構築": 3,
        "環境次世代先進産業の創造": 5,
        "安心の絆を育むふるさとづくり": 5,
    }
    assert all(p.theme_inferred for p in projects)


def test_bureau_original_programs_name_a_bureau_only_where_the_text_does():
    programs = Program.objects.filter(kind=Program.Kind.BUREAU_ORIGINAL)
    assert programs.count() == 28
    assert programs.filter(bureau__isnull=False).count() == 10
    assert programs.get(slug="bo-01").bureau.short_name == "空知"


def test_municipal_support_figures():
    grant = dict(
        SupportFigure.objects.filter(
            scheme__slug="chiikizukuri-grant", metric="budget"
        ).values_list("fy", "value")
    )
    assert grant == {
        2018: Decimal("45.5"),
        2019: Decimal("45.5"),
        2020: Decimal("45.8"),
        2021: Decimal("45.8"),
    }
    staff = dict(
        SupportFigure.objects.filter(scheme__slug="staff-dispatch", metric="staff").values_list(
            "fy", "value"
        )
    )
    assert staff == {2018: 38, 2019: 38, 2020: 33, 2021: 32}
    regional = SupportFigure.objects.get(scheme__slug="dispatch-regional-promotion")
    assert (regional.fy, regional.value, regional.continuing, regional.unit) == (
        2015,
        42,
        22,
        "市町村",
    )


def test_missing_actuals_have_no_value_and_present_ones_no_marker():
    assert not Actual.objects.filter(value__isnull=True, marker="").exists()
    assert not Actual.objects.exclude(marker="").filter(value__isnull=False).exists()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_every_seed_002_cell_is_in_the_database():
    text = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    lines = [line.split("\t") for line in text.splitlines() if "【" in line]
    assert len(lines) == 31
    by_name = {
        p.name: p
        for p in Program.objects.filter(kind=Program.Kind.PROJECT).prefetch_related("budgets")
    }
    for cells in lines:
        name = cells[-2].split("】")[0].lstrip("【")
        program = by_name[name]
        assert f"{program.budgets.get().amount_thousand_yen:,}" == cells[-1].strip()
        assert program.description in cells[-2]
