"""The open-data actuals written by PostgreSQL (COPY) are byte for byte what the careful Python
path writes: every cell (figures without trailing zeros, era labels, the formula guard, quotes
and line feeds inside cells, empty cells) and every line end."""

import itertools
from decimal import Decimal

import pytest
from django.db import connection

from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Project
from chiiki.reports import opendata
from chiiki.reports.opendata import _CrLf

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's (runs in the PostgreSQL pass)"
)


def _both(org):
    by_database = b"".join(opendata.csv_lines(org, "actuals"))
    by_python = b"".join(opendata.csv_lines(org, "actuals", database_rendered=False))
    return by_database, by_python


@needs_postgresql
def test_the_hokkaido_actuals_are_the_same_bytes(org):
    by_database, by_python = _both(org)
    assert by_database.count(b"\r\n") == Actual.objects.count() + 1 > 80
    assert by_database == by_python


@pytest.fixture
def awkward(org):
    """Indicators and figures chosen to trip every rendering rule (fictional test data)."""
    project = Project.objects.filter(plan__organization=org).order_by("pk").first()
    names = [
        ("=SUM(A1)", "件", "published"),
        ('"quoted" and, comma', "-", "published"),
        ("two\nlines\r\nand CR", "＋人", "published"),
        ("＠mention", "", "published"),
        ("lost", "@", "unknown"),
        ("\ttab first", "%", "published"),
    ]
    indicators = [
        Indicator.objects.create(
            project=project,
            slug=f"awkward-{i}",
            kind=Indicator.Kind.KPI,
            name=name,
            unit=unit,
            name_status=status,
            order=900 + i,
            decimal_places=2,
        )
        for i, (name, unit, status) in enumerate(names)
    ]
    values = [
        Decimal("1500.000000"),
        Decimal("-0.000001"),
        Decimal("12345678901234.5"),
        Decimal("0"),
        Decimal("-42.10"),
        Decimal("0.000100"),
    ]
    for ind, value, fy in zip(
        indicators, values, [1945, 1989, 2018, 2019, 2100, 2026], strict=True
    ):
        Actual.objects.create(
            indicator=ind, fy=fy, value=value, national_value=value * 2,
            rate=Decimal("99.950"), published_rate=None,
        )  # fmt: skip
        Actual.objects.create(indicator=ind, fy=fy + (1 if fy < 2100 else -1), marker="未")
    return indicators


@needs_postgresql
def test_development_mode_writes_it_too(org, settings):
    """With DEBUG on (CHIIKI_DEBUG=1) Django wraps cursors to log their statements."""
    from django.db import connection

    settings.DEBUG = True
    connection.force_debug_cursor = True
    try:
        by_database, by_python = _both(org)
    finally:
        connection.force_debug_cursor = False
    assert by_database == by_python


@needs_postgresql
def test_awkward_cells_are_the_same_bytes(org, awkward):
    by_database, by_python = _both(org)
    assert b"'=SUM(A1)" in by_python and b'"""quoted"" and, comma"' in by_python
    assert b'"two\nlines\r\nand CR"' in by_python  # a line feed inside a cell stays bare
    assert "（名称不明）".encode() in by_python and "令和元年度".encode() in by_python
    assert by_database == by_python


def test_line_ends_are_found_across_any_split_of_the_blocks():
    data = b'a,"x\ny""\n",1\nb,"",2\n"\n",,3\n'
    expected = b'a,"x\ny""\n",1\r\nb,"",2\r\n"\n",,3\r\n'
    for cut in itertools.combinations(range(1, len(data)), 2):
        ends = _CrLf()
        pieces = [data[: cut[0]], data[cut[0] : cut[1]], data[cut[1] :]]
        assert b"".join(ends(p) for p in pieces) == expected, cut


def test_a_draft_editions_figures_stay_out_of_the_file(org, personas):
    """Actuals have no manager that hides draft editions: the file filters the plan's status,
    in the database-written path and the Python one alike (fictional figure)."""
    from chiiki.plans.models import EditionStatus
    from tests.test_authoring import copy_r3

    draft = copy_r3(personas["hq_planner"], org)
    assert draft.status == EditionStatus.DRAFT
    indicator = Indicator.with_drafts.filter(project__plan=draft).order_by("pk").first()
    Actual.objects.create(indicator=indicator, fy=2024, value=Decimal("424242"))
    by_python = b"".join(opendata.csv_lines(org, "actuals", database_rendered=False))
    assert b"424242" not in by_python and draft.slug.encode() not in by_python
    if connection.vendor == "postgresql":
        assert b"".join(opendata.csv_lines(org, "actuals")) == by_python
    assert "424242" not in b"".join(opendata.json_lines(org, "actuals")).decode()


def test_ties_in_the_order_keep_each_indicators_years_together(org):
    """Two projects of one plan with the same order, each with an indicator of the same order:
    both ways of writing the file give each indicator's years as one run, in the same order
    (fictional figures)."""
    plan = Project.objects.filter(plan__organization=org).order_by("pk").first().plan
    indicators = []
    for n in (1, 2):
        project = Project.objects.create(plan=plan, slug=f"tie-{n}", name=f"同順{n}", order=999)
        indicator = Indicator.objects.create(
            project=project, slug="tied", kind=Indicator.Kind.KPI, name=f"同順の指標{n}", order=1
        )
        for fy in (2020, 2021, 2022):
            Actual.objects.create(indicator=indicator, fy=fy, value=Decimal(n * 1000 + fy))
        indicators.append(indicator)
    by_python = b"".join(opendata.csv_lines(org, "actuals", database_rendered=False))
    keys = [line.split(b",")[0] for line in by_python.split(b"\r\n") if b"/tie-" in line]
    assert keys == [indicators[0].key.encode()] * 3 + [indicators[1].key.encode()] * 3
    if connection.vendor == "postgresql":
        assert b"".join(opendata.csv_lines(org, "actuals")) == by_python


@needs_postgresql
def test_the_file_leaves_the_callers_settings_as_they_were(org):
    """The database-written file turns PostgreSQL's JIT off for its query only, also inside a
    caller's transaction."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        assert b"".join(opendata.csv_lines(org, "actuals"))
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"
