"""The defects an outside probe found, each reproduced, and the class behind each kept closed:
overlong CSV fields, formula injection through characters CP932 lacks, entity-encoded markup."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from chiiki.core.text import FORMULA_STARTS, plain_lines, strip_tags
from chiiki.imports.reading import ImportError_, read_changes
from chiiki.imports.workbook import export_workbook
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Measure, Municipality, Program, Project
from chiiki.proposals import services as proposals
from chiiki.reports import opendata
from chiiki.reports.builders import REPORTS
from chiiki.reports.xlsx import render_xlsx

pytestmark = pytest.mark.django_db

# Each starts a formula once written: directly, or after CP932 conversion (NFKC), or in its
# full-width form.
HOSTILE_STARTS = ["=", "+", "-", "@", "﹦", "﹢", "﹣", "﹫", "＝", "＋", "－", "＠"]


def test_an_overlong_csv_value_is_a_located_error_not_a_crash(org):
    data = ("record,key,fy,value\nactual,x/y/z,R2," + "9" * 200_000 + "\n").encode()
    with pytest.raises(ImportError_) as caught:
        read_changes(data, "long.csv", organization=org)
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "row") and "長すぎます" in problem.message


def test_an_overlong_csv_header_is_a_located_error(org):
    data = ("record," + "k" * 300_000 + ",fy,value\n").encode()
    with pytest.raises(ImportError_) as caught:
        read_changes(data, "header.csv", organization=org)
    (problem,) = caught.value.problems
    assert problem.line == 1 and "長すぎます" in problem.message


def test_the_import_page_shows_the_overlong_field_as_a_problem(client, personas):
    from tests.conftest import PASSWORD

    client.login(username="hq-planner", password=PASSWORD)
    upload = io.BytesIO(("record,key,fy,value\nactual,a,R2," + "x" * 200_000 + "\n").encode())
    upload.name = "long.csv"
    response = client.post("/imports/", {"file": upload}, follow=True)
    assert response.status_code in (200, 400)
    assert "長すぎます" in response.content.decode()


def _hostile_names():
    """Put a hostile start on a name in every kind of row the exports carry."""
    named = [(Program, "name"), (Indicator, "name"), (Project, "name"), (Measure, "title"),
             (Municipality, "name")]  # fmt: skip
    for i, start in enumerate(HOSTILE_STARTS):
        text = f'{start}HYPERLINK("x",{i})'  # short enough for every name column
        for model, field in named:
            row = model.objects.order_by("pk")[i]
            setattr(row, field, text)
            row.save(update_fields=[field])


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_no_open_data_csv_cell_starts_a_formula_in_any_encoding(org, encoding):
    _hostile_names()
    seen = 0
    for name in opendata.TABLES:
        data = opendata.csv_bytes(org, name, encoding)
        text = data.decode("cp932" if encoding == "cp932" else "utf-8-sig")
        for row in list(csv.reader(io.StringIO(text, newline="")))[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (name, encoding, cell)
                seen += cell.startswith("'")
    assert seen >= len(HOSTILE_STARTS) * 3  # the guarded cells are there, quoted


def _formula_cells(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def test_no_excel_download_holds_a_formula_from_text(org):
    _hostile_names()
    assert _formula_cells(export_workbook(org)) == []
    for kind, (_title, build) in REPORTS.items():
        data = render_xlsx(build(org))
        # totals are SUM formulas of our own; no text became one
        book = openpyxl.load_workbook(io.BytesIO(data))
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":
                        assert str(c.value).startswith("=SUM("), (kind, c.coordinate, c.value)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "alert(1)"),
        ("&lt;img src=x onerror=alert(1)&gt;予算", "予算"),
        ("<b>強調</b>の&amp;lt;見出し&amp;gt;", "強調の&lt;見出し&gt;"),
        ("R5<R6 の比較", "R5<R6 の比較"),
    ],
)
def test_the_sanitiser_never_turns_entities_into_markup(typed, stored):
    assert strip_tags(typed) == stored
    assert plain_lines(typed) == stored


def test_an_entity_encoded_proposal_title_is_stored_and_served_as_plain_text(personas, org, client):
    proposal = proposals.save_proposal(
        actor=personas["tokachi_editor"],
        organization=org,
        fy="R4",
        title="&lt;script&gt;alert(1)&lt;/script&gt;十勝の提案",
        summary="&lt;b&gt;要旨&lt;/b&gt;",
    )
    proposal.refresh_from_db()
    assert (proposal.title, proposal.summary) == ("alert(1)十勝の提案", "要旨")


def _upload(client, name, data):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/imports/", {"file": upload}, follow=True)


def test_a_file_beyond_the_site_limit_is_refused_before_its_rows_are_checked(
    client, personas, monkeypatch
):
    from chiiki.imports import reading
    from tests.conftest import PASSWORD

    monkeypatch.setattr(reading, "MAX_SITE_ROWS", 1000)
    monkeypatch.setattr("chiiki.imports.services.MAX_SITE_ROWS", 1000)
    checked = []
    original = reading._actual_change
    monkeypatch.setattr(
        reading, "_actual_change", lambda *a, **k: checked.append(1) or original(*a, **k)
    )
    client.login(username="hq-planner", password=PASSWORD)
    rows = "".join(f"actual,x/y/z{i},R2,{i}\n" for i in range(1001))
    response = _upload(client, "many.csv", ("record,key,fy,value\n" + rows).encode())
    assert response.status_code == 400 and "行が多すぎます" in response.content.decode()
    assert checked == []  # refused before any row was compared with the database
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "実績値"
    sheet.append(["指標キー", "プロジェクト", "区分", "指標名", "単位", "R2"])
    for i in range(1002):
        sheet.append([f"x/y/z{i}", "", "KPI", "名前", "人", i])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, "many.xlsx", buffer.getvalue())
    assert response.status_code == 400 and "行が多すぎます" in response.content.decode()


def test_the_preview_is_computed_once_and_shown_from_what_was_stored(client, personas, monkeypatch):
    from chiiki.imports.models import ImportBatch
    from tests.conftest import PASSWORD

    client.login(username="hq-planner", password=PASSWORD)
    key = "creation-strategy-1/sumairu-hokkaido/total-fertility-rate"
    response = _upload(client, "one.csv", f"record,key,fy,value\nactual,{key},R2,1.25\n".encode())
    assert response.status_code == 200 and "1.25" in response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.preview["total"] == 1

    def not_again(*args, **kwargs):
        raise AssertionError("the preview was recomputed")

    monkeypatch.setattr("chiiki.imports.services.read_changes", not_again)
    for _ in range(3):
        response = client.get(f"/imports/{batch.pk}/")
        assert response.status_code == 200 and "1.25" in response.content.decode()


def test_the_field_limit_holds_whatever_another_library_set(org):
    """The reader keeps its own limit: a library that lifts the csv module's process-wide
    field limit (frictionless does on import) does not let an overlong value through."""
    import csv

    limit = csv.field_size_limit()
    csv.field_size_limit(10**9)
    try:
        test_an_overlong_csv_value_is_a_located_error_not_a_crash(org)
    finally:
        csv.field_size_limit(limit)
