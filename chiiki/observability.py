"""What an operator sees of each request: a request id and one log line.

Every request gets an id: the proxy's ``X-Request-ID`` when it is a plain token (nginx's
``$request_id``), a new one otherwise. The id is sent back in ``X-Request-ID``, printed on the
error pages and put in the API's problems, so a user's report ("番号 3f2a…") finds its line.

One line per request on the ``chiiki.request`` logger, in logfmt (default) or JSON
(``CHIIKI_LOG_FORMAT``): request id, user id, organization, method, path, status, duration and
number of database queries. Only these fields are written: never the query string, the body,
cookies or headers, so passwords, tokens and session keys cannot reach the log. Any other line
logged while the request runs carries its request id too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.functional import empty

log = logging.getLogger("chiiki.request")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("chiiki_request_id", default="")
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")

FIELDS = ("request_id", "user", "org", "method", "path", "status", "ms", "queries")


def current_request_id() -> str:
    """The id of the request this thread is serving ("" outside a request)."""
    return _current.get()


def request_id(request: HttpRequest) -> str:
    return getattr(request, "request_id", "") or current_request_id()


def _incoming(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex


def _evaluated(value: Any) -> Any:
    """A lazy request attribute's object if the request already read it, else None: the log
    line never makes a query of its own (and so works while the database is away)."""
    wrapped = getattr(value, "_wrapped", value) if value is not None else None
    return None if wrapped is empty else wrapped


def _user_id(request: HttpRequest) -> str:
    auth = getattr(request, "auth", None)  # an API token's user
    for who in (auth, _evaluated(request.__dict__.get("user"))):
        if who is not None and getattr(who, "is_authenticated", False):
            return str(who.pk)
    return "-"


def _organization(request: HttpRequest) -> str:
    org = _evaluated(request.__dict__.get("organization"))
    return str(getattr(org, "slug", "-")) if org is not None else "-"


class _Counter:
    def __init__(self) -> None:
        self.queries = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ):
        self.queries += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    """First in the middleware list, so the line covers everything the request did."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = _incoming(request)
        request.request_id = rid  # type: ignore[attr-defined]
        token = _current.set(rid)
        try:
            if not log.isEnabledFor(logging.INFO):  # CHIIKI_REQUEST_LOG=0: the id only
                response = self.get_response(request)
                response["X-Request-ID"] = rid
                return response
            counter = _Counter()
            started = time.perf_counter()
            with ExitStack() as stack:
                for conn in connections.all():
                    stack.enter_context(conn.execute_wrapper(counter))
                response = self.get_response(request)
            response["X-Request-ID"] = rid
            log.info(
                "request",
                extra={
                    "request_id": rid,
                    "user": _user_id(request),
                    "org": _organization(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "queries": counter.queries,
                },
            )
            return response
        finally:
            _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (so a warning logged by a view carries it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # Django logs a 4xx/5xx answer after the middleware returned, naming the request
            record.request_id = (
                getattr(getattr(record, "request", None), "request_id", "") or current_request_id()
            )
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        ),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for name in FIELDS:
        value = getattr(record, name, None)
        if value not in (None, ""):
            out[name] = value
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = _fields(record)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if text and not re.search(r'[\s="\\]', text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = " ".join(f"{k}={_logfmt_value(v)}" for k, v in _fields(record).items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def request_context(request: HttpRequest) -> dict[str, str]:
    """Template context: ``request_id`` for the error pages."""
    return {"request_id": request_id(request)}


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, with the request id (rendered without the database or the session)."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": request_id(request)}))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page, with the request id (as Django's own: no session, no database)."""
    template = loader.get_template("400.html")
    return HttpResponseBadRequest(template.render({"request_id": request_id(request)}))
