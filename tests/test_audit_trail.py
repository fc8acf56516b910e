"""The audit trail is append-only in the database itself (PostgreSQL), and old entries leave it
only through the archive, which writes them to a file first."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from chiiki.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


def _entry(days_ago: int) -> AuditEntry:
    """An entry written ``days_ago`` days ago (created with that time: the table takes no
    changes afterwards)."""
    at = AuditEntry._meta.get_field("at")
    with mock.patch.object(at, "auto_now_add", False):
        return AuditEntry.objects.create(
            at=timezone.now() - dt.timedelta(days=days_ago),
            action="import.applied",
            object_type="import",
            object_id="x",
            summary=f"{days_ago} days ago",
            new={"n": days_ago},
        )


@on_postgresql
def test_no_update_or_delete_of_an_audit_entry_gets_through():
    entry = _entry(0)
    attempts = [
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: connection.cursor().execute(
            "UPDATE audit_auditentry SET new = NULL WHERE id = %s", [entry.pk]
        ),
        lambda: connection.cursor().execute("DELETE FROM audit_auditentry"),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.summary == "0 days ago" and entry.new == {"n": 0}


def test_the_archive_moves_old_entries_to_a_file_and_keeps_the_rest(tmp_path):
    old, recent = _entry(400), _entry(3)
    path = tmp_path / "audit-2025.jsonl.gz"
    call_command(
        "audit", "archive", str(path), "--before", str(timezone.localdate() - dt.timedelta(days=30))
    )
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    assert old.pk in [r["pk"] for r in rows] and recent.pk not in [r["pk"] for r in rows]
    moved = next(r for r in rows if r["pk"] == old.pk)
    assert moved["summary"] == "400 days ago" and moved["new"] == {"n": 400}
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


def test_the_archive_never_overwrites_a_file(tmp_path):
    path = tmp_path / "kept.jsonl.gz"
    path.write_bytes(b"earlier archive")
    with pytest.raises(Exception, match="既にあります"):
        call_command("audit", "archive", str(path), "--before", "2020-01-01")
    assert path.read_bytes() == b"earlier archive"


def test_entries_written_in_bulk_read_back_as_given(personas):
    """The bulk path (COPY on PostgreSQL) keeps every character of a summary and of a
    snapshot: tabs, line ends, backslashes, quotes; an entry without an actor has none."""
    from chiiki.audit.services import Entry, record_many

    awkward = 'tab\there\nline\r\nback\\slash "quoted" \\N 北海道'
    entries = [
        Entry(personas["hq_planner"], "indicator.actual.corrected", "indicator", 7, awkward,
              {"value": "1.5", "note": awkward}, {"value": "a\\b\tc"}),
        Entry(None, "import.applied", "import", "x\ty", "\\", None, {"n": 1}),
    ]  # fmt: skip
    before = AuditEntry.objects.count()
    record_many(entries)
    first, second = AuditEntry.objects.order_by("pk")[before:]
    assert (first.actor, first.object_id, first.summary) == (personas["hq_planner"], "7", awkward)
    assert (first.old, first.new) == ({"value": "1.5", "note": awkward}, {"value": "a\\b\tc"})
    assert (second.actor, second.object_id, second.summary) == (None, "x\ty", "\\")
    assert (second.old, second.new) == (None, {"n": 1})
