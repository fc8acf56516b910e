"""`chiiki indicators evaluate` with the published rates and grades: "does my table reproduce?"
answered per year, per grade and in a summary, on seed 003's own published figures."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chiiki.core.batch import BatchError, published_rate_text, read_batch, reproduces
from chiiki.core.schemes import get_scheme

EXAMPLE = "docs/examples/seed003-published.csv"


def evaluate(*args):
    out = io.StringIO()
    call_command("indicators", "evaluate", *args, stdout=out)
    return out.getvalue()


def evaluate_with_schemes(monkeypatch, files: str, *args):
    """``evaluate`` with the installation's schemes named by CHIIKI_GRADING_SCHEMES."""
    from chiiki.core import schemes

    monkeypatch.setenv("CHIIKI_GRADING_SCHEMES", files)
    schemes.schemes.cache_clear()
    try:
        return evaluate(*args)
    finally:
        monkeypatch.delenv("CHIIKI_GRADING_SCHEMES")
        schemes.schemes.cache_clear()


def other_rules_by_five_points(monkeypatch):
    """docs/examples/other-rules.csv graded by the scheme docs/examples/five-points.yaml adds."""
    return json.loads(
        evaluate_with_schemes(
            monkeypatch,
            "docs/examples/five-points.yaml",
            "docs/examples/other-rules.csv",
            "--format",
            "json",
            "--scheme",
            "five-points",
        )
    )


def test_seed_003_reproduces_70_of_71_published_rates_and_every_grade():
    table = evaluate(EXAMPLE)
    assert "公表値の再現: 進捗率 70/71、進捗評価 19/19" in table
    # the one rate that differs (docs/kpi-rules.md: the source rounded a different figure)
    assert "アクティブ・シニア等の研修会の修了者 H30: 計算 67.5%、公表 67.4%" in table
    data = json.loads(evaluate(EXAMPLE, "--format", "json"))
    assert data["reproduced"] == {"rates": 70, "rates_published": 71, "grades": 19,
                                  "grades_published": 19}  # fmt: skip
    senior = next(i for i in data["indicators"] if i["name"].startswith("アクティブ・シニア"))
    h30 = next(y for y in senior["years"] if y["fy"] == 2018)
    assert (h30["published_rate"], h30["rate_reproduced"]) == ("67.4%", False)
    assert senior["grade_reproduced"] is True
    csv_text = evaluate(EXAMPLE, "--format", "csv")
    assert csv_text.splitlines()[0].endswith(
        "published_rate,rate_reproduced,published_grade,grade_reproduced"
    )


def test_without_published_columns_the_output_is_as_before():
    data = json.loads(evaluate("docs/examples/seed003-indicators.csv", "--format", "json"))
    assert "reproduced" not in data
    assert "公表値の再現" not in evaluate("docs/examples/seed003-indicators.csv")


def test_published_rates_as_tables_print_them():
    assert published_rate_text("８９．４％") == "89.4%"
    assert published_rate_text("89.4") == "89.4%"
    assert published_rate_text("－") == ""
    assert published_rate_text("100%超") == "100%超"
    with pytest.raises(ValueError, match="公表された進捗率として読めません"):
        published_rate_text("約90")
    marks = get_scheme("marks")
    assert reproduces("100%超", Decimal("120.0"), marks)
    assert reproduces("0%未満", Decimal("-195.2"), marks)
    assert not reproduces("100%超", Decimal("99.0"), marks)
    assert reproduces("", None, marks) and not reproduces("", Decimal("1.0"), marks)


def test_a_bad_published_rate_is_located(tmp_path):
    rows = open(EXAMPLE, encoding="utf-8").read().splitlines()
    rows[1] = rows[1].replace(",90.3,A③", ",約90,A③")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"bad\.csv 2行目 \[published_rate\] 公表された進捗率として読めません"
    ):
        evaluate(str(path))
    # a grade that differs between rows of one indicator is located too
    rows = open(EXAMPLE, encoding="utf-8").read().splitlines()
    rows[2] = rows[2].replace(",89.6,A③", ",89.6,B")
    with pytest.raises(Exception, match="published_grade"):
        read_batch(("\n".join(rows) + "\n").encode(), "grades.csv")


def test_the_other_governments_rules_from_the_example_file(monkeypatch):
    """docs/examples/other-rules.csv: a signed quantity judged from the baseline, yearly
    targets, a target relative to the year before; graded by Hokkaido's scheme and by a
    scheme the installation adds (docs/examples/five-points.yaml)."""

    data = json.loads(evaluate("docs/examples/other-rules.csv", "--format", "json"))
    by_id = {i["id"]: i for i in data["indicators"] if "series" not in i}
    assert by_id["net-migration"]["rates"] == {"2022": 12.8, "2023": 24.4}
    assert by_id["new-farmers"]["rates"] == {"2025": 105.0, "2026": 95.0}
    assert [y["target"] for y in by_id["new-farmers"]["years"]] == [120, 140]
    assert by_id["visitors"]["rates"] == {"2021": None, "2022": 105.0, "2023": 98.1}
    assert by_id["visitors"]["years"][0]["reason"] == "no_previous_year"
    assert [by_id[k]["grade"] for k in ("net-migration", "new-farmers", "visitors")] == [
        "B", "A③", "A③",
    ]  # fmt: skip
    five = other_rules_by_five_points(monkeypatch)
    assert [i["grade"] for i in five["indicators"]] == ["D", "A", "A", "A", "S", "B"]


def test_an_indicator_with_several_series(monkeypatch):
    """top-quarter in docs/examples/other-rules.csv: 小学校 and 中学校, each with its own
    actuals; Hokkaido's scheme takes the worst series grade, the example five-point scheme
    (series_rule: mean_rate) grades on the mean rate."""

    data = json.loads(evaluate("docs/examples/other-rules.csv", "--format", "json"))
    entries = [i for i in data["indicators"] if i["id"] == "top-quarter"]
    whole, elementary, junior = entries
    assert whole["series_names"] == ["小学校", "中学校"] and whole["series_rule"] == "worst"
    assert whole["target_kind"] == "series" and whole["years"] == []
    assert elementary["rates"] == {"2023": 92.6, "2024": 101.9} and elementary["grade"] == "A①"
    assert junior["rates"] == {"2023": 74.1, "2024": 80.0} and junior["grade"] == "A③"
    assert (whole["grade"], whole["grade_fy"]) == ("A③", 2024)
    table = evaluate("docs/examples/other-rules.csv")
    assert "算数・数学の正答率が全国の上位25%にある児童生徒の割合（小学校・中学校）" in table
    csv_rows = evaluate("docs/examples/other-rules.csv", "--format", "csv").splitlines()
    assert csv_rows[0].startswith("indicator_id,series,name,fy,rate")
    assert (
        "top-quarter,,算数・数学の正答率が全国の上位25%にある児童生徒の割合,,,,A③,2024" in csv_rows
    )
    five = other_rules_by_five_points(monkeypatch)
    whole = next(i for i in five["indicators"] if i.get("series_names"))
    # (101.9 + 80.0) ÷ 2 = 90.95 → 91.0%: A (90% or more), not S (not every series met)
    assert whole["series_rule"] == "mean_rate" and whole["grade"] == "A"


def test_series_rows_must_all_name_their_series():
    header = (
        "indicator_id,name,unit,direction,method,baseline_value,baseline_fy,target_kind,"
        "target_value,target_fy,revised_target_value,fy,actual,national_value,series\n"
    )
    rows = "x,割合,%,up,,,,absolute,27,R9,,R6,25,,小学校\nx,割合,%,up,,,,absolute,27,R9,,R6,20,,\n"
    with pytest.raises(BatchError) as caught:
        read_batch((header + rows).encode(), "series.csv")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "series") and "系列名" in problem.message


def test_a_published_grade_of_a_series_indicator_is_the_indicators():
    header = (
        "indicator_id,name,unit,direction,method,baseline_value,baseline_fy,target_kind,"
        "target_value,target_fy,revised_target_value,fy,actual,national_value,series,"
        "published_grade\n"
    )
    rows = (
        "x,割合,%,up,,,,absolute,27,R9,,R6,27.5,,小学校,A③\n"
        "x,割合,%,up,,,,absolute,27,R9,,R6,21.6,,中学校,A③\n"
    )
    path = "series.csv"
    from chiiki.core.batch import reproduction, results

    scheme = get_scheme("hokkaido")
    evaluated = results(read_batch((header + rows).encode(), path), scheme)
    summary = reproduction(evaluated, scheme)
    # one grade compared (the indicator's A③), not the 小学校 series' own A①
    assert (summary.grades, summary.grades_published) == (1, 1)


def test_a_published_progress_table_graded_on_the_direction_of_change(monkeypatch):
    """docs/examples/chiba-progress.csv: three indicators of 千葉県's 第2期千葉県地方創生総合戦略
    as its 2023 progress report printed them (R3 and R4 figures), graded 進展/進展せず by the
    scheme docs/examples/progress-direction.yaml (better than the year before or not): every
    published grade reproduces, and no rate is claimed since the table printed none."""
    scheme = "docs/examples/progress-direction.yaml"
    csv_file = "docs/examples/chiba-progress.csv"
    table = evaluate_with_schemes(monkeypatch, scheme, csv_file, "--scheme", "progress-direction")
    data = json.loads(
        evaluate_with_schemes(
            monkeypatch, scheme, csv_file, "--format", "json", "--scheme", "progress-direction"
        )
    )
    assert "公表値の再現: 進捗評価 3/3" in table and "進捗率" not in table.splitlines()[-1]
    grades = {i["name"]: i["grade"] for i in data["indicators"]}
    assert grades == {
        "人口の社会増": "進展",  # 18,225 → 18,740人
        "県内企業立地件数（累計）": "進展",  # 139 → 237件
        "高規格幹線道路の整備率": "進展せず",  # 93% → 93%
    }
