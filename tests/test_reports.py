"""Reports: the numbers of every edition against the seeds, the Excel layout, the PDF, the
site pages and the open-data files."""

import csv
import io
import json
import os
import re
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from chiiki.indicators.models import Indicator, IndicatorListing
from chiiki.indicators.services import record_actual
from chiiki.jobs.models import Job
from chiiki.plans.models import Organization, Program
from chiiki.reports import opendata
from chiiki.reports.builders import (
    ReportNotFound,
    budget_report,
    progress_report,
    region_summary,
    support_report,
)
from chiiki.reports.html import japanese_font_installed, render_pdf
from chiiki.reports.layout import Table
from chiiki.reports.xlsx import render_xlsx
from tests.downloads import pdf_of

pytestmark = pytest.mark.django_db
needs_pdf = pytest.mark.skipif(
    not japanese_font_installed() and not os.environ.get("CHIIKI_REQUIRE_BROWSER"),
    reason="no Japanese font for the PDF (apt-get install fonts-noto-cjk); CI installs it",
)
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
REGION_TOTALS_R3 = {
    "道央広域": 48941,
    "道南": 18204,
    "道北": 17426,
    "オホーツク": 8006,
    "十勝": 2182,
    "釧路・根室": 20376,
}


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


# --------------------------------------------------------------------------- budgets (seed 002)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_budget_report_reproduces_every_seed_002_row_and_adds_up(org):
    report = budget_report(org)
    seed = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    seed_rows = {
        cells[-2].split("】")[0].lstrip("【"): int(cells[-1].replace(",", ""))
        for cells in (line.split("\t") for line in seed.splitlines() if "【" in line)
    }
    printed = {}
    for table in report.tables()[:-1]:
        for row in table.body:
            program_cell, amount_cell = row[-2], row[-1]
            printed[program_cell.text.split("】")[0].lstrip("【")] = amount_cell.value
    assert printed == seed_rows
    totals = {t.caption.removesuffix("連携地域"): t.foot[0][-1].value for t in report.tables()[:-1]}
    assert totals == REGION_TOTALS_R3
    summary = report.tables()[-1]
    assert summary.foot[0][-1].value == 115_135 == sum(REGION_TOTALS_R3.values())
    assert report.subtitle == "R3 予算額"


def test_budget_report_for_one_bureau_and_for_a_year_without_budgets(org):
    tokachi = budget_report(org, bureau_slug="tokachi")
    assert [t.caption for t in tokachi.tables()] == ["十勝連携地域", "連携地域別の予算額"]
    assert tokachi.tables()[0].foot[0][-1].value == 2182
    with pytest.raises(ReportNotFound, match="R9の予算額はありません（予算額のある年度: R3）"):
        budget_report(org, fy=2027)


def test_budget_workbook_has_the_official_layout(org):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(budget_report(org))))
    assert book.sheetnames == [
        "道央広域",
        "道南",
        "道北",
        "オホーツク",
        "十勝",
        "釧路・根室",
        "集計",
    ]
    ws = book["道央広域"]
    header = next(r for r in ws.iter_rows() if r[0].value == "地域区分")
    assert [c.value for c in header] == ["地域区分", "主なプロジェクト", "主な施策", "R3 予算額"]
    total = next(r for r in ws.iter_rows() if r[0].value == "合計")
    assert re.fullmatch(r"=SUM\(D\d+:D\d+\)", total[3].value)
    assert total[3].number_format == '#,##0;"▲"#,##0'
    # bureau cells span their programs: 石狩 has three programs in two projects
    merged = {str(r) for r in ws.merged_cells.ranges}
    ishikari = next(r for r in ws.iter_rows() if r[0].value == "石狩")[0].row
    assert f"A{ishikari}:A{ishikari + 2}" in merged
    assert f"B{ishikari}:B{ishikari + 1}" in merged
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.print_area == "'道央広域'!$A$1:$D$21"
    assert ws.print_title_rows == f"${header[0].row}:${header[0].row}"
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width
    cached = openpyxl.load_workbook(io.BytesIO(render_xlsx(budget_report(org))), data_only=True)
    row = next(r for r in cached["道央広域"].iter_rows() if r[0].value == "合計")
    assert row[3].value == 48941


def test_the_same_report_gives_the_same_workbook_bytes(org):
    assert render_xlsx(budget_report(org)) == render_xlsx(budget_report(org))


# --------------------------------------------------------------------------- progress (seed 003)


def _indicator_rows(report):
    """{indicator name: (rates by FY label, grade)} from the report's 数値目標/KPI tables."""
    out = {}
    for table in report.tables():
        if table.caption not in ("数値目標", "KPI"):
            continue
        fys = [c.text for c in table.head[1][4:]]
        for top, bottom in zip(table.body[0::2], table.body[1::2], strict=True):
            name = top[0].text.removesuffix("（名称は推定）")
            rates = dict(zip(fys, (c.text for c in bottom[1:]), strict=True))
            out[name] = (rates, top[-1].text)
    return out


def test_progress_report_reproduces_the_published_rates_and_grades(org):
    report = progress_report(org)
    assert report.subtitle == "H30までの実績による"
    rows = _indicator_rows(report)
    compared = differing = 0
    indicators = Indicator.objects.filter(project__plan__slug="creation-strategy-1")
    for ind in indicators.prefetch_related("actuals"):
        rates, grade = rows[ind.display_name]
        if ind.published_grade:
            assert grade == ind.published_grade, ind.display_name
        for a in ind.actuals.all():
            if a.published_rate is None:
                continue
            compared += 1
            label = {2015: "H27", 2016: "H28", 2017: "H29", 2018: "H30"}[a.fy]
            if rates[label] != f"{a.published_rate}%":
                differing += 1
                # the one rate the source itself rounds inconsistently (docs/kpi-rules.md)
                assert ind.name.startswith("アクティブ・シニア") and label == "H30"
                assert rates[label] == "67.5%"
    # seed 003 prints 75 rates; 4 of them are 道産食品輸出額 printed a second time (project 4)
    assert (compared, differing) == (71, 1)
    assert "（公表資料は67.4%）" in " ".join(report.notes)


def test_progress_report_counts_grades_and_carries_the_analysis(org):
    report = progress_report(org)
    overview = report.sections[0]
    summary = next(b for b in overview.blocks if isinstance(b, Table))
    labels = [c.text for c in summary.head[0][2:]]  # after プロジェクト and 区分
    foot = dict(zip(labels, (c.text for c in summary.foot[0][1:]), strict=True))
    # The summary counts table rows, as the published tables print them: 道産食品輸出額 (B)
    # appears under projects 3 and 4, so it counts twice, and a note says so.
    counts = {
        g: Indicator.objects.filter(grade=g, project__plan__slug="creation-strategy-1").count()
        + IndicatorListing.objects.filter(indicator__grade=g).count()
        for g in ("A①", "A②", "A③", "B")
    }
    assert {g: int(foot[g]) for g in counts} == counts == {"A①": 5, "A②": 2, "A③": 8, "B": 7}
    assert int(foot["計"]) == 22
    assert any("「道産食品輸出額」は3. 未来を拓く" in n for n in report.notes)
    first = report.sections[1]
    assert first.heading == "1. 安心のまち・暮らし「住まいる北海道」プロジェクト"
    analysis = next(b for b in first.blocks if getattr(b, "title", "") == "分析と課題")
    assert analysis.items[0].startswith("・暮らしの質を高めることに着目したプロジェクト")


def test_progress_report_for_an_earlier_year_leaves_later_actuals_out(org):
    rows = _indicator_rows(progress_report(org, fy=2017))
    rates, grade = rows["合計特殊出生率"]
    assert list(rates) == ["H27", "H28", "H29"]
    assert rates["H29"] == "90.2%"
    assert grade == "A③"


@needs_pdf
def test_progress_workbook_and_pdf(org):
    report = progress_report(org)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames[0] == "概要"
    ws = book[book.sheetnames[1]]
    merged = {str(r) for r in ws.merged_cells.ranges}
    caption, head = [r for r in ws.iter_rows() if r[0].value == "数値目標"][:2]
    row = head[0].row
    assert row == caption[0].row + 1
    assert f"C{row}:D{row}" in merged  # 目標値 over 戦略策定時 and 見直し後
    values = [c for r in ws.iter_rows() for c in r if c.value == 89.4]
    assert values and values[0].number_format == '0.0"%"'
    births = [c for r in ws.iter_rows() for c in r if c.value == 455]
    assert births[0].number_format == '#,##0"件";"▲"#,##0"件"'
    pdf = render_pdf(report)
    text = _pdf_text(pdf)
    for printed in ("合計特殊出生率", "89.4%", "A③", "87,517日", "分析と課題"):
        assert printed in text


# --------------------------------------------------------------------------- regions and support


def test_region_summary_reproduces_seed_000(org):
    report = region_summary(org)
    table = report.tables()[0]
    regions = {row[0].text: row[0].sub for row in table.body}
    assert regions == {
        "道央広域": "【18プロジェクト】",
        "道南": "【6プロジェクト】",
        "道北": "【13プロジェクト】",
        "オホーツク": "【5プロジェクト】",
        "十勝": "【4プロジェクト】",
        "釧路・根室": "【5プロジェクト】",
    }
    first = table.body[0]
    assert first[1].text == "日本遺産「炭鉄港」を活用した交流人口拡大プロジェクト"
    assert first[2].text == "■次代に「繋ぐ」炭鉄港\n■地域で「稼ぐ」炭鉄港"
    assert (
        first[3].text == "○炭鉄港推進協議会構成市町への観光入込客数 7,250千人(R2) → 7,468千人(R7)"
    )
    assert "【全51プロジェクト】" in " ".join(
        getattr(b, "text", "") for b in report.sections[0].blocks
    )


def test_support_report_reproduces_seed_004(org):
    report = support_report(org)
    tables = {t.caption: t for t in report.tables()}
    budget = tables["予算額の推移"]
    assert [c.text for c in budget.head[0]] == ["制度", "H30年度", "R1年度", "R2年度", "R3年度"]
    assert [c.text for c in budget.body[0]] == [
        "地域づくり総合交付金",
        "45.5億円",
        "45.5億円",
        "45.8億円",
        "45.8億円",
    ]
    staff = tables["派遣者数"]
    assert [c.text for c in staff.body[0][1:]] == ["38人", "38人", "33人", "32人"]
    areas = tables["市町村連携地域モデル事業 実施地域"]
    assert len(areas.body) == 11 and areas.foot[0][-1].value == 45


@needs_pdf
def test_pdf_embeds_the_japanese_font_and_renders_pages(org, tmp_path):
    """Every report as PDF: fonts embedded (subset), text extractable, pages render to PNG."""
    out = os.environ.get("CHIIKI_SCREENSHOTS")
    for build in (region_summary, budget_report, progress_report, support_report):
        report = build(org)
        data = render_pdf(report)
        reader = PdfReader(io.BytesIO(data))
        fonts = set()
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert "/FontFile3" in descriptor or "/FontFile2" in descriptor
                fonts.add(str(font["/BaseFont"]).split("+")[-1])
        assert any("CJK-JP" in f for f in fonts), fonts
        assert report.title.replace("「", "").split("」")[0][:6] in _pdf_text(data)
        pdf = pdfium.PdfDocument(data)
        image = pdf[0].render(scale=1).to_pil().convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 2000  # the page has text and table lines, not a blank page
        if out:  # the pictures in docs/reports.md: a page showing the report's main table
            shown = next((p for p in pdf if "進捗率" in p.get_textpage().get_text_range()), pdf[0])
            shown.render(scale=1.4).to_pil().save(Path(out) / f"report-{report.kind}.png")
        pdf.close()


# --------------------------------------------------------------------------- pages


@needs_pdf
def test_report_pages_and_downloads(client):
    page = client.get("/reports/budgets/")
    assert page.status_code == 200
    assert "48,941" in page.content.decode()
    xlsx = client.get("/reports/budgets/?format=xlsx&fy=R3")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="budgets-regional-policy-r3-2021.xlsx"' in xlsx["Content-Disposition"]
    # the first PDF is made in the background (its job page links the file), the same one
    # again is served at once from the cache
    first = client.get("/reports/support/?format=pdf")
    assert first.status_code == 302 and first.url.startswith("/jobs/")
    page = client.get(first.url).content.decode()
    assert "PDFをダウンロード" in page and "support" in page
    assert pdf_of(client, "/reports/support/?format=pdf").startswith(b"%PDF")
    cached = client.get("/reports/support/?format=pdf")
    assert cached.status_code == 200 and cached.content.startswith(b"%PDF")
    assert Job.objects.filter(kind="report.pdf").count() == 1
    assert client.get("/reports/budgets/?fy=H3O").status_code == 400
    missing = client.get("/reports/budgets/?fy=R9")
    assert missing.status_code == 404
    assert client.get("/reports/nothing/").status_code == 404
    assert client.get("/reports/budgets/?format=docx").status_code == 400
    index = client.get("/reports/").content.decode()
    assert "/reports/progress/" in index and "/opendata/actuals.csv" in index


def test_report_page_follows_the_western_year_choice(client):
    client.cookies["chiiki_era"] = "western"
    assert "2021 予算額" in client.get("/reports/budgets/").content.decode()
    # the downloads keep the official 和暦
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/budgets/?format=xlsx").content))
    assert book["集計"]["A2"].value == "R3 予算額"


# --------------------------------------------------------------------------- open data


def _rows(data: bytes, encoding="utf-8-sig"):
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def test_open_data_csv_follows_the_machine_readable_rules(org):
    data = opendata.csv_bytes(org, "municipalities")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _rows(data)
    assert rows[0] == [f.name for f in opendata.TABLES["municipalities"].fields]
    assert rows[1][:3] == ["011002", "01", "札幌市"]  # codes keep their leading zero
    assert len(rows) == 180
    actuals = _rows(opendata.csv_bytes(org, "actuals"))
    head = actuals[0]
    births = next(r for r in actuals if r[1] == "合計特殊出生率" and r[2] == "2018")
    assert births[head.index("fy_wareki")] == "平成30年度"
    assert births[head.index("value")] == "1.27"  # a number, the unit in its own column
    assert births[head.index("rate_percent")] == "89.4"
    days = next(r for r in actuals if r[head.index("unit")] == "日" and r[2] == "2018")
    assert days[head.index("value")] == "87517"
    for row in actuals[1:]:
        value = row[head.index("value")]
        assert value == "" or re.fullmatch(r"-?\d+(\.\d+)?", value)
        assert (value == "") == (row[head.index("marker")] != "")


def test_open_data_in_cp932_and_its_schema(org):
    data = opendata.csv_bytes(org, "actuals", "cp932")
    text = data.decode("cp932")
    assert "合計特殊出生率" in text
    assert "―" in text and "〓" not in text  # the — marker in its CP932 form
    package = opendata.datapackage(org)
    for resource in package["resources"]:
        header = _rows(opendata.csv_bytes(org, resource["name"]))[0]
        assert [f["name"] for f in resource["schema"]["fields"]] == header
        assert all(
            f["type"] in {"string", "integer", "number", "boolean"}
            for f in resource["schema"]["fields"]
        )
    codes = next(r for r in package["resources"] if r["name"] == "municipalities")
    assert codes["schema"]["fields"][0]["type"] == "string"
    doc = json.loads(opendata.json_bytes(org, "budgets"))
    assert sum(r["amount"] for r in doc["rows"] if r["fy"] == 2021) == 115_135


def test_open_data_neutralises_formulas(org):
    program = Program.objects.filter(kind=Program.Kind.PROJECT).first()
    program.name = '=HYPERLINK("http://example.invalid","x")'
    program.save()
    rows = _rows(opendata.csv_bytes(org, "budgets"))
    name = rows[0].index("program_name")
    assert any(r[name] == "'" + program.name for r in rows)
    assert not any(r[name].startswith("=") for r in rows)
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx"):
        assert opendata.neutralise(cell) == "'" + cell
    assert opendata.neutralise("札幌市") == "札幌市"


def test_open_data_pages(client):
    response = client.get("/opendata/actuals.csv?encoding=cp932")
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"
    assert "合計特殊出生率" in b"".join(response.streaming_content).decode("cp932")
    streamed = client.get("/opendata/actuals.json")
    assert streamed["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(b"".join(streamed.streaming_content))["table"] == "actuals"
    assert client.get("/opendata/datapackage.json").json()["profile"] == "tabular-data-package"
    assert client.get("/opendata/nothing.csv").status_code == 404
    assert client.get("/opendata/actuals.xml").status_code == 404
    assert client.get("/opendata/actuals.csv?encoding=latin-1").status_code == 400


@needs_pdf
def test_report_command_writes_each_format(tmp_path):
    from django.core.management import CommandError, call_command

    for fmt in ("xlsx", "pdf", "html"):
        target = tmp_path / f"budgets.{fmt}"
        call_command("report", "budgets", str(target), format=fmt, fy="R3")
        assert target.stat().st_size > 1000
    with pytest.raises(CommandError, match="--fy はこの帳票（regions）では指定できません"):
        call_command("report", "regions", str(tmp_path / "r.xlsx"), fy="R3")
    call_command("report", "opendata", str(tmp_path / "od"), encoding="cp932")
    assert (tmp_path / "od" / "datapackage.json").exists()
    assert len(list((tmp_path / "od").glob("*.csv"))) == len(opendata.TABLES)


def test_the_fast_csv_path_writes_exactly_what_the_careful_one_does():
    """Open data CSV takes a fast path for tables of text and numbers; for every table of the
    Hokkaido data it must give the same cells as formatting each cell on its own."""
    org = Organization.objects.get(slug="hokkaido")
    for name, t in opendata.TABLES.items():
        fast = opendata._cells(t)
        for row in t.rows(org):
            careful = [opendata._cell(v, f) for v, f in zip(row, t.fields, strict=True)]
            buffer_a, buffer_b = io.StringIO(), io.StringIO()
            csv.writer(buffer_a).writerow(careful)
            csv.writer(buffer_b).writerow(fast(list(row)))
            assert buffer_a.getvalue() == buffer_b.getvalue(), (name, row)


@pytest.mark.django_db
def test_the_progress_report_of_a_regional_plan_and_the_default_plan(org, personas):
    """R3 (a regional plan): its tables are headed 計画策定時, not the strategy's 戦略策定時, and
    the 20 projects with neither KPIs nor an evaluation are named in a note instead of printed
    empty. The default report is the latest edition in force that has actuals."""
    from decimal import Decimal

    from chiiki.indicators.grading import recompute
    from chiiki.indicators.models import Actual, Indicator
    from chiiki.plans import authoring
    from chiiki.plans.models import Plan
    from chiiki.reports.builders import progress_report

    r3 = progress_report(org, plan_slug="regional-policy-r3", fy=2021)
    assert len(r3.sections) == 1 + 6  # the summary, and the 6 projects with KPIs
    assert "数値目標・KPIと評価のないプロジェクト（20件）は省略しています" in r3.notes[-1]
    heads = [c.text for s in r3.sections[1:] for b in s.blocks if hasattr(b, "head")
             for row in b.head for c in row]  # fmt: skip
    assert "計画策定時" in heads and "戦略策定時" not in heads
    assert progress_report(org).filename == "progress-creation-strategy-1-2018"
    # a new edition in force with actuals becomes the default
    hq = personas["hq_admin"]
    draft = authoring.create_edition(
        actor=hq, organization=org, copy_from=Plan.objects.get(slug="regional-policy-r3").pk,
        data={"slug": "regional-policy-r8", "edition": "R8", "title": "連携地域別政策展開方針",
              "start_fy": "R8"},
    )  # fmt: skip
    authoring.adopt_edition(actor=hq, plan_id=draft.pk, expected_version=draft.version)
    kpi = Indicator.objects.filter(project__plan=draft).first()
    Actual.objects.create(indicator=kpi, fy=2026, value=Decimal(3))
    recompute([kpi.pk])
    assert progress_report(org).filename == "progress-regional-policy-r8-2026"


@pytest.mark.parametrize("chunk", [64_000, 100])
def test_json_open_data_streams_the_layout_json_dumps_gives(org, monkeypatch, chunk):
    """The JSON files are written in chunks (flat memory), byte for byte what
    ``json.dumps(…, ensure_ascii=False, indent=1)`` of the whole table gives; an empty table
    too."""
    monkeypatch.setattr(opendata, "JSON_CHUNK", chunk)
    empty = Organization.objects.create(slug="empty", name="空の団体", code="99")
    for owner in (org, empty):
        for name, t in opendata.TABLES.items():
            rows = [
                {f.name: opendata._json_value(v) for v, f in zip(row, t.fields, strict=True)}
                for row in t.rows(owner)
            ]
            whole = {"table": t.name, "title": t.title, "fields": [f.name for f in t.fields],
                     "rows": rows}  # fmt: skip
            expected = json.dumps(whole, ensure_ascii=False, indent=1).encode("utf-8")
            chunks = list(opendata.json_lines(owner, name))
            assert b"".join(chunks) == expected, (owner.slug, name)
            if owner is org and chunk == 100 and len(rows) > 10:
                assert len(chunks) > 2


def test_open_data_answers_304_until_the_data_changes(client, personas):
    """An unchanged file costs a client nothing to fetch again (ETag, 304); any write — here
    an actual entered — names a new version."""
    first = client.get("/opendata/actuals.csv")
    etag = first["ETag"]
    assert first.status_code == 200 and first["Cache-Control"] == "public, no-cache"
    again = client.get("/opendata/actuals.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    other_form = client.get("/opendata/actuals.csv?encoding=cp932", headers={"If-None-Match": etag})
    assert other_form.status_code == 200  # another encoding is another file
    births = Indicator.objects.get(slug="total-fertility-rate", project__slug="sumairu-hokkaido")
    record_actual(
        actor=personas["hq_planner"], indicator_id=births.pk, fy="R1", value="1.25",
        expected_version=0,
    )  # fmt: skip
    changed = client.get("/opendata/actuals.csv", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "1.25" in b"".join(changed.streaming_content).decode("utf-8-sig")


def test_the_datapackage_declares_keys_the_files_keep(org):
    """Each table's primary key is unique in its file and each foreign key points at a row of
    the table it names (Hokkaido's data), so the files can be joined as declared; encodings
    are named as readers know them."""
    package = opendata.datapackage(org)
    resources = {r["name"]: r for r in package["resources"]}
    assert {r["encoding"] for r in resources.values()} == {"utf-8"}
    assert {r["encoding"] for r in opendata.datapackage(org, "cp932")["resources"]} == {"cp932"}
    rows = {name: _rows(opendata.csv_bytes(org, name)) for name in resources}

    def records(name):
        head, *body = rows[name]
        return [dict(zip(head, row, strict=True)) for row in body]

    checked = 0
    for name, resource in resources.items():
        schema = resource["schema"]
        if "primaryKey" not in schema:
            continue
        keys = [tuple(r[f] for f in schema["primaryKey"]) for r in records(name)]
        assert len(keys) == len(set(keys)), name
        for fk in schema.get("foreignKeys", []):
            ref = fk["reference"]
            targets = {tuple(r[f] for f in ref["fields"]) for r in records(ref["resource"])}
            for r in records(name):
                value = tuple(r[f] for f in fk["fields"])
                if all(value):  # an empty reference (no lead bureau) refers to nothing
                    assert value in targets, (name, value)
                    checked += 1
    assert checked > 100


def test_an_open_data_file_is_made_once_per_data_version(client, personas, monkeypatch, settings):
    """The second reader of an unchanged file gets the kept copy (nothing is recomputed);
    any write makes it be made anew, and the old copy goes."""
    first = b"".join(client.get("/opendata/actuals.csv").streaming_content)
    kept = list((settings.CACHE_DIR / "opendata").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == first

    def not_again(*args, **kwargs):
        raise AssertionError("made again")

    monkeypatch.setattr(opendata, "csv_lines", not_again)
    assert b"".join(client.get("/opendata/actuals.csv").streaming_content) == first
    monkeypatch.undo()
    births = Indicator.objects.get(slug="total-fertility-rate", project__slug="sumairu-hokkaido")
    record_actual(
        actor=personas["hq_planner"], indicator_id=births.pk, fy="R1", value="1.25",
        expected_version=0,
    )  # fmt: skip
    second = b"".join(client.get("/opendata/actuals.csv").streaming_content)
    assert second != first and "1.25" in second.decode("utf-8-sig")
    kept = list((settings.CACHE_DIR / "opendata").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == second
