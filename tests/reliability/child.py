"""Run in a separate process by the reliability tests (see scratch.py).

child.py token USER               print a new API key for USER
child.py import-and-hang FILE USER K
    run `chiiki workbook import FILE --user USER`, but stop inside its transaction after
    the K-th budget write: print "written N" (the actual rows this process then sees,
    uncommitted) and hang until killed.
child.py start-jobs KIND FILE USER N
    store FILE as an upload N times and start a job of KIND (import.preview or import.apply)
    for each, without running it; print "job ID" per job.
child.py retry-job ID
    start a job like job ID (the job page's "run again"); print "job ID".
child.py worker-and-hang K
    run the background worker (`chiiki db_worker --batch`), stopping inside an import's
    transaction after the K-th budget write as import-and-hang does.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiiki.settings")

import django

django.setup()


def token(username: str) -> None:
    from django.contrib.auth import get_user_model

    from chiiki.accounts.tokens import issue

    user = get_user_model().objects.get(username=username)
    print(issue(actor=user, name="reliability tests")[1])


def import_and_hang(path: str, username: str, after: int) -> None:
    _hang_after_budgets(after)
    from chiiki.cli import main

    main(["workbook", "import", path, "--user", username])


def _hang_after_budgets(after: int) -> None:
    from chiiki.imports import services
    from chiiki.indicators.models import Actual

    original = services.record_budget
    calls = 0

    def record_budget(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        result = original(**kwargs)
        calls += 1
        if calls == after:
            print(f"written {Actual.objects.count()}", flush=True)
            while True:  # the transaction stays open until the test kills this process
                time.sleep(1)
        return result

    services.record_budget = record_budget


def start_jobs(kind: str, path: str, username: str, n: int) -> None:
    from pathlib import Path

    from django.contrib.auth import get_user_model

    from chiiki.imports.services import keep_upload
    from chiiki.jobs.services import start
    from chiiki.plans.models import Organization

    user = get_user_model().objects.get(username=username)
    org = Organization.objects.get(slug="hokkaido")
    data = Path(path).read_bytes()
    for _ in range(n):
        batch = keep_upload(actor=user, filename=Path(path).name, data=data)
        job = start(
            kind=kind, actor=user, organization=org,
            params={"batch": batch.pk, "filename": batch.filename},
        )  # fmt: skip
        print(f"job {job.pk}", flush=True)


def retry_job(job_id: str) -> None:
    from chiiki.jobs.models import Job
    from chiiki.jobs.services import start

    old = Job.objects.get(pk=job_id)
    job = start(kind=old.kind, actor=old.created_by, organization=old.organization,
                params=old.params)  # fmt: skip
    print(f"job {job.pk}", flush=True)


def worker_and_hang(after: int) -> None:
    _hang_after_budgets(after)
    from chiiki.cli import main

    main(["db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0"])


if __name__ == "__main__":
    action, *args = sys.argv[1:]
    if action == "token":
        token(*args)
    elif action == "import-and-hang":
        import_and_hang(args[0], args[1], int(args[2]))
    elif action == "start-jobs":
        start_jobs(args[0], args[1], args[2], int(args[3]))
    elif action == "retry-job":
        retry_job(args[0])
    elif action == "worker-and-hang":
        worker_and_hang(int(args[0]))
    else:
        raise SystemExit(f"unknown action {action}")
