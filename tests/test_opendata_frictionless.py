"""The open-data files and their datapackage.json, checked by frictionless (the Frictionless
Data project's validator, nobody's here): types, primary keys and foreign keys, in both
encodings, on the Hokkaido dataset."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command

TABLES = {
    "regions": 6,
    "bureaus": 14,
    "municipalities": 179,
}


def _validate(folder):
    # frictionless raises the csv module's process-wide field limit when imported: put it back
    limit = csv.field_size_limit()
    try:
        from frictionless import Package, system

        with system.use_context(trusted=True):
            return Package(str(folder / "datapackage.json")).validate()
    finally:
        csv.field_size_limit(limit)


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_every_file_is_valid_with_its_keys(db, tmp_path, encoding):
    call_command("report", "opendata", str(tmp_path), encoding=encoding)
    report = _validate(tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    rows = {task.name: task.stats.get("rows", 0) for task in report.tasks}  # (none: empty)
    assert len(rows) == 11
    for name, count in TABLES.items():
        assert rows[name] == count
    assert rows["actuals"] > 0 and rows["indicators"] > 0
    assert rows["settlements"] == 0  # the seed holds budgets only


def _edit(path, column, value):
    """Set ``column`` of the first data row of a CSV (UTF-8 with BOM, CRLF) to ``value``."""
    header, first, *rest = path.read_bytes().decode("utf-8-sig").split("\r\n")
    cells = first.split(",")
    cells[header.split(",").index(column)] = value
    path.write_bytes("\r\n".join([header, ",".join(cells), *rest]).encode("utf-8-sig"))


def test_a_broken_link_or_a_wrong_type_is_what_the_validator_reports(db, tmp_path):
    """The check is real: the same validator refuses a bureau pointing at no region and a
    budget amount that is not a number."""
    call_command("report", "opendata", str(tmp_path))
    _edit(tmp_path / "bureaus.csv", "region_id", "nowhere")
    _edit(tmp_path / "budgets.csv", "amount", "5715千円")
    report = _validate(tmp_path)
    assert not report.valid
    found = {(task.name, error.type) for task in report.tasks for error in task.errors}
    assert ("bureaus", "foreign-key") in found
    assert ("budgets", "type-error") in found


def test_the_cp932_files_say_which_characters_they_replaced(db, tmp_path, capsys):
    """万m³ cannot be written in CP932: the file holds 万m3, and the command says so."""
    call_command("report", "opendata", str(tmp_path), encoding="cp932")
    said = capsys.readouterr().err
    assert (
        "indicators.csv: CP932 にない文字「³」（U+00B3）を「3」に置き換えました（1 か所）" in said
    )
    assert "万m3" in (tmp_path / "indicators.csv").read_bytes().decode("cp932")
    call_command("report", "opendata", str(tmp_path / "utf8"))
    assert "置き換えました" not in capsys.readouterr().err


def test_the_open_data_page_says_what_the_cp932_files_replace(client, db):
    page = client.get("/reports/").content.decode()
    assert "CP932 にない文字を次のとおり置き換えています" in page
    assert "数値目標・KPI: 「³」→「3」（1 か所）" in page
