"""Bad input to the dataset loader: a located message, and nothing written."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from chiiki.datasets.loader import DATASETS_DIR, load_dataset
from chiiki.datasets.reading import DatasetError
from chiiki.plans.models import ProgramBudget, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(tmp_path) -> Path:
    """A writable copy of the Hokkaido dataset to break."""
    target = tmp_path / "hokkaido"
    shutil.copytree(DATASETS_DIR / "hokkaido", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


def problems_of(dataset: Path) -> list:
    with pytest.raises(DatasetError) as err:
        load_dataset("hokkaido", directory=dataset)
    return err.value.problems


def test_a_budget_typo_is_located_and_no_other_change_is_written(dataset):
    plan = dataset / "plan-regional-r3.yaml"
    # a valid change that must NOT land because another row is broken
    edit(plan, 'budget: "900"', 'budget: "901"')
    edit(plan, 'budget: "5,715"', 'budget: "1,2３4"')
    [problem] = problems_of(dataset)
    assert problem.file == "plan-regional-r3.yaml"
    assert problem.line == line_of(plan, "1,2３4")
    assert problem.field == "sorachi-tantekko-koiki.budget"
    assert "半角と全角の数字が混在" in problem.message and "4文字目" in problem.message
    assert ProgramBudget.objects.get(program__slug="sorachi-ezoshika").amount_thousand_yen == 900


def test_an_unknown_bureau_is_reported_where_it_is_used(dataset):
    plan = dataset / "plan-regional-r3.yaml"
    edit(plan, "bureau: 石狩, project:", "bureau: 札幌, project:")
    problems = problems_of(dataset)
    assert any(
        p.line == line_of(plan, "bureau: 札幌")
        and "振興局「札幌」は定義されていません" in p.message
        for p in problems
    )


def test_an_impossible_era_is_refused(dataset):
    strategy = dataset / "plan-creation-strategy-1.yaml"
    edit(strategy, "baseline_fy: H26", "baseline_fy: R0")
    [problem] = problems_of(dataset)
    assert problem.field == "total-fertility-rate.baseline_fy"
    assert "令和は1年（元年）から始まります" in problem.message
    assert problem.line == line_of(strategy, "baseline_fy: R0")


def test_a_bad_check_digit_is_located_in_the_csv(dataset):
    csv = dataset / "municipalities.csv"
    edit(csv, "011002,札幌市", "011003,札幌市")
    [problem] = problems_of(dataset)
    assert (problem.file, problem.line, problem.field) == ("municipalities.csv", 2, "code")
    assert "検査数字" in problem.message


def test_a_cp932_file_is_refused_not_misread(dataset):
    csv = dataset / "municipalities.csv"
    csv.write_bytes(csv.read_text(encoding="utf-8").encode("cp932"))
    [problem] = problems_of(dataset)
    assert problem.file == "municipalities.csv" and "UTF-8 として読めません" in problem.message


def test_yaml_duplicate_keys_are_an_error_not_a_silent_overwrite(dataset):
    support = dataset / "support.yaml"
    edit(support, "budget: {H30: 45.5億円,", "budget: {H30: 45.5億円, H30: 99億円,")
    [problem] = problems_of(dataset)
    assert problem.file == "support.yaml" and "重複" in problem.message


def test_unquoted_commas_in_a_flow_mapping_are_caught(dataset):
    strategy = dataset / "plan-creation-strategy-1.yaml"
    edit(strategy, 'H28: "1,033万円"', "H28: 1,033万円")
    problems = problems_of(dataset)
    assert problems and all(p.file == "plan-creation-strategy-1.yaml" for p in problems)


def test_mixed_units_in_one_indicator_are_refused(dataset):
    strategy = dataset / "plan-creation-strategy-1.yaml"
    edit(strategy, 'H27: "497件"', 'H27: "497人"')
    problems = problems_of(dataset)
    assert any("単位がそろっていません" in p.message for p in problems)


def test_declared_counts_must_add_up_to_the_plan_total(dataset):
    edit(
        dataset / "plan-regional-r3.yaml",
        "declared_project_count: 18",
        "declared_project_count: 19",
    )
    [problem] = problems_of(dataset)
    assert "合計 52 が全体 51 と一致しません" in problem.message


def test_every_problem_is_reported_at_once(dataset):
    edit(dataset / "municipalities.csv", "011002,札幌市", "011003,札幌市")
    edit(dataset / "plan-regional-r3.yaml", 'budget: "900"', 'budget: "9OO"')
    edit(dataset / "plan-creation-strategy-1.yaml", "baseline_fy: H26", "baseline_fy: R0")
    assert {p.file for p in problems_of(dataset)} == {
        "municipalities.csv",
        "plan-regional-r3.yaml",
        "plan-creation-strategy-1.yaml",
    }


def test_loading_twice_changes_nothing():
    report = load_dataset("hokkaido")
    assert report.changed == 0
    assert sum(report.unchanged.values()) > 500


def test_a_corrected_value_is_updated_in_place(dataset):
    edit(dataset / "plan-regional-r3.yaml", 'budget: "900"', 'budget: "950"')
    report = load_dataset("hokkaido", directory=dataset)
    assert report.updated == {"予算額": 1}
    assert sum(report.created.values()) == 0
    assert ProgramBudget.objects.get(program__slug="sorachi-ezoshika").amount_thousand_yen == 950


def test_a_corrected_measure_list_replaces_the_old_positions(dataset):
    edit(
        dataset / "plan-regional-r3.yaml",
        "■次代に「繋ぐ」炭鉄港 ■地域で「稼ぐ」炭鉄港 ",
        "■次代に「繋ぐ」炭鉄港 ",
    )
    report = load_dataset("hokkaido", directory=dataset)
    assert report.deleted == {"施策": 1}
    project = Project.objects.get(slug="doou-tantekko")
    assert [m.title for m in project.measures.all()] == ["次代に「繋ぐ」炭鉄港"]


def test_an_unknown_dataset_name_lists_the_available_ones():
    with pytest.raises(LookupError, match="hokkaido"):
        load_dataset("okinawa")


def test_a_reload_that_corrects_an_actual_is_audited_and_shows_in_the_history(dataset):
    import datetime as dt

    from django.utils import timezone

    from chiiki.audit.models import AuditEntry
    from chiiki.indicators.history import actuals_as_of
    from chiiki.indicators.models import Indicator

    edit(dataset / "plan-creation-strategy-1.yaml", 'H27: "497件"', 'H27: "498件"')
    before_load = timezone.now() - dt.timedelta(seconds=1)
    load_dataset("hokkaido", directory=dataset)
    entry = AuditEntry.objects.get(action="indicator.actual.corrected")
    assert entry.actor is None and "データセット読込" in entry.summary
    assert (entry.old["value"], entry.new["value"], entry.new["version"]) == ("497", "498", 1)
    pregnancy = Indicator.objects.get(slug="pregnancy-consultations")
    past = {
        p.fy: p.value for p in actuals_as_of(pregnancy, before_load, list(pregnancy.actuals.all()))
    }
    assert past[2015] == 497
    assert pregnancy.actuals.get(fy=2015).rate == Decimal("83.0")


def test_proposal_and_cooperation_area_mistakes_are_located_and_nothing_is_written(dataset):
    from chiiki.proposals.models import Proposal
    from chiiki.support.models import CooperationArea

    before = (Proposal.objects.count(), CooperationArea.objects.count())
    proposals = dataset / "proposals.yaml"
    support = dataset / "support.yaml"
    edit(proposals, "bureaus: [宗谷, 留萌, 上川]", "bureaus: [宗谷, 留萌, 上河]")
    edit(proposals, "{department: 水産林務部,", "{department: 水産部,")
    edit(
        support,
        "members: [南幌町, 由仁町, 長沼町, 栗山町]",
        "members: [南幌町, 由仁町, 長沼市, 栗山町]",
    )
    found = {(p.file, p.line, p.field): p.message for p in problems_of(dataset)}
    assert found == {
        (
            "proposals.yaml",
            line_of(proposals, "上河"),
            "proposals.bureaus",
        ): "振興局「上河」は定義されていません",
        (
            "proposals.yaml",
            line_of(proposals, "水産部"),
            "proposals.reflections.department",
        ): "部局「水産部」は departments に定義されていません",
        (
            "support.yaml",
            line_of(support, "長沼市"),
            "cooperation_areas.members",
        ): "市町村「長沼市」が見つかりません",
    }
    assert (Proposal.objects.count(), CooperationArea.objects.count()) == before
