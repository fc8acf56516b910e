"""The one audit writer. Every entry's action must be registered (ACTIONS); entries are only
ever appended (on PostgreSQL the table refuses anything else, see migration 0008)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from chiiki.audit.models import ACTIONS, AuditEntry
from chiiki.storage import copy_rows, to_json


class Entry(NamedTuple):
    """One audit entry to append (a tuple: an import makes a million of them)."""

    actor: Any
    action: str
    object_type: str
    object_id: object
    summary: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


def _checked(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    return action


def record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object,
    summary: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> AuditEntry:
    """Append an audit entry. ``action`` must be a registered code (ACTIONS)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=_checked(action),
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        old=old,
        new=new,
    )


COLUMNS = ("at", "actor_id", "action", "object_type", "object_id", "summary", "old", "new")


def record_many(entries: Iterable[Entry], *, at: dt.datetime | None = None) -> None:
    """Append many entries at once (COPY on PostgreSQL), under the same checks as
    :func:`record`: the same registered actions, the same truncation. ``entries`` may be a
    generator: on PostgreSQL each entry is streamed into COPY, so a million-row import never
    holds a second million objects."""
    now = at or timezone.now()
    actors: dict[int, int | None] = {}  # id(actor) → pk: an import has one actor

    def rows() -> Iterator[tuple[Any, ...]]:
        for e in entries:
            key = id(e.actor)
            if key not in actors:
                actors[key] = e.actor.pk if getattr(e.actor, "pk", None) else None
            yield (now, actors[key], _checked(e.action), e.object_type, str(e.object_id),
                   e.summary[:300], e.old, e.new)  # fmt: skip

    if connection.vendor == "postgresql":
        copy_rows(
            "audit_auditentry", COLUMNS, ((*r[:6], to_json(r[6]), to_json(r[7])) for r in rows())
        )
        return
    AuditEntry.objects.bulk_create(
        (AuditEntry(**dict(zip(COLUMNS, r, strict=True))) for r in rows()), batch_size=5000
    )
