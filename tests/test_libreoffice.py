"""Workbooks saved by LibreOffice Calc read back: the plan-structure workbook, exported by
chiiki, opened and saved by LibreOffice (headless), imports as "no change"."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from chiiki.plans.models import Plan
from chiiki.plans.structure import export_structure, import_structure

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice")
if SOFFICE is None and os.environ.get("CHIIKI_REQUIRE_LIBREOFFICE"):
    raise RuntimeError(
        "LibreOffice (soffice) is required here: apt-get install libreoffice-calc-nogui"
    )


def resave(data: bytes, tmp_path) -> bytes:
    """The workbook as LibreOffice Calc saves it (opened, then written again as .xlsx)."""
    source = tmp_path / "in" / "structure.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)
    out = tmp_path / "out"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return (out / "structure.xlsx").read_bytes()


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_structure_workbook_saved_by_libreoffice_reads_back_unchanged(personas, tmp_path):
    r3 = Plan.objects.get(slug="regional-policy-r3")
    saved = resave(export_structure(r3), tmp_path)
    result = import_structure(r3, saved, actor=personas["hq_admin"], apply=False)
    assert result.problems == []
    assert result.changes == []


def _pdf_of(data: bytes, tmp_path, name: str) -> bytes:
    """The workbook printed by LibreOffice Calc (headless), as a PDF."""
    source = tmp_path / name / f"{name}.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(source.parent), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return (source.parent / f"{name}.pdf").read_bytes()


def _texts(report) -> list[str]:
    """Every text the workbook holds in a text cell (numbers are printed by their format)."""
    from chiiki.reports.layout import Bullets, Paragraph, Table

    out = [report.title, *report.notes]
    for section in report.sections:
        out.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Table):
                out.append(block.caption)
                for row in [*block.head, *block.body, *block.foot]:
                    out += [f"{c.text}{c.sub}" for c in row if not c.numeric and c.text]
            elif isinstance(block, Bullets):
                out += [block.title, *block.items]
            elif isinstance(block, Paragraph):
                out.append(block.text)
    return [t for t in out if t.strip()]


def _printed(pdf: bytes) -> tuple[str, list[float]]:
    """The PDF's text without spaces or line breaks, and the size of each run of text in points
    as printed (the font size times the scale of the page)."""
    import io

    from pypdf import PdfReader

    text, sizes = [], []

    def visit(run, cm, tm, font, size):
        if run.strip():
            scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0])
            sizes.append(size * scale)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        text.append(page.extract_text(visitor_text=visit))
    return "".join("".join(text).split()), sizes


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("kind", ["regions", "budgets", "progress", "support"])
def test_every_report_prints_whole_and_readable_from_libreoffice(kind, tmp_path):
    """Printed by LibreOffice Calc on A4: every text cell is there whole (no row too short to
    show its wrapped lines), and the body text prints at 9 pt or more (no column so wide that
    fitting the width shrinks the page)."""
    import statistics

    from chiiki.plans.models import Organization
    from chiiki.reports.builders import REPORTS
    from chiiki.reports.xlsx import render_xlsx

    report = REPORTS[kind][1](Organization.objects.get(slug="hokkaido"))
    printed, sizes = _printed(_pdf_of(render_xlsx(report), tmp_path, kind))
    cut = [t for t in _texts(report) if "".join(t.split()) not in printed]
    assert not cut, f"{len(cut)} texts not printed whole, e.g. {cut[:3]}"
    body = statistics.mode(round(s, 1) for s in sizes)
    assert body >= 9.0, f"the body text prints at {body} pt"
