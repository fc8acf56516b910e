"""Request rate limits shared by every server process (decision 0009).

Counts live in Django's database cache (the ``ratelimit`` cache: a table in the product's own
database, so no new server), in fixed windows: ``limit`` requests per ``period`` seconds per
key. A count is approximate under heavy concurrency (the database cache increments with a read
and a write), which is what a rate limit needs: it stops floods, not the 601st request exactly.

Rates are settings of the form ``"600/min"``; an empty rate turns a limit off.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from chiiki.core.rates import parse_rate


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (when refused)


def _key(scope: str, ident: str, period: int, now: float) -> tuple[str, int]:
    window = int(now // period)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{window}", max(1, math.ceil((window + 1) * period - now))


def peek(scope: str, ident: str, rate: str, *, now: float | None = None) -> Verdict:
    """Whether ``ident`` is still within ``rate`` in ``scope``, without counting."""
    if not rate:
        return Verdict(True, 0)
    limit, period = parse_rate(rate)
    key, retry = _key(scope, ident, period, time.time() if now is None else now)
    return Verdict(int(caches["ratelimit"].get(key, 0)) < limit, retry)


def hit(scope: str, ident: str, rate: str, *, now: float | None = None) -> Verdict:
    """Count one request of ``ident`` in ``scope`` against ``rate``."""
    if not rate:
        return Verdict(True, 0)
    limit, period = parse_rate(rate)
    key, retry = _key(scope, ident, period, time.time() if now is None else now)
    cache = caches["ratelimit"]
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return Verdict(count <= limit, retry)


def rate_setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")
