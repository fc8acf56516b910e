"""Benchmark 6: back up and restore the whole database (``chiiki dump`` / ``chiiki restore``).

The benchmark database (national scale) is dumped by ``chiiki dump``, then restored by
``chiiki restore`` into a fresh, migrated database, as an operator would after losing a
server. Baseline, in the same run: PostgreSQL's own tools on the same rows — ``pg_dump
--data-only --format=custom`` and ``pg_restore --data-only`` into another fresh, migrated
database (the tables ``migrate`` fills itself are left out of both) — the floor for getting
the same data back. Target: a national restore in under 5 minutes.

Then the operator's routine (docs/operations.md): ``chiiki backup create`` (pg_dump with a
fingerprint of the same snapshot) against a plain ``pg_dump --format=custom`` of the whole
database, and the restore drill ``chiiki backup drill`` (restore into a scratch database and
compare every table) against a plain ``pg_restore`` of that dump into an empty database. The
ratios are the cost of proving the backup.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.common import table

# Filled by `migrate` in a fresh database, so neither tool restores them.
MIGRATE_FILLS = ("django_migrations", "django_content_type", "auth_permission")
TARGET_SECONDS = 300


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True)


def _fresh(url: str, name: str) -> str:
    """A new, migrated database ``name`` on the server of ``url``."""
    admin = _with_db(url, "postgres")
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')
    target = _with_db(url, name)
    subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "migrate", "-v0"],
        env={**os.environ, "DATABASE_URL": target},
        check=True,
    )
    return target


def _run(cmd: list[str], url: str) -> tuple[float, float, str]:
    """Wall seconds and peak memory (MB) of ``cmd`` against database ``url``, and its output."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, env={**os.environ, "DATABASE_URL": url}, stdout=out, stderr=subprocess.STDOUT
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{text}")
    return seconds, usage.ru_maxrss / 1024, text


def _pg_restore(target: str, dump: Path, *options: str) -> float:
    """Seconds ``pg_restore`` takes to load ``dump`` into ``target`` in one transaction."""
    seconds, _, _ = _run(
        ["pg_restore", *options, "--single-transaction", "-d", target, str(dump)], target
    )
    return seconds


def main() -> None:
    url = os.environ["DATABASE_URL"]
    name = urlsplit(url).path.lstrip("/")
    chiiki = [sys.executable, "-m", "chiiki.cli"]
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "backup.jsonl.gz"
        pg = Path(folder) / "backup.pgdump"
        dump_s, dump_mb, out = _run([*chiiki, "dump", str(dump)], url)
        rows = int(out.strip().splitlines()[-1].split()[0].replace(",", ""))
        excluded = [f"--exclude-table={t}" for t in MIGRATE_FILLS]
        pg_dump_s, _, _ = _run(
            ["pg_dump", "--data-only", "--format=custom", *excluded, "-f", str(pg), url], url
        )
        target = _fresh(url, f"{name}_restore")
        restore_s, restore_mb, _ = _run([*chiiki, "restore", str(dump)], target)
        baseline = _fresh(url, f"{name}_pgrestore")
        pg_restore_s = _pg_restore(baseline, pg, "--data-only", "--disable-triggers")
        # the operator's routine, and PostgreSQL's tools alone on the whole database
        backups = Path(folder) / "backups"
        create_s, _, _ = _run([*chiiki, "backup", "create", str(backups)], url)
        full = Path(folder) / "full.pgdump"
        full_dump_s, _, _ = _run(["pg_dump", "--format=custom", "-f", str(full), url], url)
        drill_s, drill_mb, drilled = _run([*chiiki, "backup", "drill", "--dir", str(backups)], url)
        if "すべて記録と一致" not in drilled:
            raise SystemExit(f"the restore drill did not match:\n{drilled}")
        admin = _with_db(url, "postgres")
        _psql(admin, f'DROP DATABASE IF EXISTS "{name}_plain" WITH (FORCE)')
        _psql(admin, f'CREATE DATABASE "{name}_plain"')
        plain = _with_db(url, f"{name}_plain")
        plain_s = _pg_restore(plain, full, "--no-owner", "--exit-on-error")
        for db in (f"{name}_restore", f"{name}_pgrestore", f"{name}_plain"):
            _psql(_with_db(url, "postgres"), f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    table(
        f"Backup and restore ({rows:,} rows)",
        ["step", "chiiki (s)", "PostgreSQL tools (s)", "ratio", "peak memory (MB)", "target"],
        [
            ["dump", dump_s, pg_dump_s, f"{dump_s / pg_dump_s:.1f}×", f"{dump_mb:.0f}", ""],
            [
                "restore",
                restore_s,
                pg_restore_s,
                f"{restore_s / pg_restore_s:.1f}×",
                f"{restore_mb:.0f}",
                f"< {TARGET_SECONDS} s: {'met' if restore_s < TARGET_SECONDS else 'missed'}",
            ],
        ],
    )
    table(
        "Backup routine and restore drill (whole database, schema and indexes)",
        ["step", "chiiki (s)", "PostgreSQL tools (s)", "ratio", "peak memory (MB)", "checked"],
        [
            ["backup create / pg_dump", create_s, full_dump_s,
             f"{create_s / full_dump_s:.1f}×", "", "fingerprint of the same snapshot"],
            ["backup drill / pg_restore", drill_s, plain_s, f"{drill_s / plain_s:.1f}×",
             f"{drill_mb:.0f}", drilled.strip().splitlines()[-1]],
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
