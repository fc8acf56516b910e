"""Benchmark 4: import 1,000,000 actuals from the long CSV (``record,key,fy,value``).

The rows correct existing actuals of the synthetic municipalities' KPIs (the bulk of the
national data; their years are not locked by a published evaluation), one file per
prefecture as each prefecture's HQ would import it. Each file goes through the product's own
path, as ``chiiki workbook import`` runs it: ``read_changes`` (decode, parse every value with
its unit, compare with the database, check permission and locks) and ``apply`` (versions,
write, one audit entry per value, recompute the indicators touched). Everything is rolled
back at the end so the benchmark can be run again on the same data.

Baseline: PostgreSQL ``COPY … FROM STDIN (FORMAT csv)`` of the same files into a table of the
same four columns: the floor for getting the rows into the database at all.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from decimal import Decimal

from benchmarks.common import hq_planner, setup_django, table

TARGET_ROWS = 1_000_000


def build_files(limit: int) -> list[tuple[str, bytes, int]]:
    """[(organization slug, CSV bytes, rows)] adding up to ``limit`` rows."""
    from chiiki.indicators.models import Actual, Indicator

    files: list[tuple[str, bytes, int]] = []
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
        )
        .iterator(chunk_size=50_000)
    )
    by_org: dict[str, io.StringIO] = defaultdict(io.StringIO)
    counts: dict[str, int] = defaultdict(int)
    for org, plan, project, slug, fy, value, places in rows:
        if total >= limit:
            break
        out = by_org[org]
        if not counts[org]:
            out.write("record,key,fy,value\r\n")
        step = Decimal(1).scaleb(-places)
        new = (value + step) if value is not None else Decimal(1)
        out.write(f"actual,{Indicator.key_for(plan, project, slug)},{fy},{new}\r\n")
        counts[org] += 1
        total += 1
    for org, out in by_org.items():
        files.append((org, out.getvalue().encode("utf-8"), counts[org]))
    return files


def hq_user(slug: str):
    return hq_planner(f"bench-hq-{slug}", slug)


def main() -> str:
    setup_django()
    from django.db import connection, transaction

    from chiiki.imports.reading import read_changes
    from chiiki.imports.services import apply
    from chiiki.plans.models import Organization

    files = build_files(TARGET_ROWS)
    rows = sum(n for _, _, n in files)
    users = {slug: hq_user(slug) for slug, _, _ in files}
    orgs = {slug: Organization.objects.get(slug=slug) for slug, _, _ in files}
    size = sum(len(data) for _, data, _ in files)

    read_seconds = apply_seconds = 0.0
    changed = 0
    with transaction.atomic():
        for slug, data, _ in files:
            start = time.perf_counter()
            changeset = read_changes(
                data, f"{slug}.csv", organization=orgs[slug], actor=users[slug]
            )
            middle = time.perf_counter()
            summary = apply(changeset, actor=users[slug])
            apply_seconds += time.perf_counter() - middle
            read_seconds += middle - start
            changed += summary["actuals"]
        transaction.set_rollback(True)

    with transaction.atomic(), connection.cursor() as c:
        c.execute("CREATE TEMPORARY TABLE staged (record text, key text, fy int, value text)")
        start = time.perf_counter()
        for _, data, _ in files:
            with c.copy("COPY staged FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
                copy.write(data)
        floor = time.perf_counter() - start
        transaction.set_rollback(True)

    total = read_seconds + apply_seconds
    assert changed == rows, (changed, rows)
    met = "met" if total < 30 else "MISSED"
    return table(
        f"Import {rows:,} actuals from CSV ({len(files)} files, {size / 1e6:.0f} MB; "
        f"target < 30 s: {met})",
        ["", "seconds", "× COPY", "rows/s"],
        [
            ["PostgreSQL COPY into a staging table", floor, 1.0, rows / floor],
            [
                "chiiki read_changes (parse, compare, check)",
                read_seconds,
                read_seconds / floor,
                rows / read_seconds,
            ],
            [
                "chiiki apply (versions, write, audit, recompute)",
                apply_seconds,
                apply_seconds / floor,
                rows / apply_seconds,
            ],
            ["chiiki import, total", total, total / floor, rows / total],
        ],
    )


if __name__ == "__main__":
    main()
