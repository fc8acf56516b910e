"""Soak: a bounded load run against gunicorn + PostgreSQL on loopback.

    DATABASE_URL=postgres://user@127.0.0.1:5432/chiiki_soak .venv/bin/python benchmarks/soak.py [--minutes 10]

The database is migrated and the Hokkaido data loaded when missing. gunicorn (production
settings: CHIIKI_DEBUG=0, 2 workers) serves 127.0.0.1 only. Client threads send a fixed mix
for --minutes: public pages, API reads (lists and one indicator with its forecast), open-data CSV,
and API writes (each writer increments its own indicator's actual with If-Match, so a 412 would
be a real lost-update bug, not contention). Every response that is not the expected status is an
error. The workers' memory (RSS) is sampled every 5 s. The run stops by itself at the deadline
or after --max-requests. It prints a Markdown summary and exits non-zero on any error or when the
last minute's memory is more than 10 % above the second minute's (the first is warm-up).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import gunicorn, machine, setup_django, table  # noqa: E402

FY = 2025


def prepare() -> tuple[str, list[int], list[str]]:
    """Migrate/load when needed; an HQ token; the indicators to write; the pages to read."""
    subprocess.run([sys.executable, "-m", "chiiki.cli", "migrate", "-v0"], check=True)
    setup_django()
    from chiiki.accounts.tokens import issue
    from chiiki.indicators.models import Indicator
    from chiiki.plans.models import Organization, Plan

    if not Organization.objects.filter(slug="hokkaido").exists():
        subprocess.run([sys.executable, "-m", "chiiki.cli", "data", "load", "hokkaido"], check=True)
    from benchmarks.common import hq_planner

    user = hq_planner("soak-planner", "hokkaido")
    key = issue(actor=user, name="soak")[1]
    org = Organization.objects.get(slug="hokkaido")
    writable = list(
        Indicator.objects.filter(project__plan__organization=org)
        .order_by("pk")
        .values_list("pk", flat=True)[:8]
    )
    plan = Plan.objects.filter(organization=org).order_by("pk").first()
    indicator = writable[0]
    pages = [
        "/",
        f"/plans/{plan.slug}/",
        f"/indicators/{indicator}/",
        "/municipalities/",
        "/support/",
        "/search/?q=" + quote("観光"),
        "/api/v1/indicators?limit=100",
        f"/api/v1/indicators/{indicator}",
        "/api/v1/actuals?limit=500",
        "/api/v1/projects?limit=100",
        "/opendata/actuals.csv",
    ]
    return key, writable, pages


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.requests = 0
        self.writes = 0

    def add(self, seconds: float, error: str | None = None, write: bool = False) -> None:
        with self.lock:
            self.requests += 1
            self.writes += write
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


def request(conn: http.client.HTTPConnection, method: str, path: str, **kw: object):
    conn.request(method, path, **kw)  # type: ignore[arg-type]
    response = conn.getresponse()
    return response, response.read()


def reader(port: int, pages: list[str], tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a reproducible request mix
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        path = rng.choice(pages)
        start = time.perf_counter()
        try:
            response, _ = request(conn, "GET", path)
            error = None if response.status == 200 else f"GET {path} → {response.status}"
        except Exception as exc:  # every failure is counted; a dead thread would hide them
            error = f"GET {path} → {exc!r}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        tally.add(time.perf_counter() - start, error)


def writer(port: int, key: str, indicator: int, tally: Tally, stop: threading.Event) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path = f"/api/v1/indicators/{indicator}/actuals/{FY}"
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    while not stop.is_set():
        start = time.perf_counter()
        try:
            response, body = request(conn, "GET", path)
            if response.status == 404:
                value, condition = Decimal(0), {"If-None-Match": "*"}
            elif response.status == 200:
                value = Decimal(json.loads(body)["value"] or 0)
                condition = {"If-Match": response.getheader("ETag", "")}
            else:
                raise RuntimeError(f"read → {response.status}")
            payload = json.dumps({"value": str(value + 1)})
            response, body = request(conn, "PUT", path, body=payload, headers=auth | condition)
            error = (
                None if response.status == 200 else f"PUT {path} → {response.status} {body[:200]!r}"
            )
        except Exception as exc:  # every failure is counted; a dead thread would hide them
            error = f"PUT {path} → {exc!r}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        tally.add(time.perf_counter() - start, error, write=True)
        stop.wait(0.05)  # a person's pace is far slower; this keeps writes a fraction of the mix


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("set DATABASE_URL=postgres://… (the soak runs against PostgreSQL)", file=sys.stderr)
        return 2
    key, writable, pages = prepare()
    env = dict(os.environ)
    env.update(
        CHIIKI_DEBUG="0",
        CHIIKI_SECRET_KEY=secrets.token_urlsafe(50),
        CHIIKI_ALLOWED_HOSTS="127.0.0.1",
        CHIIKI_DATA_DIR=str(ROOT / "var" / "soak"),
        # The soak measures the server under a load far above one client's fair share; the
        # rate limits (which it would rightly trip) are measured by the tests instead.
        CHIIKI_API_RATE_TOKEN="",
        CHIIKI_API_RATE_ADDRESS="",
    )
    subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        gunicorn(args.port, threads=4),
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request(
                    "GET", "/healthz"
                )
                break
            except OSError:
                time.sleep(0.2)
        tally, stop = Tally(), threading.Event()
        threads = [
            threading.Thread(target=reader, args=(args.port, pages, tally, stop, n))
            for n in range(args.readers)
        ] + [
            threading.Thread(target=writer, args=(args.port, key, i, tally, stop))
            for i in writable[:2]
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        samples: list[tuple[float, int]] = []
        end = started + args.minutes * 60
        while time.monotonic() < end and tally.requests < args.max_requests:
            samples.append((time.monotonic() - started, rss_kib(children(server.pid))))
            time.sleep(5)
        stop.set()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(30)
    return report(tally, samples, elapsed, args)


def report(tally: Tally, samples: list[tuple[float, int]], elapsed: float, args) -> int:
    def window(lo: float, hi: float) -> float:
        values = [kib for t, kib in samples if lo <= t < hi]
        return statistics.median(values) / 1024 if values else float("nan")

    second = window(60, 120)
    last = window(elapsed - 60, elapsed + 1)
    growth = (last / second - 1) * 100 if second else float("nan")
    lat = sorted(tally.latencies)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print(machine())
    (
        table(
            f"Soak: {elapsed / 60:.1f} min against gunicorn (2 workers × 4 threads) + PostgreSQL",
            [
                "requests",
                "writes",
                "errors",
                "req/s",
                "p50 ms",
                "p99 ms",
                "max ms",
                "RSS 2nd min MiB",
                "RSS last min MiB",
                "growth",
            ],
            [
                [
                    f"{tally.requests:,}",
                    f"{tally.writes:,}",
                    len(tally.errors),
                    f"{tally.requests / elapsed:.0f}",
                    f"{pct(0.5):.0f}",
                    f"{pct(0.99):.0f}",
                    f"{lat[-1] * 1000:.0f}",
                    f"{second:.0f}",
                    f"{last:.0f}",
                    f"{growth:+.1f} %",
                ]
            ],
        )
    )
    print(
        "RSS by minute (MiB):",
        ", ".join(f"{window(m * 60, (m + 1) * 60):.0f}" for m in range(int(elapsed // 60) + 1)),
    )
    for error in tally.errors[:20]:
        print("error:", error)
    flat = not (growth > 10)
    return 0 if not tally.errors and flat else 1


if __name__ == "__main__":
    sys.exit(main())
