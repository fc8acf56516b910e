"""Background work: start a job, run it in the worker, follow its progress, reap the stuck ones.

A job is a row (:class:`~chiiki.jobs.models.Job`) that people can follow, and a task of
Django's tasks API (``django-tasks``, decision 0012) that runs it: ``start`` stores the row
and enqueues :func:`run_job`; the worker (``chiiki db_worker``) calls
:func:`execute`, which runs the job kind's function with a progress callback and stores the
result, the file, or why it failed. The work itself goes through the usual services (the
import's one writer, the report builders); each writes in its own transaction, so a worker
killed mid-job leaves nothing half-written, and :func:`reap` marks the job failed, visibly.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from chiiki.core.errors import ProblemsError
from chiiki.jobs.models import Job

logger = logging.getLogger(__name__)

# A running job whose last sign of life is older than this is taken as interrupted.
STALE_AFTER = dt.timedelta(minutes=15)
PROGRESS_EVERY = 0.5  # seconds between stored progress updates


@dataclass(frozen=True)
class Outcome:
    """What a job kind's function returns: the result shown on the job page (``url``: where
    to go next; ``message``: what was done) and optionally a file to download."""

    result: dict[str, Any]
    file: bytes | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # other Job fields to store (key)


class Progress:
    """The callback a job's work reports to: ``progress(done, total, step)``. Stored at most
    every PROGRESS_EVERY seconds (and always when the step changes), with a heartbeat."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._last = 0.0
        self._step = job.step

    def __call__(self, done: int, total: int | None = None, step: str | None = None) -> None:
        now = time.monotonic()
        changed_step = step is not None and step != self._step
        if not changed_step and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        if step is not None:
            self._step = step
        Job.objects.filter(pk=self.job.pk).update(
            done=done, total=total, step=self._step[:100], heartbeat_at=timezone.now()
        )


Work = Callable[[Job, Progress], Outcome]
KINDS: dict[str, Work] = {}


def kind(name: str) -> Callable[[Work], Work]:
    """Register the function that runs jobs of kind ``name``."""

    def register(fn: Work) -> Work:
        KINDS[name] = fn
        return fn

    return register


class JobFailed(Exception):
    """A job that cannot be done, for a reason the job page words (``code``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def start(
    *, kind: str, actor: Any, organization: Any, params: dict[str, Any], key: str = ""
) -> Job:
    """Store a job and hand it to the worker. Call outside a transaction (the worker must
    see the row; it waits briefly for one that is not yet committed)."""
    if kind not in KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        organization=organization,
        created_by=actor if getattr(actor, "pk", None) else None,
        params=params,
        key=key,
    )
    run_job.enqueue(str(job.pk))
    return job


@task()
def run_job(job_id: str) -> None:
    """The one task chiiki enqueues (Django's tasks API): run a stored job by its id."""
    execute(job_id)


def execute(job_id: str) -> None:
    """Run one job (the worker's entry point). Never raises for the job's own failures: they
    are stored on the job for the person who started it."""
    job = _claim(job_id)
    if job is None:
        return
    progress = Progress(job)
    try:
        outcome = KINDS[job.kind](job, progress)
    except JobFailed as exc:
        logger.warning("job %s (%s): %s", job.pk, job.kind, exc)
        _finish(job, Job.Status.FAILED, error=exc.code)
        return
    except ProblemsError as exc:
        _finish(
            job, Job.Status.FAILED, error="problems", problems=[_problem(p) for p in exc.problems]
        )
        return
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, error="unexpected")
        return
    _finish(job, Job.Status.DONE, result=outcome.result, file=outcome.file, **outcome.fields)


def _claim(job_id: str) -> Job | None:
    """The job, marked running; None if it is gone or already finished. Waits up to a few
    seconds for a row its starter has not committed yet."""
    for _attempt in range(20):
        job = Job.objects.filter(pk=job_id).select_related("organization", "created_by").first()
        if job is not None:
            break
        time.sleep(0.25)
    else:
        logger.error("job %s: no such job", job_id)
        return None
    if job.finished:
        return None
    now = timezone.now()
    job.status, job.started_at, job.heartbeat_at = Job.Status.RUNNING, now, now
    job.attempts += 1
    job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    return job


def _finish(job: Job, status: str, **fields: Any) -> None:
    fields.setdefault("result", {})
    fields.setdefault("problems", [])
    fields.setdefault("error", "")
    Job.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


def _problem(p: Any) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "field": p.field, "message": p.message}


def reap(*, now: dt.datetime | None = None, job: Job | None = None) -> int:
    """Mark failed the running jobs that stopped giving signs of life (a worker killed or a
    machine restarted mid-job): their work rolled back with its transaction. Queued jobs are
    left alone (a worker may simply not have started yet)."""
    limit = (now or timezone.now()) - STALE_AFTER
    stale = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True)
    )
    if job is not None:
        stale = stale.filter(pk=job.pk)
    return stale.update(status=Job.Status.FAILED, error="interrupted", finished_at=timezone.now())
