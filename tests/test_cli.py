import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_summary_json_has_the_documented_keys(capsys):
    call_command("data", "summary", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["regions"], summary["bureaus"], summary["municipalities"]) == (6, 14, 179)
    assert summary["declared_projects_by_region"] == {
        "道央広域": 18,
        "道南": 6,
        "道北": 13,
        "オホーツク": 5,
        "十勝": 4,
        "釧路・根室": 5,
    }
    assert summary["budget_thousand_yen_by_region"] == {
        "2021": {
            "道央広域": 48941,
            "道南": 18204,
            "道北": 17426,
            "オホーツク": 8006,
            "十勝": 2182,
            "釧路・根室": 20376,
        }
    }


def test_summary_as_text(capsys):
    call_command("data", "summary")
    out = capsys.readouterr().out
    assert "市町村 179" in out and "道央広域: 48,941" in out


def test_load_reports_what_it_did(capsys):
    call_command("data", "load", "hokkaido")
    assert "新規 0 件、更新 0 件" in capsys.readouterr().out


def test_load_of_an_unknown_dataset_is_a_command_error():
    with pytest.raises(CommandError, match="データセット「nowhere」はありません"):
        call_command("data", "load", "nowhere")


def test_a_database_behind_the_code_is_told_to_migrate_not_shown_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'behind.sqlite3'}",
        "CHIIKI_DATA_DIR": str(tmp_path),
    }

    def chiiki(*args):
        return subprocess.run(
            [sys.executable, "-m", "chiiki.cli", *args],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    assert chiiki("migrate", "-v0").returncode == 0
    assert chiiki("data", "load", "hokkaido").returncode == 0
    # behind by the programs' newest columns (and what was built on them)
    assert chiiki("migrate", "plans", "0007", "-v0").returncode == 0
    behind = chiiki("showmigrations", "--plan").stdout.count("[ ]")
    assert behind >= 1
    done = chiiki("report", "program-sheet", str(tmp_path / "sheet.xlsx"))  # reads programs
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert (
        f"適用されていないマイグレーションが {behind} 件あります。先に chiiki migrate"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
