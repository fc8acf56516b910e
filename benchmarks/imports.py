"""Benchmark 4: import 1,000,000 actuals from the long CSV (``record,key,fy,value``).

The rows correct existing actuals of the synthetic municipalities' KPIs (the bulk of the
national data; their years are not locked by a published evaluation), one file per
prefecture as each prefecture's HQ would import it. Each file goes through the product's own
path, as ``chiiki workbook import`` runs it: ``import_file`` (decode, parse every value with
its unit, compare with the database, check permission and locks, then per chunk: versions,
grade, write, one audit entry per value). A dry run (``ChangeReader`` alone, what
``--dry-run`` does) gives the share of the check. Everything is rolled back at the end so the
benchmark can be run again on the same data.

Peak memory is measured in a process of its own importing the largest file (its maximum
resident set, against the same process before the import).

Baselines: PostgreSQL ``COPY … FROM STDIN (FORMAT csv)`` of the same files into a table of the
same four columns, the floor for getting the rows into the database at all; and PostgreSQL
alone storing the same changes as an import must: the rows' ids and new values copied in,
one ``UPDATE … FROM`` of the actuals (value, version, who, when) and one ``INSERT … SELECT``
of an audit entry per value (its summary and old and new snapshots built in SQL). No parsing,
no checks, no grading: what the database needs for the writes themselves. Both that and
chiiki's import run the foreign-key checks a commit would run before they roll back.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from benchmarks.common import hq_planner, setup_django, table

TARGET_ROWS = 1_000_000


def build_files(
    limit: int,
) -> tuple[list[tuple[str, bytes, int]], list[tuple[int, Decimal]]]:
    """[(organization slug, CSV bytes, rows)] adding up to ``limit`` rows, and the same
    changes as (actual id, new value)."""
    from chiiki.indicators.models import Actual, Indicator

    files: list[tuple[str, bytes, int]] = []
    changes: list[tuple[int, Decimal]] = []
    total = 0
    rows = (
        Actual.objects.filter(
            indicator__project__plan__kind="comprehensive",
            indicator__project__plan__organization__slug__startswith="synth-",
        )
        .order_by("indicator__project__plan__organization__code", "indicator_id", "fy")
        .values_list(
            "indicator__project__plan__organization__slug",
            "indicator__project__plan__slug",
            "indicator__project__slug",
            "indicator__slug",
            "fy",
            "value",
            "indicator__decimal_places",
            "pk",
        )
        .iterator(chunk_size=50_000)
    )
    by_org: dict[str, io.StringIO] = defaultdict(io.StringIO)
    counts: dict[str, int] = defaultdict(int)
    for org, plan, project, slug, fy, value, places, pk in rows:
        if total >= limit:
            break
        out = by_org[org]
        if not counts[org]:
            out.write("record,key,fy,value\r\n")
        step = Decimal(1).scaleb(-places)
        new = (value + step) if value is not None else Decimal(1)
        out.write(f"actual,{Indicator.key_for(plan, project, slug)},{fy},{new}\r\n")
        changes.append((pk, new))
        counts[org] += 1
        total += 1
    for org, out in by_org.items():
        files.append((org, out.getvalue().encode("utf-8"), counts[org]))
    return files, changes


# The foreign keys are checked when the transaction commits (Django declares them DEFERRABLE
# INITIALLY DEFERRED): a million audit entries and rows with a new editor are a million checks.
# Both timed passes roll back to leave the data as it was, so they run the checks first, as a
# commit would.
CHECK_AS_AT_COMMIT = "SET CONSTRAINTS ALL IMMEDIATE"

# PostgreSQL alone: store the changes (staged by COPY) and append their audit entries.
FLOOR_UPDATE = """
UPDATE indicators_actual a
SET value = c.value, marker = '', version = a.version + 1, updated_at = now(),
    updated_by_id = %s
FROM staged_changes c WHERE a.id = c.id
"""
FLOOR_AUDIT = """
INSERT INTO audit_auditentry (at, actor_id, action, object_type, object_id, summary, old, new)
SELECT now(), %s, 'indicator.actual.corrected', 'indicator', a.indicator_id::text,
       left(i.name || ' ' || a.fy || ': ' || trim_scale(c.value)::text || i.unit, 300),
       jsonb_build_object('value', trim_scale(a.value)::text, 'marker', a.marker,
                          'version', a.version, 'fy', a.fy),
       jsonb_build_object('value', trim_scale(c.value)::text, 'marker', '',
                          'version', a.version + 1, 'fy', a.fy)
FROM staged_changes c
JOIN indicators_actual a ON a.id = c.id
JOIN indicators_indicator i ON i.id = a.indicator_id
"""


def database_floor(changes: list[tuple[int, Decimal]], actor_id: int) -> float:
    """Seconds PostgreSQL takes to store ``changes`` and append an audit entry for each (the
    audit entries first, reading the old values; all rolled back)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        start = time.perf_counter()
        c.execute("CREATE TEMPORARY TABLE staged_changes (id bigint, value numeric)")
        with c.copy("COPY staged_changes (id, value) FROM STDIN") as copy:
            for row in changes:
                copy.write_row(row)
        c.execute("ANALYZE staged_changes")
        c.execute(FLOOR_AUDIT, [actor_id])
        c.execute(FLOOR_UPDATE, [actor_id])
        c.execute(CHECK_AS_AT_COMMIT)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def hq_user(slug: str):
    return hq_planner(f"bench-hq-{slug}", slug)


def peak_memory(path: str, slug: str) -> tuple[float, float]:
    """(MB before, peak MB) of a process importing ``path`` as ``slug``'s HQ."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.imports", "--peak-memory", path, slug],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def _resident_mb() -> float:
    """The process's peak resident set so far (VmHWM: kept per address space, so unlike
    getrusage's maximum it does not carry over the parent's size from before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _import_one(path: str, slug: str) -> None:
    setup_django()
    from django.db import transaction

    from chiiki.imports.services import import_file
    from chiiki.plans.models import Organization

    data = Path(path).read_bytes()
    user = hq_user(slug)
    org = Organization.objects.get(slug=slug)
    before = _resident_mb()
    with transaction.atomic():
        import_file(data, Path(path).name, organization=org, actor=user)
        transaction.set_rollback(True)
    print(f"{before:.0f} {_resident_mb():.0f}")


def main() -> str:
    setup_django()
    from django.db import connection, transaction

    from chiiki.imports.reading import ChangeReader
    from chiiki.imports.services import import_file
    from chiiki.plans.models import Organization
    from chiiki.storage import without_cycle_collection

    files, changes = build_files(TARGET_ROWS)
    rows = sum(n for _, _, n in files)
    users = {slug: hq_user(slug) for slug, _, _ in files}
    orgs = {slug: Organization.objects.get(slug=slug) for slug, _, _ in files}
    size = sum(len(data) for _, data, _ in files)

    start = time.perf_counter()
    for slug, data, _ in files:  # the dry run: every check, nothing written (as --dry-run)
        reader = ChangeReader(data, f"{slug}.csv", organization=orgs[slug], actor=users[slug])
        with without_cycle_collection():
            assert sum(1 for _ in reader) and not reader.problems, reader.problems[:3]
    check_seconds = time.perf_counter() - start

    changed = 0
    start = time.perf_counter()
    with transaction.atomic():
        for slug, data, _ in files:
            summary = import_file(data, f"{slug}.csv", organization=orgs[slug], actor=users[slug])
            changed += summary["actuals"]
        with connection.cursor() as c:
            c.execute(CHECK_AS_AT_COMMIT)
        total = time.perf_counter() - start
        transaction.set_rollback(True)

    with transaction.atomic(), connection.cursor() as c:
        c.execute("CREATE TEMPORARY TABLE staged (record text, key text, fy int, value text)")
        start = time.perf_counter()
        for _, data, _ in files:
            with c.copy("COPY staged FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
                copy.write(data)
        floor = time.perf_counter() - start
        transaction.set_rollback(True)

    stored_floor = database_floor(changes, next(iter(users.values())).pk)

    largest = max(files, key=lambda f: f[2])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{largest[0]}.csv"
        path.write_bytes(largest[1])
        before_mb, peak_mb = peak_memory(str(path), largest[0])

    assert changed == rows, (changed, rows)
    met = "met" if total < 30 else "MISSED"
    memory_met = "met" if peak_mb < 300 else "MISSED"
    return (
        table(
            f"Import {rows:,} actuals from CSV ({len(files)} files, {size / 1e6:.0f} MB; "
            f"target < 30 s: {met})",
            ["", "seconds", "× COPY", "rows/s"],
            [
                ["PostgreSQL COPY into a staging table", floor, 1.0, rows / floor],
                [
                    "PostgreSQL alone: store the changes, one audit entry each",
                    stored_floor,
                    stored_floor / floor,
                    rows / stored_floor,
                ],
                [
                    "chiiki dry run (parse, compare, check)",
                    check_seconds,
                    check_seconds / floor,
                    rows / check_seconds,
                ],
                [
                    "chiiki import (check, then versions, grade, write, audit)",
                    total,
                    total / floor,
                    rows / total,
                ],
            ],
        )
        + "\n"
        + table(
            f"Peak memory importing the largest file ({largest[2]:,} rows, "
            f"{len(largest[1]) / 1e6:.1f} MB; target < 300 MB: {memory_met})",
            ["", "MB"],
            [
                ["the process before the import (Python, Django, chiiki)", before_mb],
                ["peak while importing (maximum resident set)", peak_mb],
            ],
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak-memory"]:
        _import_one(sys.argv[2], sys.argv[3])
    else:
        main()
