"""The one task of Django's tasks API that chiiki enqueues: run a stored job by its id."""

from __future__ import annotations

from django_tasks import task

from chiiki.jobs.services import execute


@task()
def run_job(job_id: str) -> None:
    execute(job_id)
