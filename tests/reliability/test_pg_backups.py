"""PostgreSQL backups and the restore drill (`chiiki backup create|drill`), on a scratch database
loaded with the Hokkaido data by the real command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.reliability.scratch import backend

pytestmark = pytest.mark.skipif(
    backend() != "postgres", reason="chiiki backup is for PostgreSQL (runs in the PostgreSQL pass)"
)


def _backup(scratch, *args):
    return subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "backup", *args],
        env=scratch.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_records_every_table_and_the_drill_restores_it_identically(scratch, tmp_path):
    done = _backup(scratch, "create", str(tmp_path))
    assert done.returncode == 0, done.stderr
    (dump,) = tmp_path.glob("chiiki-*.dump")
    manifest = json.loads((tmp_path / (dump.name + ".json")).read_text(encoding="utf-8"))
    tables = manifest["tables"]
    # the counts are the live database's, table by table
    for table in ("indicators_indicator", "indicators_actual", "plans_programbudget"):
        assert tables[table]["rows"] == scratch.scalar(f"SELECT count(*) FROM {table}") > 0  # noqa: S608
    assert tables["plans_bureau"]["rows"] == 14 and tables["plans_region"]["rows"] == 6
    assert not list(tmp_path.glob("*.partial"))
    drilled = _backup(scratch, "drill", "--dir", str(tmp_path))
    assert drilled.returncode == 0, drilled.stderr
    rows = sum(t["rows"] for t in tables.values())
    assert f"{len(tables)} 表 {rows:,} 行がすべて記録と一致" in drilled.stdout
    # the scratch database is gone afterwards
    assert (
        scratch.scalar("SELECT count(*) FROM pg_database WHERE strpos(datname, '_drill_') > 0") == 0
    )


def test_the_drill_names_a_table_that_did_not_come_back_the_same(scratch, tmp_path):
    assert _backup(scratch, "create", str(tmp_path)).returncode == 0
    (dump,) = tmp_path.glob("chiiki-*.dump")
    record = tmp_path / (dump.name + ".json")
    manifest = json.loads(record.read_text(encoding="utf-8"))
    manifest["tables"]["indicators_actual"]["digest"] = "0" * 32
    manifest["tables"]["plans_region"]["rows"] = 7
    record.write_text(json.dumps(manifest), encoding="utf-8")
    drilled = _backup(scratch, "drill", str(dump))
    assert drilled.returncode != 0
    assert "plans_region: 行数が違います（記録 7、復元 6）" in drilled.stderr
    assert "indicators_actual: 行数は同じ" in drilled.stderr and "内容が違います" in drilled.stderr


def test_a_damaged_backup_file_is_refused_before_anything_is_restored(scratch, tmp_path):
    assert _backup(scratch, "create", str(tmp_path)).returncode == 0
    (dump,) = tmp_path.glob("chiiki-*.dump")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    drilled = _backup(scratch, "drill", str(dump))
    assert drilled.returncode != 0
    assert "記録された SHA-256 と一致しません（壊れています）" in drilled.stderr
    assert (
        scratch.scalar("SELECT count(*) FROM pg_database WHERE strpos(datname, '_drill_') > 0") == 0
    )


def test_keep_removes_only_the_oldest_backups_it_wrote(scratch, tmp_path):
    (tmp_path / "notes.txt").write_text("the operator's own file", encoding="utf-8")
    for stamp in ("20260101T000000Z", "20260102T000000Z"):
        (tmp_path / f"chiiki-{stamp}.dump").write_bytes(b"old")
        (tmp_path / f"chiiki-{stamp}.dump.json").write_text("{}", encoding="utf-8")
    done = _backup(scratch, "create", str(tmp_path), "--keep", "2")
    assert done.returncode == 0, done.stderr
    assert "古いバックアップを消しました: chiiki-20260101T000000Z.dump" in done.stdout
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "chiiki-20260101T000000Z.dump" not in names
    assert "chiiki-20260101T000000Z.dump.json" not in names
    assert "chiiki-20260102T000000Z.dump" in names and "notes.txt" in names
    assert len([n for n in names if n.endswith(".dump")]) == 2
