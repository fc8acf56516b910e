"""The public pages show the loaded data; each reads in a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from chiiki.indicators.models import Indicator

pytestmark = pytest.mark.django_db


def test_home_lists_regions_with_declared_projects_and_budgets(client):
    html = client.get("/").content.decode()
    assert "北海道の地域政策" in html
    assert "道央広域" in html and "48,941" in html and "20,376" in html
    assert "市町村一覧（179市町村）" in html


def test_region_page(client):
    html = client.get(reverse("region", args=["dohoku"])).content.decode()
    assert "魅力ある地域資源を活かした「きた北海道」への来訪促進プロジェクト" in html
    assert "プロジェクト数（公表）: 13" in html


def test_bureau_page_shows_programs_municipalities_and_initiatives(client):
    html = client.get(reverse("bureau", args=["kushiro"])).content.decode()
    assert "国定公園化を契機とした新たな人の流れ創出事業" in html and "7,000" in html
    assert "管内の市町村（8）" in html and "弟子屈町" in html
    assert "2021年度" in html and "くしろ地域と東京特別区による関係醸成プロジェクト" in html


def test_project_page_shows_the_kpi_table_as_published(client):
    url = reverse("project", args=["creation-strategy-1", "semeno-nourinsuisan"])
    html = client.get(url).content.decode()
    assert "道産木材の利用量" in html
    assert "447.0万m³" in html and "102.7%" in html and "A①" in html
    assert "10,705億円" in html and "現状値以上" in html


def _tables_of(html):
    """The text of each <table> of a page, in order."""
    return [re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<table.*?</table>", html, re.S)]


def test_projects_4_and_5_show_their_kpi_tables_and_analyses(client):
    html = client.get(
        reverse("project", args=["creation-strategy-1", "asia-no-hokkaido"])
    ).content.decode()
    goals, kpis = [t for t in _tables_of(html) if "基準値" in t]
    # the 数値目標 table as published: 道産食品輸出額 (shared with project 3) then 外国人観光客
    assert goals.index("道産食品輸出額") < goals.index("外国人観光客")
    assert "プロジェクト3と共通" in goals and "プロジェクト3と共通" not in kpis
    assert "774億円" in goals and "77.4%" in goals
    assert "500万人" in goals and "55.8%" in goals and "B" in goals
    assert "累計12件" in kpis and "100.0%" in kpis and "A①" in kpis
    assert "106.9%" in kpis
    assert "分析と課題" in html and "1,500億円&lt;R5&gt;" in html
    html = client.get(
        reverse("project", args=["creation-strategy-1", "chiiki-jiritsuken"])
    ).content.decode()
    assert "国や道の広域連携制度に取り組む地域数" in html and "A②" in html and "96.0%" in html
    assert "78.6%" in html and "15分野" in html
    assert "広域連携制度に取り組む地域数は、総合戦略策定時の目標を達成し" in html


def test_a_shared_indicator_names_both_projects(client):
    exports = Indicator.objects.get(slug="food-exports")
    html = client.get(reverse("indicator", args=[exports.pk])).content.decode()
    assert "掲載するプロジェクト" in html
    assert "未来を拓く「攻めの農・林・水産業」確立プロジェクト" in html
    assert "輝く「アジアのHOKKAIDO」創造プロジェクト" in html


def test_project_page_flags_lost_names(client):
    html = client.get(
        reverse("project", args=["creation-strategy-1", "sumairu-hokkaido"])
    ).content.decode()
    assert "（名称不明）" in html and "名称は推定" in html
    assert "累計10,500人" in html and "H27～R1" in html


def test_project_page_budget_total(client):
    html = client.get(
        reverse("project", args=["regional-policy-r3", "kita-hokkaido"])
    ).content.decode()
    # 3,810 + 3,212 + 5,013 + 2,138
    assert "14,173" in html


def test_municipality_list(client):
    html = client.get(reverse("municipalities")).content.decode()
    assert html.count('<td class="code">') == 179
    assert "011002" in html and "サッポロシ" in html


def test_support_page(client):
    html = client.get(reverse("support")).content.decode()
    assert "地域づくり総合交付金" in html and "45.5億円" in html and "32人" in html


def test_unknown_objects_are_404(client):
    assert client.get(reverse("region", args=["nowhere"])).status_code == 404
    assert client.get(reverse("project", args=["regional-policy-r3", "nowhere"])).status_code == 404


def test_page_text_from_data_is_escaped(client):
    from chiiki.plans.models import Project

    Project.objects.filter(slug="kita-hokkaido").update(name="<script>alert(1)</script>")
    html = client.get(reverse("region", args=["dohoku"])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("name", "args", "queries"),
    [
        ("home", [], 12),  # + the grading schemes in use, + the data version (grade counts kept)
        ("region", ["doou"], 12),  # + programs, budgets, settlements, unit costs (full cost)
        ("bureau", ["kamikawa"], 9),
        ("plan", ["regional-policy-r3"], 6),
        ("project", ["creation-strategy-1", "sumairu-hokkaido"], 11),
        ("project", ["creation-strategy-1", "asia-no-hokkaido"], 15),  # + listings, fixed
        ("indicator", [1], 8),
        ("municipalities", [], 3),
        ("support", [], 5),
        ("proposals", [], 8),
        ("proposal", [1], 7),
        ("program", [1], 9),  # + settlements, unit costs, own indicators, KPIs, reviews
        ("municipality", ["016012"], 10),
        ("meetings", ["tokachi"], 4),
    ],
)
def test_pages_read_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, name, args, queries
):
    with django_assert_max_num_queries(queries):
        assert client.get(reverse(name, args=args)).status_code == 200


def test_indicator_page_shows_computed_and_published_rates_and_a_labelled_forecast(client):
    from chiiki.indicators.models import Indicator

    senior = Indicator.objects.get(slug="active-senior-training")
    html = client.get(reverse("indicator", args=[senior.pk])).content.decode()
    assert "累計10,500人" in html and "67.5%" in html and "67.4%" in html and "計算値と相違" in html
    assert "予測（実績ではありません）" in html and "要注意" in html


def test_indicator_page_of_a_national_target_shows_the_national_values_and_their_source(client):
    from chiiki.indicators.models import Indicator

    women = Indicator.objects.get(slug="women-25-34-employment-rate")
    html = client.get(reverse("indicator", args=[women.pk])).content.decode()
    assert "77.6%" in html and "逆算" in html and "A③" in html


def test_indicator_page_without_actuals_says_why_there_is_no_grade(client):
    from chiiki.indicators.models import Indicator

    main = Indicator.objects.get(slug="doou-tantekko-main-kpi")
    html = client.get(reverse("indicator", args=[main.pk])).content.decode()
    assert "判定不能" in html and "実績値がまだありません" in html


def test_project_page_shows_grades_decided_by_the_rule(client):
    html = client.get(
        reverse("project", args=["creation-strategy-1", "sumairu-hokkaido"])
    ).content.decode()
    assert "A②" in html and "判定" in html and "公表 67.4%" in html


def test_the_project_page_writes_rates_as_the_official_report_does_under_any_scheme(client):
    """Under the 'marks' scheme rates beyond the bounds read 「100%超」/「0%未満」: the page and
    the report print the same text from the scheme's own formatting."""
    from chiiki.indicators.grading import recompute
    from chiiki.plans.models import Organization, Plan
    from chiiki.reports.builders import progress_report
    from chiiki.reports.layout import Table

    Plan.objects.filter(slug="creation-strategy-1").update(grading_scheme="marks")
    recompute()
    report = progress_report(Organization.objects.get(slug="hokkaido"))
    section = next(s for s in report.sections if "未来を拓く" in s.heading)
    printed = {
        cell.text
        for block in section.blocks
        if isinstance(block, Table)
        for row in block.body
        for cell in row
        if cell.text.endswith(("%", "超", "未満"))
    }
    assert "0%未満" in printed or "100%超" in printed
    html = client.get(
        reverse("project", args=["creation-strategy-1", "semeno-nourinsuisan"])
    ).content.decode()
    assert printed and all(text in html for text in printed), printed


def test_listing_more_indicators_in_a_project_adds_no_query(client, django_assert_max_num_queries):
    """Listed indicators (decision 0008) are read with the project's own: three more listed in
    project 4 cost no more queries than the one the publication lists."""
    from chiiki.indicators.models import Indicator, IndicatorListing
    from chiiki.plans.models import Project

    asia = Project.objects.get(slug="asia-no-hokkaido")
    others = Indicator.objects.exclude(project=asia).exclude(listings__project=asia)[:3]
    for n, ind in enumerate(others, start=90):
        IndicatorListing.objects.create(indicator=ind, project=asia, order=n)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("project", args=["creation-strategy-1", "asia-no-hokkaido"]))
    assert html.status_code == 200
    assert all(ind.display_name in html.content.decode() for ind in others)


def test_year_pickers_open_any_year_without_editing_the_url(client, personas):
    client.force_login(personas["hq_planner"])
    base = "/plans/regional-policy-r3/projects/tokachi-kankyo-senshin/"
    assert 'id="eval-fy"' in client.get(base).content.decode()
    r = client.get(base + "evaluations/?fy=令和4年度")
    assert r.status_code == 302 and r["Location"] == base + "evaluations/2022/"
    r = client.get(base + "evaluations/?fy=R０", follow=True)
    assert "令和は1年（元年）から始まります" in r.content.decode()
    r = client.get("/bureaus/tokachi/actuals/?fy=H30")
    assert r.status_code == 302 and r["Location"] == "/bureaus/tokachi/actuals/2018/"
    assert 'value="R3"' in client.get("/bureaus/tokachi/actuals/2021/").content.decode()


@pytest.mark.django_db
def test_a_kpi_table_without_any_actual_keeps_its_columns(client):
    """R3's KPIs have no actuals yet: each row still fills the actuals column (said, not
    dropped), so every row has as many cells as the header."""
    import re

    html = client.get(
        reverse("project", args=["regional-policy-r3", "tokachi-kankyo-senshin"])
    ).content.decode()
    table = html[html.index('<table class="data kpi">') : html.index("</table>")]
    assert "実績値はまだありません" in table
    first = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S).group(1)
    assert first.count("<td") + first.count("<th") == 6  # name, baseline, 2 targets, actuals, grade


@pytest.mark.django_db
def test_a_project_without_a_stated_lead_bureau_says_why(client):
    html = client.get(
        reverse("project", args=["regional-policy-r3", "kn-zero-carbon"])
    ).content.decode()
    assert (
        "出典に主担当の振興局の記載はありません（釧路・根室の連携地域全体の取組として公表）" in html
    )


@pytest.mark.django_db
def test_a_bureaus_budgets_are_a_column_per_year(client):
    """The year is in the header, not in the money cell (空知's 炭鉄港 program: 5,715千円 in R3)."""
    html = client.get(reverse("bureau", args=["sorachi"])).content.decode()
    assert "R3予算額" in html
    assert '<td class="num">5,715</td>' in html and "R3 5,715" not in html
