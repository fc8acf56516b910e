"""Property-based fuzzing of every parser a user's file or form reaches: the evaluate CSV, the
CSV and xlsx importers, 和暦 and numbers. Inputs are built from the real formats with cells
drawn from valid, near-valid and hostile values, so the search reaches deep into the parsers
rather than stopping at the header. The promise: no crash, only located errors.
(Coverage-guided fuzzing of the same parsers with atheris: fuzz/README.md.)"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from chiiki.core.batch import COLUMNS, BatchError, read_batch
from chiiki.core.costs import parse_staff_years
from chiiki.core.errors import ParseError
from chiiki.core.fiscal import format_fiscal_year, parse_fiscal_year, parse_fiscal_year_range
from chiiki.core.numbers import (
    MAX_FIGURE,
    Missing,
    format_quantity,
    parse_amount,
    parse_budget,
    parse_quantity,
    parse_value,
)
from chiiki.imports.reading import ImportError_, read_changes
from chiiki.imports.workbook import export_workbook
from chiiki.plans.models import Organization

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "docs" / "examples" / "seed003-indicators.csv").read_text(encoding="utf-8")

# Cells a person or another system might type, from right to badly wrong.
cells = st.one_of(
    st.sampled_from(
        [
            "",
            "1.31",
            "87,517",
            "８７，５１７",
            "1,23,4",
            "１．２７",
            "-3",
            "+5",
            "1e9",
            "NaN",
            "inf",
            "未",
            "—",
            "-",
            "―",
            "R1",
            "令和元年度",
            "令和元",
            "R１",
            "H31",
            "平成31年度",
            "R0",
            "令和99年度",
            "昭和64",
            "2019",
            "２０１９",
            "FY2019",
            "R1〜R6",
            "R6-R1",
            "national",
            "numeric",
            "increase",
            "decrease",
            "ratio",
            "true",
            "false",
            "12.3%",
            "５市町村",
            "1,234千人",
            "100万円",
            "=1+1",
            "@SUM(A1)",
            "<b>1</b>",
            "<script>alert(1)</script>",
            "\u200b1",
            "1\u3000",
            "\t1",
            "1\r\n2",
            '"',
            "''",
            "9" * 40,
            "0." + "0" * 30 + "1",
            "\ufeff1",
        ]
    ),
    st.text(max_size=12),
)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _located(problems, *, rows: int) -> None:
    """Every problem has a message and, when it names a line, a line of the file. Lines are
    physical lines as the csv module counts them (a lone CR inside a cell starts one)."""
    assert problems
    for p in problems:
        assert p.message.strip()
        assert p.line is None or 1 <= p.line <= rows + 1


# --------------------------------------------------------------------------- evaluate CSV

example_rows = list(csv.reader(io.StringIO(EXAMPLE)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, len(example_rows) - 1),
            st.integers(0, len(COLUMNS)),
            cells,
        ),
        max_size=6,
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
)
def test_evaluate_csv_mutated_cells_give_results_or_located_errors(edits, encoding):
    rows = [list(r) for r in example_rows]
    for r, c, value in edits:
        rows[r][min(c, len(rows[r]) - 1)] = value
    data = _csv(rows)
    try:
        raw = data.encode(encoding)
    except UnicodeEncodeError:
        raw = data.encode("utf-8")
    try:
        indicators = read_batch(raw, "batch.csv")
    except BatchError as exc:
        _located(exc.problems, rows=len(data.splitlines()) + 1)
        return
    # what was read is what the file says: its indicator ids, each with its rows' years
    ids = {r[0].strip() for r in rows[1:] if r and r[0].strip()}
    assert {i.id for i in indicators} <= ids and indicators


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_evaluate_csv_any_bytes_after_a_valid_header(noise):
    try:
        read_batch(EXAMPLE.split("\n", 1)[0].encode() + b"\n" + noise, "batch.csv")
    except BatchError as exc:
        _located(exc.problems, rows=len(noise.splitlines()) + 2)


# --------------------------------------------------------------------------- importers

BIRTHS = "creation-strategy-1/sumairu-hokkaido/total-fertility-rate"
keys = st.one_of(
    st.sampled_from([BIRTHS, "sorachi-tantekko-koiki", "no-such-key", "", "a/b/c/d"]),
    st.text(max_size=8),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["actual", "budget", "settled", "staff", "ACTUAL", "", "x"]),
            keys,
            cells,
            cells,
            cells,
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_csv_import_rows_give_changes_or_located_errors(org, personas, rows, with_version):
    header = ["record", "key", "fy", "value"] + (["version"] if with_version else [])
    data = _csv([header] + [list(r[: len(header)]) for r in rows])
    try:
        changeset = read_changes(
            data.encode("utf-8"), "in.csv", organization=org, actor=personas["hq_planner"]
        )
    except ImportError_ as exc:
        _located(exc.problems, rows=len(data.splitlines()) + 1)
        return
    _sound(changeset, rows=len(data.splitlines()))


def _sound(changeset, rows):
    """A successful read: every change is located in the file, its value is one the writer
    accepts as it stands, and nothing is counted twice."""
    seen = set()
    for change in changeset.changes:
        assert change.kind in ("actual", "budget", "settled", "staff") and change.target_id
        assert 1 <= change.where.line <= rows + 1
        assert (change.kind, change.target_id, change.fy) not in seen
        seen.add((change.kind, change.target_id, change.fy))
        if change.kind in ("budget", "settled"):
            assert isinstance(change.after, int)
            assert 0 <= parse_budget(str(change.after)) == change.after
        elif change.kind == "staff":
            assert parse_staff_years(str(change.after)) == change.after
        else:
            value, marker = change.after
            if marker:
                assert value is None and marker in {m.value for m in Missing}
            else:
                assert (
                    abs(value) < MAX_FIGURE and value == parse_quantity(format(value, "f")).number
                )
        assert change.new


@pytest.fixture(scope="module")
def exported(django_db_blocker):
    with django_db_blocker.unblock():
        return export_workbook(Organization.objects.get(slug="hokkaido"))


xlsx_values = st.one_of(
    cells,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),  # an xlsx cannot hold NaN or inf
    st.booleans(),
    st.none(),
    st.dates(),
    st.just("=1/0"),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 30), st.integers(1, 16), xlsx_values),
        min_size=1,
        max_size=5,
    )
)
def test_xlsx_import_edited_cells_give_changes_or_located_errors(org, personas, exported, edits):
    book = openpyxl.load_workbook(io.BytesIO(exported))
    for sheet, row, column, value in edits:
        ws = book.worksheets[sheet % len(book.worksheets)]
        try:
            ws.cell(row=row, column=column).value = value
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses these itself
            continue
    out = io.BytesIO()
    try:
        book.save(out)
    except (AttributeError, TypeError, ValueError):  # openpyxl cannot write this combination
        assume(False)
    try:
        changeset = read_changes(
            out.getvalue(), "in.xlsx", organization=org, actor=personas["hq_planner"]
        )
    except ImportError_ as exc:
        _located(exc.problems, rows=10_000)
        return
    _sound(changeset, rows=10_000)


# --------------------------------------------------------------------------- 和暦 and numbers


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        cells,
        st.text(
            alphabet="RHSrhs令和平成昭元年度0123456789０１２３４５６７８９〜~-/ 　", max_size=14
        ),
    )
)
def test_fiscal_years_parse_or_say_why(text):
    try:
        fy = parse_fiscal_year(text)
    except ParseError as exc:
        assert exc.describe().strip()
    else:  # a year read is a year written back the same way
        assert 1868 <= fy <= 2200 and parse_fiscal_year(format_fiscal_year(fy)) == fy
    try:
        rng = parse_fiscal_year_range(text)
    except ParseError as exc:
        assert exc.describe().strip()
    else:
        assert rng.first <= rng.last


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        cells,
        st.text(alphabet="0123456789０１２３４５６７８９,，.．%％千万億人円件-−+ ", max_size=16),
    )
)
def test_numbers_parse_or_say_why(text):
    for parse in (parse_value, lambda t: parse_amount(t, unit="千円")):
        try:
            parse(text)
        except ParseError as exc:
            assert exc.describe().strip()
    try:
        q = parse_quantity(text)
    except ParseError as exc:
        assert exc.describe().strip()
    else:  # within the range, and read back the same from how it is written
        assert abs(q.number) < MAX_FIGURE
        assert parse_quantity(format_quantity(q)).number == q.number


# --------------------------------------------------------------------------- atheris

atheris = pytest.importorskip("atheris")


@pytest.mark.parametrize("target", ["fiscal", "numbers", "batch"])
def test_coverage_guided_fuzzing_finds_no_crash(target):
    """A bounded atheris run of each harness in fuzz/ (libFuzzer stops at the first crash)."""
    runs = os.environ.get("CHIIKI_FUZZ_RUNS", "20000")
    done = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "parsers.py"), target, f"-runs={runs}", "-seed=1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done" in done.stderr
