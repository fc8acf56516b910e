"""Parallel writers on the same KPI through a live gunicorn (several worker processes) on the
run's database: every write either lands on the version it read or is refused with 412, so no
update is lost and every conflict is reported."""

from __future__ import annotations

import threading
from decimal import Decimal

from tests.reliability.scratch import Server, call

FY = 2025
WRITERS = 6
INCREMENTS = 8


def _increment(port, token, indicator, tally, lock):
    """Read the actual, write it + 1 on that version; on 412 read again and retry."""
    path = f"/api/v1/indicators/{indicator}/actuals/{FY}"
    done = 0
    while done < INCREMENTS:
        status, headers, body = call(port, "GET", path)
        if status != 200:
            with lock:
                tally["errors"].append(("GET", status, body))
            return
        value = Decimal(body["value"]) + 1
        status, _, answer = call(
            port,
            "PUT",
            path,
            token=token,
            body={"value": str(value)},
            headers={"If-Match": headers["etag"]},
        )
        with lock:
            if status == 200:
                tally["saved"] += 1
                done += 1
            elif status == 412 and answer["code"] == "precondition_failed":
                tally["conflicts"] += 1
            else:
                tally["errors"].append(("PUT", status, answer))
                return


def test_parallel_increments_lose_no_update(scratch):
    token = scratch.token("planner")
    indicator = scratch.scalar("SELECT min(id) FROM indicators_indicator")
    server = Server(scratch, workers=4)
    try:
        path = f"/api/v1/indicators/{indicator}/actuals/{FY}"
        status, _, body = call(
            server.port,
            "PUT",
            path,
            token=token,
            body={"value": "0"},
            headers={"If-None-Match": "*"},
        )
        assert status == 200, body
        audit_before = scratch.scalar("SELECT count(*) FROM audit_auditentry")
        tally = {"saved": 0, "conflicts": 0, "errors": []}
        lock = threading.Lock()
        writers = [
            threading.Thread(target=_increment, args=(server.port, token, indicator, tally, lock))
            for _ in range(WRITERS)
        ]
        for w in writers:
            w.start()
        for w in writers:
            w.join(300)
        assert tally["errors"] == [], server.output()
        assert tally["saved"] == WRITERS * INCREMENTS
        value, version = scratch.rows(
            "SELECT value, version FROM indicators_actual WHERE indicator_id = ? AND fy = ?",
            indicator,
            FY,
        )[0]
        assert Decimal(str(value)) == WRITERS * INCREMENTS  # not one increment lost
        assert version == 1 + WRITERS * INCREMENTS
        # One audit entry per saved write, none for the refused ones.
        audit_after = scratch.scalar("SELECT count(*) FROM audit_auditentry")
        assert audit_after - audit_before == WRITERS * INCREMENTS
        assert tally["conflicts"] > 0  # the writers did collide, and each collision was a 412
    finally:
        server.stop()


def test_parallel_bulk_writes_on_the_same_versions_one_wins_whole(scratch):
    token = scratch.token("planner")
    ids = [
        i for (i,) in scratch.rows("SELECT id FROM indicators_indicator ORDER BY id DESC LIMIT 5")
    ]
    server = Server(scratch, workers=4)
    try:
        start = threading.Barrier(4)
        results = {}

        def send(n):
            body = {
                "fy": FY,
                "entries": [{"indicator": i, "value": str(100 + n), "version": 0} for i in ids],
            }
            start.wait()
            results[n] = call(server.port, "POST", "/api/v1/actuals/bulk", token=token, body=body)

        senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for s in senders:
            s.start()
        for s in senders:
            s.join(120)
        statuses = sorted(status for status, _, _ in results.values())
        assert statuses == [200, 412, 412, 412], results
        (winner,) = [n for n, (status, _, _) in results.items() if status == 200]
        for status, _, answer in results.values():
            if status == 412:  # every row of a losing request is reported, none written
                assert {e["code"] for e in answer["errors"]} == {"precondition_failed"}
                assert len(answer["errors"]) == len(ids)
        stored = [
            scratch.rows(
                "SELECT value, version FROM indicators_actual WHERE fy = ? AND indicator_id = ?",
                FY,
                i,
            )[0]
            for i in ids
        ]
        assert sorted((Decimal(str(v)), ver) for v, ver in stored) == [
            (Decimal(100 + winner), 1)
        ] * len(ids)
    finally:
        server.stop()
