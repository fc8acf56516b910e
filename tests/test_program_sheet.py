"""The 事務事業評価シート of one program (HTML, xlsx, PDF) and the summary sheet of a bureau, on
the fictional 十勝 scenario (tests/scenario_tokachi)."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from chiiki.evaluations import services as wf
from chiiki.plans.models import Organization
from chiiki.reports.builders import ReportNotFound, program_sheet
from chiiki.reports.html import render_document, render_pdf
from chiiki.reports.xlsx import render_xlsx
from tests import scenario_tokachi as scenario
from tests.test_program_reviews import REVIEW
from tests.test_reports import _pdf_text, needs_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(personas):
    """The scenario with the program's R3 review published with its project's evaluation."""
    built = scenario.build(personas["hq_planner"])
    editor, hq = personas["tokachi_editor"], personas["hq_planner"]
    program = built["program"]
    program.purpose = "若い女性の流出を抑え、地域の担い手を増やす"
    program.target_group = "管内の20〜39歳の女性"
    program.save()
    ev = wf.save_draft(actor=editor, project_id=program.project_id, fy=2021,
                       analysis="ワーキンググループで課題を共有した。",
                       program_reviews=[{"program": program.pk, **REVIEW}],
                       expected_version=0)  # fmt: skip
    ev = wf.submit(actor=editor, evaluation_id=ev.pk, expected_version=ev.version)
    ev = wf.approve(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    wf.publish(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    return built


def _org():
    return Organization.objects.get(slug="hokkaido")


def test_the_sheet_of_one_program(published):
    report = program_sheet(_org(), program_slug=scenario.PROGRAM)
    assert report.subtitle.endswith("（R3）")
    html = render_document(report)
    for shown in ["若い女性の流出を抑え", "管内の20〜39歳の女性", "1,395", "1,288", "107",
                  "0.30", "2,580", "3,868", "644", "ワーキンググループの開催回数", "83.3%",
                  "773.6", "77.4", scenario.ASSUMPTION, REVIEW["reason"], "改善",
                  "会場費が不要となった", "参考値"]:  # fmt: skip
        assert shown in html, shown


def test_the_sheet_as_a_workbook_keeps_the_numbers(published):
    book = openpyxl.load_workbook(
        io.BytesIO(render_xlsx(program_sheet(_org(), program_slug=scenario.PROGRAM)))
    )
    assert ["概要", "予算・決算", "指標", "評価"] == book.sheetnames
    values = [c for row in book["予算・決算"].iter_rows(values_only=True) for c in row]
    assert 1288 in values and 3868 in values and 2580 in values  # numbers, not text
    review = [c for row in book["評価"].iter_rows(values_only=True) for c in row]
    assert "改善" in review


@needs_pdf
def test_the_sheet_as_pdf_has_its_japanese_text_in_an_embedded_font(published):
    data = render_pdf(program_sheet(_org(), program_slug=scenario.PROGRAM))
    text = _pdf_text(data)
    assert "事務事業評価シート" in text and "フルコスト" in text and "改善" in text
    assert "3,868" in text and "773.6" in text
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile3" in descriptor or "/FontFile2" in descriptor  # embedded
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert any("CJK-JP" in f for f in fonts), fonts


def test_an_unpublished_review_is_not_printed(personas):
    built = scenario.build(personas["hq_planner"])
    wf.save_draft(actor=personas["tokachi_editor"], project_id=built["program"].project_id,
                  fy=2021, analysis="下書き", program_reviews=[
                      {"program": built["program"].pk, **REVIEW}], expected_version=0)  # fmt: skip
    html = render_document(program_sheet(_org(), program_slug=scenario.PROGRAM))
    assert REVIEW["reason"] not in html and "（未公表）" in html


def test_the_summary_of_a_bureau(published):
    report = program_sheet(_org(), bureau_slug="tokachi", fy=2021)
    html = render_document(report)
    assert report.title == "事務事業評価シート（総括表）" and "十勝総合振興局" in report.subtitle
    assert "多様な人材の活躍による地域づくり事業" in html and "宇宙産業理解促進事業" in html
    assert "3,868" in html and "ワーキンググループの開催回数 5回" in html and "改善" in html
    with pytest.raises(ReportNotFound):
        program_sheet(_org(), bureau_slug="nowhere")
    with pytest.raises(ReportNotFound):
        program_sheet(_org(), program_slug="nothing")


def test_the_command_and_the_site(published, tmp_path, client):
    out = tmp_path / "sheet.xlsx"
    call_command("report", "program-sheet", str(out), program=scenario.PROGRAM)
    assert openpyxl.load_workbook(out).sheetnames[0] == "概要"
    program = published["program"]
    page = client.get(reverse("program", args=[program.pk])).content.decode()
    assert f"/reports/program-sheet/?program={program.slug}" in page
    r = client.get(f"/reports/program-sheet/?program={program.slug}")
    assert r.status_code == 200 and "事務事業評価シート" in r.content.decode()
    assert client.get("/reports/program-sheet/?program=nothing").status_code == 404
    r = client.get("/reports/program-sheet/?bureau=tokachi&format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
