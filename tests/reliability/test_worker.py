"""The background worker under faults: a worker killed in the middle of an import leaves
nothing written, the job is marked failed (visibly, by `chiiki jobs reap`) and running it
again succeeds; two workers taking the same queue never run a job twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.reliability.test_kill import IMPORTED, _csv, _line_starting

WORKER = ("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", "-v0")


def _jobs(child) -> list[str]:
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    return [line.split()[1] for line in out.splitlines() if line.startswith("job ")]


def test_a_worker_killed_midway_leaves_nothing_and_the_job_says_so(scratch, tmp_path):
    path = _csv(scratch, tmp_path, "8")
    (job,) = _jobs(scratch.child("start-jobs", "import.apply", str(path), "planner", "1"))
    before_counts, before = scratch.counts(), scratch.fingerprint()
    worker = scratch.child("worker-and-hang", "3")
    try:
        line = _line_starting(worker, "written ")
        # inside the worker's open transaction the import had written its actuals
        assert int(line.split()[1]) == before_counts["indicators_actual"] + IMPORTED
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    assert scratch.counts() == before_counts and scratch.fingerprint() == before
    status = scratch.rows("SELECT status, error FROM jobs_job WHERE id = ?", job.replace("-", ""))
    status = status or scratch.rows("SELECT status, error FROM jobs_job WHERE id = ?", job)
    assert status == [("running", "")]
    # the operator's reaper (and the job page) mark it failed: no longer "running" forever
    done = scratch.cli("jobs", "reap", "--minutes", "0")
    assert "1 件を失敗にしました" in done.stdout
    listing = scratch.cli("jobs", "list").stdout
    assert f"{job}" in listing and "failed" in listing and "interrupted" in listing
    # run again, by a worker that is not killed
    (again,) = _jobs(scratch.child("retry-job", job))
    scratch.cli(*WORKER)
    after = scratch.counts()
    assert after["indicators_actual"] == before_counts["indicators_actual"] + IMPORTED
    assert f"{again}" in scratch.cli("jobs", "list").stdout
    written = scratch.scalar("SELECT count(*) FROM indicators_actual WHERE value = 8")
    assert written == IMPORTED


def test_two_workers_never_run_the_same_job_twice(scratch, tmp_path):
    path = _csv(scratch, tmp_path, "9")
    jobs = _jobs(scratch.child("start-jobs", "import.preview", str(path), "planner", "8"))
    assert len(jobs) == 8
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "chiiki.cli", *WORKER],
            env=scratch.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for w in workers:
        _out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
    rows = scratch.rows("SELECT status, attempts FROM jobs_job WHERE kind = 'import.preview'")
    assert len(rows) == 8 and set(rows) == {("done", 1)}
    assert (
        scratch.scalar(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
        )
        >= 8
    )
