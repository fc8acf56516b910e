"""Benchmark 2: page latency and throughput under load, production setup, national data.

gunicorn (2 sync workers, one per core; CHIIKI_DEBUG off) serves chiiki from the national
PostgreSQL database; wrk (Debian package) drives each page with one connection per worker (BENCH_CONNECTIONS) for
``SECONDS`` seconds. Pages of the largest synthetic prefecture (``BENCH_ORGANIZATION`` names
another): the home page, the dashboard (as HQ staff), a bureau page, a project page of the
regional plan and one of a municipality's plan, a KPI page, an API list of 50 of its
indicators, and a national API list (every organization). Target: p95 < 100 ms for each.
Baseline: ``/healthz``, a trivial Django view on the same server (the same middleware, no
database), which is what the server, Django and the network cost before any page does work.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

from benchmarks.common import gunicorn, hq_planner, setup_django, table

PORT = 8765
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
# One connection per worker: the server is saturated (throughput) without requests queueing
# behind each other, so the percentiles are the pages' own time. BENCH_CONNECTIONS=8 shows
# queueing on top.
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "2"))
HERE = Path(__file__).resolve().parent


def start_server() -> subprocess.Popen[bytes]:
    # Production settings, less the per-address API rate limit: the load comes from one
    # address on purpose (the limit is tested on its own, tests/test_rate_limits.py).
    env = dict(os.environ, CHIIKI_DEBUG="0", CHIIKI_API_RATE_ADDRESS="")
    server = subprocess.Popen(
        gunicorn(PORT),
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def load(path: str, cookie: str) -> tuple[float, float, float, float, int, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            str(HERE / "percentiles.lua"),
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    p50, p95, p99, rps, errors, requests = line.split()[1:]
    return int(p50) / 1000, int(p95) / 1000, int(p99) / 1000, float(rps), int(errors), int(requests)


def session_for(org_slug: str) -> str:
    """A signed-in HQ planner's session cookie for the organization."""
    from django.test import Client

    client = Client()
    client.force_login(hq_planner(f"bench-page-{org_slug}", org_slug))
    return f"sessionid={client.cookies['sessionid'].value}"


def main() -> str:
    # The server and this process sign sessions with the same key.
    os.environ.setdefault("CHIIKI_SECRET_KEY", "benchmark-only-" + "x" * 40)
    setup_django()
    from django.db.models import Count

    from chiiki.indicators.models import Indicator
    from chiiki.plans.models import Bureau, Organization, Project

    org = (
        Organization.objects.filter(slug__startswith="synth-")
        .filter(
            **(
                {"slug": os.environ["BENCH_ORGANIZATION"]}
                if "BENCH_ORGANIZATION" in os.environ
                else {}
            )
        )
        .annotate(n=Count("plans__projects__indicators"))
        .order_by("-n")
        .first()
    )
    project = Project.objects.filter(plan__organization=org, plan__kind="regional_policy").first()
    municipal = Project.objects.filter(plan__organization=org, plan__kind="comprehensive").first()
    indicator = Indicator.objects.filter(project=project).first()
    bureau = Bureau.objects.filter(organization=org).order_by("order", "pk").first()
    staff = session_for(org.slug)
    visitor = f"chiiki_org={org.slug}"
    pages = [
        ("trivial Django view (/healthz)", "/healthz", visitor),
        ("home page", "/", visitor),
        ("dashboard (HQ staff)", "/dashboard/", staff),
        ("bureau page", f"/bureaus/{bureau.slug}/", visitor),
        ("project page", f"/plans/{project.plan.slug}/projects/{project.slug}/", visitor),
        (
            "municipal project page",
            f"/plans/{municipal.plan.slug}/projects/{municipal.slug}/",
            visitor,
        ),
        ("KPI page", f"/indicators/{indicator.pk}/", visitor),
        (
            "API list, 50 indicators",
            f"/api/v1/indicators?organization={org.slug}&limit=50",
            visitor,
        ),
        ("API list, 50 indicators, national", "/api/v1/indicators?limit=50", visitor),
    ]
    server = start_server()
    rows = []
    try:
        base_p95 = base_rps = None
        for label, path, cookie in pages:
            load(path, cookie)  # warm up (5 s would do; the run is short anyway)
            p50, p95, p99, rps, errors, requests = load(path, cookie)
            if errors:
                # a latency measured on error answers (500s, a refused connection) is no result
                raise SystemExit(
                    f"{label} ({path}): {errors} of {requests} requests failed or answered an "
                    "error status; no result. Is collectstatic done (CHIIKI_DEBUG=0)?"
                )
            if base_p95 is None:
                base_p95, base_rps = p95, rps
            met = "" if label.startswith("trivial") else ("met" if p95 < 100 else "MISSED")
            rows.append([label, p50, p95, p99, p95 / base_p95, rps, base_rps / rps, requests, met])
    finally:
        server.terminate()
        server.wait(timeout=10)
    return table(
        f"Pages under load ({org.name}: {org.n:,} indicators; gunicorn 2 workers, wrk {CONNECTIONS} connections, {SECONDS} s each)",
        [
            "page",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "p95 × trivial view",
            "req/s",
            "time per request × trivial view (from req/s)",
            "requests",
            "p95 < 100 ms",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
