"""Which database a query goes to when a streaming read replica is configured
(``DATABASE_REPLICA_URL``; docs/operations.md, "Growing").

Writes always go to the primary. Reads go to the replica only inside a request marked as a
public read: a GET or HEAD that carries neither a session cookie nor an ``Authorization``
header (a visitor, or a program reading open data), or any GET or HEAD of the open-data files
and the reports. Everything else stays on the primary: signed-in staff and API clients with a
token, who read a version in order to send it back in ``If-Match`` and must see their own
writes at once. Within a public read, the first write turns the rest of the request to the
primary (it then reads what it wrote; a rate-limit counter or a session is not such a write).
Sessions, accounts and permissions, the rate-limit
counters and the background jobs are always read from the primary: they decide who may do
what, and the same requests write them. Outside a request (commands, the worker, the timers)
everything uses the primary.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
# Read from the primary whatever the request: identity, permissions, counters, jobs.
PRIMARY_ONLY = frozenset(
    {
        "auth",
        "sessions",
        "accounts",
        "axes",
        "admin",
        "jobs",
        "django_tasks_database",
        "django_cache",
    }
)
# Paths read from the replica by everyone: heavy reads that change nothing.
REPLICA_PATHS = ("/opendata/", "/reports/")

_route: contextvars.ContextVar[str] = contextvars.ContextVar("chiiki_db_route", default=PRIMARY)


def public_read(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(REPLICA_PATHS):
        return True
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _route.get() == REPLICA and model._meta.app_label not in PRIMARY_ONLY:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        if _route.get() == REPLICA and model._meta.app_label not in PRIMARY_ONLY:
            _route.set(PRIMARY)  # the rest of this request reads its own writes
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaRouteMiddleware:
    """Marks a public read for the router (installed only when a replica is configured)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = REPLICA if public_read(request) else PRIMARY
        token = _route.set(route)
        try:
            response = self.get_response(request)
            route = _route.get()  # PRIMARY if the request wrote
        finally:
            _route.reset(token)
        if response.streaming and route == REPLICA:
            # a streamed file is read while it is sent, after this returns
            response.streaming_content = _in_route(response.streaming_content, route)
        return response


def _in_route(chunks: Iterable[Any], route: str) -> Iterator[Any]:
    iterator = iter(chunks)
    while True:
        token = _route.set(route)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _route.reset(token)
        yield chunk
