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
