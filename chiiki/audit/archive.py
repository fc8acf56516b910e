"""Archiving old audit entries: written to a file first, checked, then removed — the only
deletion the audit table allows (on PostgreSQL the append-only trigger lets it through for
this transaction alone)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from chiiki.audit.models import AuditEntry


def archive(before: dt.datetime, path: Path) -> int:
    """Move every entry older than ``before`` into ``path`` (gzipped JSON lines, oldest first).
    Returns the number moved; nothing is removed unless all of them were written and read back."""
    with transaction.atomic():
        entries = AuditEntry.objects.filter(at__lt=before).order_by("at", "pk")
        rows = list(
            entries.values("pk", "at", "actor_id", "action", "object_type", "object_id",
                           "summary", "old", "new")
        )  # fmt: skip
        if not rows:
            return 0
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n")
        with gzip.open(path, "rt", encoding="utf-8") as back:
            written = [json.loads(line)["pk"] for line in back]
        if written != [r["pk"] for r in rows]:
            raise OSError(f"{path}: the archive does not read back whole; nothing was removed")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL chiiki.audit_archive = 'on'")
        deleted, _ = AuditEntry.objects.filter(pk__in=written).delete()
        return deleted
