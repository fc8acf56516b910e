"""The one audit writer. Every entry's action must be registered (ACTIONS); entries are only
ever appended (on PostgreSQL the table refuses anything else, see migration 0008)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, TypeVar, cast

from django.core.cache import cache
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


def data_version() -> int:
    """A number that changes whenever the data does: the latest audit entry's. Every writer
    records one (forms, API, imports, rounds, authoring, the admin, dataset loads), so cached
    files (the open data) can be named by it."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


T = TypeVar("T")
KEPT_SECONDS = 3600  # a new data version makes new keys in any case


def kept(key: str, compute: Callable[[], T], version: int | None = None) -> T:
    """``compute()``, kept in the cache under ``key`` and the data version: the same read is
    done once until something is written (then the next reader computes it again). For reads
    whose cost grows with the data — a national list's count, a prefecture's grade counts.
    ``version``: the data version, when the caller has read it already."""
    full = f"{key}:{data_version() if version is None else version}"
    found = cache.get(full)
    if found is None:
        found = compute()
        cache.set(full, found, KEPT_SECONDS)
    return cast(T, found)


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
