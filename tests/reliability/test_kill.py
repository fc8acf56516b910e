"""Atomicity under faults: an import or a bulk API write killed with SIGKILL in the middle of
its transaction leaves nothing behind, and running it again succeeds."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from pathlib import Path

from tests.reliability.scratch import Server, call

FY = 2025  # R7: a past year, so actuals may be entered; no evaluation of it is published
IMPORTED = 12  # indicators the import test writes; the API test writes others


def _indicator_keys(db, n):
    """(id, import key) of the first n indicators of the regional plans' projects, by id."""
    return db.rows(
        "SELECT i.id, p.slug || '/' || j.slug || '/' || i.slug FROM indicators_indicator i"
        " JOIN plans_project j ON j.id = i.project_id JOIN plans_plan p ON p.id = j.plan_id"
        " ORDER BY i.id LIMIT ?",
        n,
    )


def _program_slugs(db, n):
    return [slug for (slug,) in db.rows("SELECT slug FROM plans_program ORDER BY id LIMIT ?", n)]


def _csv(db, tmp_path: Path, value: str) -> Path:
    rows = ["record,key,fy,value"]
    rows += [f"actual,{key},R7,{value}" for _, key in _indicator_keys(db, IMPORTED)]
    rows += [f'budget,{slug},R7,"{value}000"' for slug in _program_slugs(db, 6)]
    path = tmp_path / f"import-{value}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_import_killed_midway_leaves_nothing_and_a_rerun_succeeds(scratch, tmp_path):
    path = _csv(scratch, tmp_path, "7")
    before_counts, before = scratch.counts(), scratch.fingerprint()
    child = scratch.child("import-and-hang", str(path), "planner", "3")
    try:
        line = _line_starting(child, "written ")
        # Inside its open transaction the import had already written its actuals.
        assert int(line.split()[1]) == before_counts["indicators_actual"] + IMPORTED
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert scratch.counts() == before_counts
    assert scratch.fingerprint() == before
    done = scratch.cli("workbook", "import", str(path), "--user", "planner")
    assert "取り込みました" in done.stdout
    after = scratch.counts()
    assert after["indicators_actual"] == before_counts["indicators_actual"] + IMPORTED
    # One audit entry per actual and per budget, and one for the import itself.
    assert after["audit_auditentry"] == before_counts["audit_auditentry"] + IMPORTED + 6 + 1
    written = scratch.scalar(
        "SELECT count(*) FROM indicators_actual WHERE fy = ? AND value = 7", FY
    )
    assert written == IMPORTED


def _line_starting(child, prefix, seconds=120):
    """The child's first stdout line that starts with ``prefix`` (its other lines skipped)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in child.stdout], daemon=True).start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if child.poll() is not None:
                break
            continue
        if line.startswith(prefix):
            return line
    raise AssertionError(f"the child never printed {prefix!r} (exit {child.poll()})")


def test_a_bulk_api_write_killed_midway_leaves_nothing_and_a_retry_succeeds(scratch, tmp_path):
    token = scratch.token("planner")
    imported = {i for i, _ in _indicator_keys(scratch, IMPORTED)}
    ids = [
        i
        for (i,) in scratch.rows("SELECT id FROM indicators_indicator ORDER BY id DESC LIMIT 30")
        if i not in imported
    ]
    body = {
        "fy": FY,
        "entries": [{"indicator": i, "value": "5", "version": 0} for i in ids],
    }
    ready = tmp_path / "ready"
    config = Path(__file__).with_name("gunicorn_faults.py")
    server = Server(scratch, workers=1, config=config, extra_env={"CHIIKI_FAULT_READY": str(ready)})
    try:
        before_counts, before = scratch.counts(), scratch.fingerprint()
        outcome = {}
        sender = threading.Thread(
            target=lambda: outcome.update(result=_try(_bulk, server.port, token, body))
        )
        sender.start()
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), (outcome, server.output())
        os.kill(int(ready.read_text()), signal.SIGKILL)
        sender.join(60)
        # The client saw the connection drop, not a success.
        assert isinstance(outcome["result"], Exception), outcome
        assert scratch.counts() == before_counts
        assert scratch.fingerprint() == before
        # gunicorn replaces the killed worker; the same request (same versions) now succeeds.
        status, _, answer = _retry(_bulk, server.port, token, body)
        assert status == 200, answer
        assert scratch.scalar(
            "SELECT count(*) FROM indicators_actual WHERE fy = ? AND value = 5 AND version = 1", FY
        ) == len(ids)
    finally:
        server.stop()


def _bulk(port, token, body):
    return call(port, "POST", "/api/v1/actuals/bulk", token=token, body=body)


def _try(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # the dropped connection is the expected outcome
        return exc


def _retry(fn, *args):
    """The request again until the replacement worker answers (at most 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        result = _try(fn, *args)
        if not isinstance(result, Exception) or time.monotonic() > deadline:
            if isinstance(result, Exception):
                raise result
            return result
        time.sleep(0.2)
