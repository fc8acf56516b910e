"""Reads of the audit trail that the rest of chiiki builds on: the data version, and reads
kept per data version."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache import cache

from chiiki.audit.models import AuditEntry

T = TypeVar("T")


def data_version() -> int:
    """A number that changes whenever the data does: the latest audit entry's. Every writer
    records one (forms, API, imports, rounds, authoring, the admin, dataset loads), so cached
    files (the open data) can be named by it."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


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


def query_key(queryset: Any) -> str:
    """A name for what a query reads (its SQL and parameters), to keep its result by:
    whatever a caller filters, orders or slices is part of the name."""
    sql, params = queryset.query.sql_with_params()
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()
