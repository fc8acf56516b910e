"""Import: the data workbook round trip, the long CSV, the dry run, all-or-nothing, malformed
files, permissions and the upload pages."""

import gc
import io
import os
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chiiki.audit.models import AuditEntry
from chiiki.core.fiscal import parse_fiscal_year
from chiiki.imports.models import ImportBatch
from chiiki.imports.reading import ImportError_, read_changes
from chiiki.imports.services import apply
from chiiki.imports.workbook import export_workbook
from chiiki.indicators.models import Actual, Indicator
from chiiki.indicators.services import record_actual
from chiiki.jobs.models import Job
from chiiki.plans.models import ProgramBudget
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
BIRTHS = "creation-strategy-1/sumairu-hokkaido/total-fertility-rate"


def _book(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def _save(book):
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(ws, key, header):
    col = next(c.column for c in ws[1] if c.value == header)
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == key)
    return ws.cell(row=row, column=col)


def _births(fy):
    return Actual.objects.get(
        indicator__project__slug="sumairu-hokkaido", indicator__slug="total-fertility-rate", fy=fy
    )


def test_export_import_export_is_identical_and_changes_nothing(org, personas):
    first = export_workbook(org)
    changeset = read_changes(first, "wb.xlsx", organization=org, actor=personas["hq_planner"])
    assert changeset.changes == []
    assert changeset.unchanged == Actual.objects.count() + ProgramBudget.objects.count()
    assert apply(changeset, actor=personas["hq_planner"]) == {
        "actuals": 0,
        "budgets": 0,
        "settlements": 0,
        "unchanged": changeset.unchanged,
        "conflicts": 0,
    }
    assert export_workbook(org) == first


def test_an_edited_workbook_is_previewed_then_applied_once(org, personas):
    book = _book(export_workbook(org))
    ws = book["実績値"]
    _cell(ws, BIRTHS, "R1").value = "１．３２"  # full-width, as typed on a Japanese keyboard
    budgets = book["予算額"]
    _cell(budgets, "sorachi-tantekko-koiki", "R3").value = "6,000"
    edited = _save(book)
    before = AuditEntry.objects.count()

    changeset = read_changes(edited, "wb.xlsx", organization=org, actor=personas["hq_planner"])
    assert [(c.label, c.fy_label, c.old, c.new) for c in changeset.changes] == [
        ("合計特殊出生率", "R1", "", "1.32"),
        ("日本遺産「炭鉄港」広域連携推進事業", "R3", "5,715千円", "6,000千円"),
    ]
    assert (changeset.changes[0].where.line, changeset.changes[0].where.field) == (2, "J")
    assert not Actual.objects.filter(indicator__slug="total-fertility-rate", fy=2019).exists()
    assert AuditEntry.objects.count() == before  # the dry run wrote nothing

    apply(changeset, actor=personas["hq_planner"])
    assert str(_births(2019).value.normalize()) == "1.32"
    # recomputed by the same write function: no national value for R1 yet, and it says so
    assert _births(2019).rate is None and _births(2019).rate_reason == "no_national_value"
    assert (
        ProgramBudget.objects.get(
            program__slug="sorachi-tantekko-koiki", fy=2021
        ).amount_thousand_yen
        == 6000
    )
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)[before:])
    assert actions == ["indicator.actual.recorded", "program.budget.corrected", "import.applied"]
    again = read_changes(edited, "wb.xlsx", organization=org, actor=personas["hq_planner"])
    assert again.changes == []  # importing the same file twice changes nothing
    after = _book(export_workbook(org))
    assert _cell(after["実績値"], BIRTHS, "R1").value == 1.32
    assert _cell(after["予算額"], "sorachi-tantekko-koiki", "R3").value == 6000


def test_a_published_year_is_refused_in_the_preview(org, personas):
    book = _book(export_workbook(org))
    _cell(book["実績値"], BIRTHS, "H30").value = 1.3
    with pytest.raises(ImportError_) as caught:
        read_changes(_save(book), "wb.xlsx", organization=org, actor=personas["hq_planner"])
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "I")
    assert "H30の評価は公表済みのため変更できません" in problem.message
    assert gc.isenabled()  # the refused pass turned the cycle collector back on


def test_a_change_made_since_the_export_is_a_conflict_and_nothing_is_written(org, personas):
    exported = export_workbook(org)
    births = Indicator.objects.get(project__slug="sumairu-hokkaido", slug="total-fertility-rate")
    record_actual(
        actor=personas["hq_admin"],
        indicator_id=births.pk,
        fy=2019,
        value="1.28",
        expected_version=0,
    )
    book = _book(exported)
    _cell(book["実績値"], BIRTHS, "R1").value = 1.35
    _cell(book["予算額"], "sorachi-tantekko-koiki", "R3").value = 7000
    changeset = read_changes(_save(book), "wb.xlsx", organization=org, actor=personas["hq_planner"])
    with pytest.raises(ImportError_) as caught:
        apply(changeset, actor=personas["hq_planner"])
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == ("wb.xlsx「実績値」", 2, "J")
    assert "hq-admin" in problem.message and "1.28" in problem.message
    assert str(_births(2019).value.normalize()) == "1.28"
    assert gc.isenabled()
    # the budget cell was fine, but the import is all or nothing
    assert (
        ProgramBudget.objects.get(
            program__slug="sorachi-tantekko-koiki", fy=2021
        ).amount_thousand_yen
        == 5715
    )


def test_the_preview_of_a_stale_workbook_shows_its_conflicts_and_offers_no_import(
    client, org, personas
):
    """1.28 entered by hq-admin after the export; the stale copy says 1.35. The preview says
    who changed it and when, puts it first, and offers no 取り込む; an unchanged row of the
    same file is listed as an ordinary change."""
    exported = export_workbook(org)
    births = Indicator.objects.get(project__slug="sumairu-hokkaido", slug="total-fertility-rate")
    record_actual(
        actor=personas["hq_admin"], indicator_id=births.pk, fy=2019, value="1.28",
        expected_version=0,
    )  # fmt: skip
    book = _book(exported)
    _cell(book["予算額"], "sorachi-tantekko-koiki", "R3").value = 7000
    _cell(book["実績値"], BIRTHS, "R1").value = 1.35
    changeset = read_changes(_save(book), "wb.xlsx", organization=org, actor=personas["hq_planner"])
    assert changeset.summary()["conflicts"] == 1
    (clash,) = [c for c in changeset.changes if c.conflict]
    assert (clash.old, clash.new, clash.conflict["who"]) == ("1.28", "1.35", "hq-admin")
    client.login(username="hq-planner", password=PASSWORD)
    upload = io.BytesIO(_save(book))
    upload.name = "stale.xlsx"
    job_page = client.get(client.post("/imports/", {"file": upload}).url)
    page = client.get(job_page.url).content.decode()
    assert "ほかの人が変更した値が 1 件あります" in page and "hq-adminが変更" in page
    assert page.index("競合") < page.index("7,000")  # the conflict first
    assert "取り込む</button>" not in page
    assert str(_births(2019).value.normalize()) == "1.28"


def test_a_bureau_editor_cannot_import_figures(org, personas):
    book = _book(export_workbook(org))
    _cell(book["予算額"], "sorachi-tantekko-koiki", "R3").value = 1
    with pytest.raises(ImportError_) as caught:
        read_changes(_save(book), "wb.xlsx", organization=org, actor=personas["tokachi_editor"])
    assert "権限がありません" in str(caught.value)  # every row refused, nothing imported
    assert (
        ProgramBudget.objects.get(
            program__slug="sorachi-tantekko-koiki", fy=2021
        ).amount_thousand_yen
        == 5715
    )


def test_every_mistake_is_located_and_reported_in_both_languages(org, personas):
    book = _book(export_workbook(org))
    ws = book["実績値"]
    _cell(ws, BIRTHS, "H30").value = "=1+1"
    _cell(ws, BIRTHS, "H29").value = "12,3４"
    _cell(ws, BIRTHS, "H28").value = "5人"
    ws.cell(row=ws.max_row + 1, column=1, value="no/such/indicator")
    ws.cell(row=ws.max_row, column=6, value=1)
    with pytest.raises(ImportError_) as caught:
        read_changes(_save(book), "wb.xlsx", organization=org, actor=personas["hq_planner"])
    problems = {(p.line, p.field): p.message for p in caught.value.problems}
    assert "数式は取り込めません" in problems[(2, "I")] and "formulas" in problems[(2, "I")]
    assert "混在" in problems[(2, "H")]
    assert "単位" in problems[(2, "G")]
    assert "指標キー「no/such/indicator」の指標はありません" in problems[(ws.max_row, "F")]
    assert "nothing was imported" in str(caught.value)


def test_malformed_files_get_clear_errors_and_nothing_is_written(org, personas):
    good = export_workbook(org)
    cases = {
        "truncated.xlsx": good[: len(good) // 2],
        "junk.xlsx": os.urandom(10 * 1024 * 1024),
        "junk.csv": bytes(range(256)) * 40_000,
    }
    wrong = openpyxl.Workbook()
    wrong.active.title = "Sheet1"
    cases["wrong-sheet.xlsx"] = _save(wrong)
    expected = {
        "truncated.xlsx": "Excel ファイル（.xlsx）として読めません",
        "junk.xlsx": "Excel ファイル（.xlsx）として読めません",
        "junk.csv": "UTF-8 でも CP932（Shift_JIS）でも読めません（134バイト目）",
        "wrong-sheet.xlsx": "シート「実績値」も「予算額」もありません（あるシート: Sheet1）",
    }
    before = (Actual.objects.count(), AuditEntry.objects.count())
    for name, data in cases.items():
        with pytest.raises(ImportError_) as caught:
            read_changes(data, name, organization=org, actor=personas["hq_planner"])
        assert expected[name] in str(caught.value), name
    assert (Actual.objects.count(), AuditEntry.objects.count()) == before


def test_a_zip_bomb_and_an_oversized_file_are_refused_before_reading(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<a/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    with pytest.raises(ImportError_, match="展開すると大きくなりすぎる"):
        read_changes(buffer.getvalue(), "bomb.xlsx", organization=org)
    with pytest.raises(ImportError_, match="ファイルが大きすぎます"):
        read_changes(b"a" * (21 * 1024 * 1024), "big.csv", organization=org)


def test_long_csv_in_cp932_with_markers_and_versions(org, personas):
    text = (
        "record,key,fy,value,version\r\n"
        f"actual,{BIRTHS},R2,未,\r\n"
        f"actual,{BIRTHS},令和元年度,1.26,0\r\n"
        'budget,sorachi-tantekko-koiki,2021,"5,800",\r\n'
    )
    changeset = read_changes(
        text.encode("cp932"), "actuals.csv", organization=org, actor=personas["hq_planner"]
    )
    assert [(c.fy_label, c.new) for c in changeset.changes] == [
        ("R2", "未"),
        ("R1", "1.26"),
        ("R3", "5,800千円"),
    ]
    apply(changeset, actor=personas["hq_planner"])
    assert _births(2020).marker == "未" and str(_births(2019).value.normalize()) == "1.26"


def test_long_csv_mistakes_are_located_by_row_and_column(org):
    text = (
        "record,key,fy,value\n"
        f"actual,{BIRTHS},H3O,1\n"
        "kpi,x,R1,1\n"
        f"actual,{BIRTHS},R1,1,2\n"
        f"actual,{BIRTHS},H30,1.2\n"
        f"actual,{BIRTHS},2018,1.3\n"
    )
    with pytest.raises(ImportError_) as caught:
        read_changes(text.encode(), "a.csv", organization=org)
    where = [(p.line, p.field) for p in caught.value.problems]
    assert where == [(2, "fy"), (3, "record"), (4, "row"), (6, "value")]
    assert "同じ値が5行目にもあります" in caught.value.problems[-1].message
    with pytest.raises(ImportError_, match="見出しは"):
        read_changes(b"a,b\n1,2\n", "a.csv", organization=org)
    with pytest.raises(ImportError_, match="UTF-8 でも CP932"):
        read_changes(b"record,key,fy,value\n" + b"\x81\xff\n", "a.csv", organization=org)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_no_bytes_make_the_reader_crash(org, data):
    for name in ("x.csv", "x.xlsx"):
        try:
            read_changes(
                b"record,key,fy,value\n" + data if name.endswith("csv") else data,
                name,
                organization=org,
            )
        except ImportError_ as exc:
            assert exc.problems and all(p.message for p in exc.problems)


def test_upload_preview_and_apply_pages(client, org, personas):
    assert client.get("/imports/").status_code == 302  # login first
    client.login(username="viewer", password=PASSWORD)
    assert client.get("/imports/").status_code == 403
    client.logout()
    client.login(username="hq-planner", password=PASSWORD)
    workbook = client.get(reverse("workbook"))
    book = _book(workbook.content)
    _cell(book["実績値"], BIRTHS, "R1").value = 1.25
    upload = io.BytesIO(_save(book))
    upload.name = "edited.xlsx"
    response = client.post("/imports/", {"file": upload})
    batch = ImportBatch.objects.get()
    # the file is read in the background; its job page goes on to the preview when done
    assert response.url.startswith("/jobs/")
    job_page = client.get(response.url)
    assert job_page.status_code == 302 and job_page.url == f"/imports/{batch.pk}/"
    preview = client.get(job_page.url).content.decode()
    assert "合計特殊出生率" in preview and "1.25" in preview
    assert not Actual.objects.filter(indicator__slug="total-fertility-rate", fy=2019).exists()
    done = client.post(f"/imports/{batch.pk}/apply/")
    assert done.status_code == 302 and done.url.startswith("/jobs/")
    result = client.get(done.url).content.decode()
    assert "取り込みました: 実績値 1 件、予算額 0 件" in result
    assert str(_births(2019).value.normalize()) == "1.25"
    batch.refresh_from_db()
    assert batch.status == "applied" and batch.summary["actuals"] == 1
    again = client.post(f"/imports/{batch.pk}/apply/", follow=True)  # not twice
    assert "このファイルは取込済みです" in again.content.decode()
    assert Job.objects.filter(kind="import.apply").count() == 1
    client.logout()
    client.login(username="hq-admin", password=PASSWORD)
    assert client.get(f"/imports/{batch.pk}/").status_code == 404  # someone else's upload


def test_hq_downloads_one_bureaus_workbook_and_bureaus_use_the_rounds(client, personas):
    client.login(username="tokachi-editor", password=PASSWORD)
    assert client.get(reverse("workbook")).status_code == 403
    client.login(username="hq-planner", password=PASSWORD)
    book = _book(client.get(reverse("workbook") + "?bureau=tokachi").content)
    bureaus = {r[1].value for r in book["予算額"].iter_rows(min_row=2)}
    assert bureaus == {"十勝"}
    keys = [r[0].value for r in book["実績値"].iter_rows(min_row=2)]
    leads = set(
        Indicator.objects.filter(project__lead_bureau__short_name="十勝").values_list(
            "slug", flat=True
        )
    )
    assert {k.split("/")[-1] for k in keys} == leads


def test_a_value_too_large_for_the_database_is_a_located_error(org, personas):
    """Found by fuzzing: 10^15 crashed the preview; now the cell is refused with the limit."""
    data = f"record,key,fy,value\nactual,{BIRTHS},R2,1000000000000000\n".encode()
    with pytest.raises(ImportError_) as caught:
        read_changes(data, "big.csv", organization=org, actor=personas["hq_planner"])
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "value")
    assert "値が大きすぎます（整数部は14桁まで）" in problem.message


def test_the_year_columns_run_without_a_gap(org, personas):
    """A year with no figure yet still has its column: a skipped year reads as a lost one."""
    births = Indicator.objects.get(project__slug="sumairu-hokkaido", slug="total-fertility-rate")
    record_actual(  # R4, with nothing recorded for R2 and R3
        actor=personas["hq_admin"],
        indicator_id=births.pk,
        fy=2022,
        value="1.20",
        expected_version=0,
    )
    book = _book(export_workbook(org))
    for sheet in ("実績値", "予算額"):
        headers = [c.value for c in book[sheet][1]]
        years = [parse_fiscal_year(h) for h in headers if h and re.fullmatch(r"[HR](\d+|元)", h)]
        assert years == list(range(years[0], years[-1] + 1)), (sheet, headers)
    assert [c.value for c in book["実績値"][1]][-4:] == ["R1", "R2", "R3", "R4"]


def _writable_rows(org):
    """Every Hokkaido actual an HQ import may correct (an FY not locked by a published
    evaluation, a KPI that takes figures), as long-CSV rows adding one to each value."""
    from chiiki.evaluations.selectors import locked_years

    locked = locked_years(organization=org)
    rows = []
    for a in (
        Actual.objects.filter(indicator__project__plan__organization=org)
        .select_related("indicator__project__plan")
        .order_by("indicator_id", "fy")
    ):
        if (a.indicator.project_id, a.fy) in locked or a.indicator.has_series:
            continue
        new = (a.value + 1) if a.value is not None else 1
        rows.append((a, f"actual,{a.indicator.key},{a.fy},{format(new, 'f')}"))
    return rows


def test_a_file_written_in_chunks_is_written_whole_or_not_at_all(org, personas, monkeypatch):
    """import_file (the command line's way, for files of any size) writes a chunk at a time;
    all or nothing still holds across chunks, and every problem is still reported."""
    from chiiki.imports import services

    monkeypatch.setattr(services, "WRITE_CHUNK", 7)
    hq = personas["hq_planner"]
    rows = _writable_rows(org)
    assert len(rows) > 3 * 7
    head = "record,key,fy,value\n"
    before = {a.pk: (a.value, a.marker, a.version) for a, _ in rows}
    entries = AuditEntry.objects.count()

    # the same file with a typo in its last row and its second row given again: refused
    # whole, though the first chunks were written before the typo was read
    lines = [line for _, line in rows]
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ",12a"
    with pytest.raises(ImportError_) as refused:
        services.import_file(
            (head + "\n".join([*lines, lines[1]])).encode(), "bad.csv", organization=org, actor=hq
        )
    last = len(rows) + 1  # the file's line of the last row
    problems = [(p.line, p.field, p.message.split(" / ")[1]) for p in refused.value.problems]
    assert problems[1:] == [(last + 1, "value", "also given on row 3")]
    assert problems[0][:2] == (last, "value")
    assert problems[0][2].startswith("unexpected text “a” after the number")
    current = {a.pk: (a.value, a.marker, a.version) for a in Actual.objects.filter(pk__in=before)}
    assert current == before
    assert AuditEntry.objects.count() == entries

    seen = []
    summary = services.import_file(
        (head + "\n".join(line for _, line in rows)).encode(),
        "good.csv",
        organization=org,
        actor=hq,
        seen=seen.append,
    )
    assert summary == {"actuals": len(rows), "budgets": 0, "settlements": 0, "unchanged": 0,
                       "conflicts": 0}  # fmt: skip
    assert [c.where.line for c in seen] == list(range(2, len(rows) + 2))
    stored = Actual.objects.in_bulk(before)
    for a, _ in rows:
        value, _marker, version = before[a.pk]
        assert stored[a.pk].value == (value + 1 if value is not None else 1)
        assert stored[a.pk].marker == "" and stored[a.pk].version == version + 1
    assert AuditEntry.objects.count() - entries == len(rows) + 1  # each value, and the import


@given(st.text(alphabet=st.sampled_from(["a", ",", '"', "\r", "\n", "\u2028", "\x0c", "あ"])))
def test_the_long_csv_is_split_into_lines_as_the_csv_module_expects(text):
    """The reader walks the decoded file line by line instead of copying it into a StringIO;
    the lines (and their endings: CR LF, LF or a lone CR) must be the same."""
    from chiiki.imports.reading import _lines

    assert list(_lines(text)) == list(io.StringIO(text, newline=""))


def test_settled_amounts_and_staff_time_round_trip_through_the_workbook(org, personas):
    """「決算額」 and 「人工」 sheets beside 「予算額」 (figures fictional, tests/scenario_tokachi):
    typed in, previewed, applied through the settlement writer, exported again; staff time
    without a settled amount is refused where it was typed."""
    from decimal import Decimal

    from chiiki.plans.models import ProgramSettlement

    hq = personas["hq_planner"]
    book = _book(export_workbook(org))
    assert {"決算額", "人工"} <= set(book.sheetnames)
    _cell(book["決算額"], "tokachi-jinzai", "R3").value = "１，２８８"
    _cell(book["人工"], "tokachi-jinzai", "R3").value = 0.3
    _cell(book["人工"], "tokachi-uchu", "R3").value = 0.1  # no settled amount for it
    with pytest.raises(ImportError_) as refused:
        read_changes(_save(book), "wb.xlsx", organization=org, actor=hq)
    (problem,) = refused.value.problems
    assert problem.file == "wb.xlsx「人工」" and problem.field == "F"
    assert "人工は決算額と一緒に記録します" in problem.message
    _cell(book["人工"], "tokachi-uchu", "R3").value = None
    changeset = read_changes(_save(book), "wb.xlsx", organization=org, actor=hq)
    shown = [(c.label, c.fy_label, c.old, c.new) for c in changeset.changes]
    assert shown == [
        ("多様な人材の活躍による地域づくり事業", "R3", "", "1,288千円"),
        ("多様な人材の活躍による地域づくり事業", "R3", "", "0.30人工"),
    ]
    assert apply(changeset, actor=hq)["settlements"] == 2
    stored = ProgramSettlement.objects.get(program__slug="tokachi-jinzai", fy=2021)
    assert (stored.settled_thousand_yen, stored.staff_years) == (1288, Decimal("0.30"))
    again = _book(export_workbook(org))
    assert _cell(again["決算額"], "tokachi-jinzai", "R3").value == 1288
    assert _cell(again["人工"], "tokachi-jinzai", "R3").value == 0.3
    assert read_changes(_save(again), "wb.xlsx", organization=org, actor=hq).changes == []
