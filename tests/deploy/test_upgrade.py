"""Upgrading from the previous release, as docs/operations.md describes: a PostgreSQL database made
by the previous release's own code (its migrations and its Hokkaido dataset load) is migrated
forward by this code, keeping every row, and then serves."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.deploy.conftest import ROOT, need, run_chiiki

pytestmark = pytest.mark.deploy

RELEASE = re.compile(
    r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2}) \(commit ([0-9a-f]{12,40})\)$", re.M
)
# Django's own records of migrations, models and permissions: they grow with the new models.
BOOKKEEPING = ("django_migrations", "django_content_type", "auth_permission")
# Rows that must come through the upgrade as they were
ACTUALS = """SELECT i.slug, a.fy, a.value::text FROM indicators_actual a
             JOIN indicators_indicator i ON i.id = a.indicator_id ORDER BY 1, 2"""
BUDGETS = """SELECT p.id, b.fy, b.amount_thousand_yen FROM plans_programbudget b
             JOIN plans_program p ON p.id = b.program_id ORDER BY 1, 2"""


def previous_release() -> tuple[str, str]:
    """(version, commit) of the newest release in CHANGELOG.md."""
    found = RELEASE.search((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert found, "CHANGELOG.md names no release as '## X.Y.Z — YYYY-MM-DD (commit …)'"
    return found[1], found[3]


def _tables(cluster) -> list[str]:
    return cluster.sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", "upgrade"
    ).splitlines()


def _counts(cluster, tables: list[str]) -> dict[str, int]:
    return {t: int(cluster.sql(f'SELECT count(*) FROM "{t}"', "upgrade")) for t in tables}  # noqa: S608


def test_a_database_of_the_previous_release_is_migrated_forward_with_every_row(cluster, tmp_path):
    version, commit = previous_release()
    present = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True, check=False,
    )  # fmt: skip
    need("" if present.returncode == 0 else f"release {version} ({commit}) is not in this clone")
    old = tmp_path / f"chiiki-{version}"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    cluster.sql("CREATE DATABASE upgrade")
    env = {"DATABASE_URL": cluster.url("upgrade"), "CHIIKI_DATA_DIR": str(tmp_path / "data")}

    # the previous release makes its database, as its installation did
    run_chiiki(old, env, "migrate", "--noinput", "-v0")
    run_chiiki(old, env, "data", "load", "hokkaido")
    before_tables = _tables(cluster)
    before = _counts(cluster, before_tables)
    actuals = cluster.sql(ACTUALS, "upgrade")
    budgets = cluster.sql(BUDGETS, "upgrade")
    assert before["indicators_actual"] > 0 and before["plans_programbudget"] > 0

    # this release migrates it forward
    migrated = run_chiiki(ROOT, env, "migrate", "--noinput")
    assert "Applying" in migrated.stdout  # there was something to do
    run_chiiki(ROOT, env, "migrate", "--check")
    after = _counts(cluster, [t for t in before_tables if t in _tables(cluster)])
    changed = {
        t: (before[t], after.get(t))
        for t in before
        if after.get(t, 0) != before[t] and t not in BOOKKEEPING
    }
    assert not changed, f"rows changed by the migrations (table: before, after): {changed}"
    assert all(after[t] >= before[t] for t in BOOKKEEPING)
    assert cluster.sql(ACTUALS, "upgrade") == actuals
    assert cluster.sql(BUDGETS, "upgrade") == budgets

    # and serves: the current dataset loads over it, and the readiness checks hold
    run_chiiki(ROOT, env, "data", "load", "hokkaido")
    checks = run_chiiki(
        ROOT, env, "shell", "-c",
        "import json; from chiiki.health import checks; print(json.dumps(checks()))",
    )  # fmt: skip
    problems = json.loads(checks.stdout.strip().splitlines()[-1])
    assert problems == {"database": "", "migrations": "", "translations": "", "worker": ""}
