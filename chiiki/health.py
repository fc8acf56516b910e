"""Liveness and readiness, and the version an operator sees everywhere.

``/healthz`` answers while the process runs (no database: a load balancer's liveness probe).
``/readyz`` answers 200 only when the installation can serve: the database answers, every
migration is applied, the translations are compiled, and no background job has waited for a
worker longer than WORKER_WAIT (a worker that stopped). Otherwise 503, with the reason of each
failed check. Both carry the version and commit, as does ``chiiki --version``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib.metadata
import os
import sys
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
WORKER_WAIT = dt.timedelta(minutes=10)


def _commit() -> str:
    """The commit this code is: CHIIKI_COMMIT, else what deploy/install recorded beside the
    installation (``chiiki-commit`` in the virtual environment), else read from .git."""
    if os.environ.get("CHIIKI_COMMIT"):
        return os.environ["CHIIKI_COMMIT"][:12]
    with contextlib.suppress(OSError):
        recorded = (Path(sys.prefix) / "chiiki-commit").read_text(encoding="utf-8").strip()
        if recorded:
            return recorded[:12]
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        loose = git / ref
        if loose.exists():
            return loose.read_text(encoding="utf-8").strip()[:12]
        for line in (git / "packed-refs").read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    except OSError:
        pass
    return ""


@functools.cache
def version() -> str:
    """``0.1.0 (1a2b3c4d5e6f)``: the release and, where known, the commit."""
    release = importlib.metadata.version("chiiki")
    commit = _commit()
    return f"{release} ({commit})" if commit else release


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and the page benchmark's baseline: answers without the database."""
    return HttpResponse(f"ok chiiki {version()}", content_type="text/plain")


@functools.cache
def _translations_compiled() -> str:
    from chiiki.web.translations import compile_catalogues

    stale = [c.mo.name for c in compile_catalogues(write=False) if c.stale]
    return f"not compiled: {', '.join(stale)} (chiiki translations compile)" if stale else ""


def pending_migrations() -> int:
    """How many migrations of this code the database has not applied."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def checks() -> dict[str, str]:
    """Each check's problem ("" when it holds)."""
    out = {"database": "", "migrations": "", "translations": "", "worker": ""}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        out["database"] = f"unreachable: {str(exc).strip().splitlines()[0][:200]}"
        out["migrations"] = out["worker"] = "not checked (no database)"
        out["translations"] = _translations_compiled()
        return out
    pending = pending_migrations()
    if pending:
        out["migrations"] = f"{pending} not applied (chiiki migrate)"
    out["translations"] = _translations_compiled()
    if not pending:
        from chiiki.jobs.models import Job

        waiting = (
            Job.objects.filter(status=Job.Status.QUEUED)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if waiting is not None and timezone.now() - waiting > WORKER_WAIT:
            out["worker"] = (
                f"a job has waited since {waiting:%Y-%m-%d %H:%M} UTC: is `chiiki db_worker` running?"
            )
    return out


def readyz(request: HttpRequest) -> JsonResponse:
    problems = checks()
    ready = not any(problems.values())
    body: dict[str, Any] = {
        "status": "ready" if ready else "not ready",
        "version": version(),
        "checks": {name: problem or "ok" for name, problem in problems.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
