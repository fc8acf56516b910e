"""Benchmark 3: the national open-data CSV of actuals vs PostgreSQL COPY of the same rows, and
the whole-prefecture Excel report.

- chiiki: ``reports.opendata.csv_lines(org, "actuals")`` for every organization (UTF-8 with BOM,
  the same bytes a user downloads: era labels, units, markers, formula neutralising). On
  PostgreSQL the database writes the cells (target ≤ 1.2× COPY); the Python path that SQLite and
  the CP932 files use is measured beside it, and the two must give the same bytes (else the
  run fails).
- baseline: one ``COPY (SELECT … same rows, same order …) TO STDOUT (FORMAT csv)``: the database
  writing CSV itself, without the era column or any per-cell care. The floor for this export.
- the progress report (seed 003's layout) as xlsx, for Hokkaido and for the largest synthetic
  prefecture, against reading the same rows the report reads.
"""

from __future__ import annotations

from benchmarks.common import setup_django, table, timed

COPY = """
COPY (
  SELECT p.slug || '/' || pr.slug || '/' || i.slug, i.name, a.fy, a.value, i.unit, a.marker,
         a.national_value, a.rate, a.published_rate
  FROM indicators_actual a
  JOIN indicators_indicator i ON i.id = a.indicator_id
  JOIN plans_project pr ON pr.id = i.project_id
  JOIN plans_plan p ON p.id = pr.plan_id
  ORDER BY p.organization_id, p.slug, pr."order", i."order", a.fy
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def chiiki_export(database_rendered: bool = True) -> tuple[int, str]:
    """(bytes, SHA-256) of every organization's actuals file."""
    import hashlib

    from chiiki.plans.models import Organization
    from chiiki.reports.opendata import csv_lines

    size = 0
    digest = hashlib.sha256()
    for org in Organization.objects.order_by("code"):
        for chunk in csv_lines(org, "actuals", database_rendered=database_rendered):
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


def copy_export() -> int:
    from django.db import connection

    size = 0
    with connection.cursor() as c, c.copy(COPY) as copy:
        for block in copy:
            size += len(block)
    return size


def xlsx(org_slug: str) -> int:
    from chiiki.plans.models import Organization
    from chiiki.reports.builders import progress_report
    from chiiki.reports.xlsx import render_xlsx

    report = progress_report(Organization.objects.get(slug=org_slug))
    return len(render_xlsx(report))


def main() -> str:
    setup_django()
    from django.db.models import Count

    from chiiki.indicators.models import Actual
    from chiiki.plans.models import Organization

    rows = Actual.objects.count()
    floor, copy_size = timed(copy_export, repeat=3)
    ours, (size, digest) = timed(chiiki_export, repeat=3)
    careful, (careful_size, careful_digest) = timed(lambda: chiiki_export(False), repeat=1)
    if (size, digest) != (careful_size, careful_digest):
        raise SystemExit(
            f"the database-rendered CSV differs from the Python path: {size:,} bytes "
            f"{digest[:12]} vs {careful_size:,} bytes {careful_digest[:12]}"
        )
    met = "met" if ours / floor <= 1.2 else "MISSED"
    out = table(
        f"National open data, actuals table: {rows:,} rows (target ≤ 1.2× COPY: {met})",
        ["", "seconds", "× COPY", "MB"],
        [
            ["PostgreSQL COPY … TO STDOUT (CSV), the baseline", floor, 1.0, copy_size / 1e6],
            [
                "chiiki open-data CSV (UTF-8 BOM), every organization, written by PostgreSQL",
                ours,
                ours / floor,
                size / 1e6,
            ],
            [
                "the same bytes written by Python (SQLite's path; also CP932)",
                careful,
                careful / floor,
                careful_size / 1e6,
            ],
        ],
    )
    largest = (
        Organization.objects.filter(slug__startswith="synth-")
        .annotate(n=Count("plans__projects__indicators"))
        .order_by("-n")
        .first()
    )
    report_rows = []
    for slug in ["hokkaido", largest.slug if largest else None]:
        if slug is None or not Organization.objects.filter(slug=slug).exists():
            continue
        seconds, size = timed(lambda slug=slug: xlsx(slug), repeat=3)
        report_rows.append([f"progress report xlsx, {slug} (regional plan)", seconds, size / 1e3])
    out += table("Whole-prefecture Excel report", ["", "seconds", "KB"], report_rows)
    return out


if __name__ == "__main__":
    main()
