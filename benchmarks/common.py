"""Shared helpers: Django set-up, timing, and the table every benchmark prints.

Every benchmark measures chiiki and its baseline in the same run, on the same data and
machine, and prints the ratio; absolute times are only comparable within one run.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiiki.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("benchmarks run against PostgreSQL: set DATABASE_URL=postgres://…")


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The median wall time of ``repeat`` runs (seconds) and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (printed, and pasted into docs/performance.md)."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if v < 100 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo", encoding="utf-8")
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = next(
            int(line.split()[1])
            for line in open("/proc/meminfo", encoding="utf-8")
            if line.startswith("MemTotal")
        )
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{os.cpu_count()} × {cpu}{memory}; Python {platform.python_version()}; {pg}; "
        f"{platform.system()} {platform.release()}"
    )


def hq_planner(username: str, org_slug: str) -> Any:
    """An HQ planner of the organization (created on first use)."""
    from django.contrib.auth import get_user_model

    from chiiki.accounts.models import Membership
    from chiiki.plans.models import Organization

    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        Membership.objects.create(
            user=user, organization=Organization.objects.get(slug=org_slug), role="hq_planner"
        )
    return user


def gunicorn(port: int, *, threads: int = 1) -> list[str]:
    """The command that serves chiiki with production's configuration (deploy/gunicorn.conf.py,
    its hooks included) and 2 workers on a loopback port. With ``threads=1`` the workers are
    sync ones, one request per process at a time, so a page's latency is its own: gthread
    workers keep a client's connections alive, and one process may take both of wrk's while
    the other idles, which measures queueing instead (the soak measures threads, ``threads=4``).
    No restart after max_requests during a run."""
    import sys
    from pathlib import Path

    config = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"
    return [
        sys.executable, "-m", "gunicorn", "chiiki.wsgi:application", "-c", str(config),
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", str(threads),
        "--log-level", "warning", "--max-requests", "0",
        "--worker-class", "sync" if threads == 1 else "gthread",
    ]  # fmt: skip
