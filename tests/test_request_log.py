"""What an operator sees of each request: a request id on every answer and error page, and one
log line per request with who, what, how long and how many queries — and nothing secret."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest
from django.test import override_settings

from chiiki.accounts import tokens
from chiiki.observability import JsonFormatter, LogfmtFormatter, RequestIdFilter
from tests.conftest import PASSWORD


@pytest.fixture
def request_log():
    """The formatted lines of chiiki's loggers, in both formats, as an operator's file has them."""
    streams = {"logfmt": io.StringIO(), "json": io.StringIO()}
    handlers = []
    for kind, formatter in (("logfmt", LogfmtFormatter()), ("json", JsonFormatter())):
        handler = logging.StreamHandler(streams[kind])
        handler.setFormatter(formatter)
        handler.addFilter(RequestIdFilter())
        handlers.append(handler)
    loggers = [logging.getLogger("chiiki.request"), logging.getLogger("django.request")]
    for logger in loggers:
        for handler in handlers:
            logger.addHandler(handler)
    yield streams
    for logger in loggers:
        for handler in handlers:
            logger.removeHandler(handler)


def _lines(streams):
    return [json.loads(line) for line in streams["json"].getvalue().splitlines() if line]


def test_each_request_gets_an_id_and_one_line_with_who_what_and_how_long(
    client, personas, request_log
):
    client.force_login(personas["tokachi_editor"])
    response = client.get("/municipalities/")
    assert response.status_code == 200
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    (line,) = [entry for entry in _lines(request_log) if entry["logger"] == "chiiki.request"]
    assert line["request_id"] == rid
    assert line["user"] == str(personas["tokachi_editor"].pk)
    assert line["org"] == "hokkaido"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/municipalities/", 200)
    assert line["ms"] > 0 and line["queries"] > 0
    logfmt = request_log["logfmt"].getvalue()
    assert f"request_id={rid} " in logfmt and "path=/municipalities/ status=200" in logfmt


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client, db, request_log):
    given = "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    hostile = 'x" status=200\nforged=1'
    rid = client.get("/healthz", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
    assert rid != hostile and len(rid) == 32
    assert "forged" not in request_log["logfmt"].getvalue()
    anonymous = [e for e in _lines(request_log) if e["logger"] == "chiiki.request"]
    assert [e["user"] for e in anonymous] == ["-", "-"]
    # the log line makes no query of its own (it works while the database is away)
    assert [e["queries"] for e in anonymous] == [0, 0]


def test_passwords_tokens_cookies_and_query_strings_never_reach_the_log(
    client, personas, request_log
):
    # a sign-in (right and wrong password), a token call, a search with a query string
    client.post("/accounts/login/", {"username": "hq-planner", "password": "Wrong-guess-77!"})
    response = client.post("/accounts/login/", {"username": "hq-planner", "password": PASSWORD})
    assert response.status_code == 302
    session = client.cookies["sessionid"].value
    _, key = tokens.issue(actor=personas["hq_planner"], name="log test")
    api = client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200
    client.get("/search/?q=secret-search-words")
    written = request_log["logfmt"].getvalue() + request_log["json"].getvalue()
    for secret in ("Wrong-guess-77!", PASSWORD, session, key, "secret-search-words"):
        assert secret not in written
    lines = [e for e in _lines(request_log) if e["logger"] == "chiiki.request"]
    assert [(e["method"], e["path"]) for e in lines] == [
        ("POST", "/accounts/login/"),
        ("POST", "/accounts/login/"),
        ("GET", "/api/v1/regions"),
        ("GET", "/search/"),
    ]
    assert lines[2]["user"] == str(personas["hq_planner"].pk)  # the token's user


def test_error_pages_and_api_problems_carry_the_request_id(client, db, request_log):
    response = client.get("/no/such/page/")
    rid = response["X-Request-ID"]
    assert response.status_code == 404 and rid in response.content.decode()
    warning = next(e for e in _lines(request_log) if e["logger"] == "django.request")
    assert warning["msg"] == "Not Found: /no/such/page/" and warning["request_id"] == rid
    assert "お問い合わせの際は、この番号をお伝えください" in response.content.decode()
    problem = client.get("/api/v1/indicators/999999999")
    assert problem.status_code == 404
    assert problem.json()["request_id"] == problem["X-Request-ID"]


@override_settings(ROOT_URLCONF="tests.observability_urls", DEBUG=False)
def test_a_defect_shows_the_500_page_with_the_id_and_logs_the_traceback_with_it(
    client, db, request_log
):
    client.raise_request_exception = False
    response = client.get("/boom/")
    rid = response["X-Request-ID"]
    html = response.content.decode()
    assert response.status_code == 500
    assert "一時的なエラーが発生しました" in html and rid in html
    lines = _lines(request_log)
    error = next(e for e in lines if e["logger"] == "django.request")
    assert error["level"] == "error" and error["request_id"] == rid
    assert "RuntimeError: a defect in a view" in error["exc"]
    assert next(e for e in lines if e["logger"] == "chiiki.request")["status"] == 500


def test_logfmt_quotes_what_would_break_a_line():
    record = logging.LogRecord("chiiki.x", logging.WARNING, __file__, 1, 'a "b"\nc', (), None)
    line = LogfmtFormatter().format(record)
    assert "\n" not in line
    assert 'msg="a \\"b\\"\\nc"' in line and "level=warning" in line


def test_an_unknown_log_format_stops_start_up_with_a_message():
    done = subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "check"],
        env={"CHIIKI_LOG_FORMAT": "xml", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "CHIIKI_LOG_FORMAT must be logfmt or json, not 'xml'" in done.stderr


def test_with_the_request_log_off_the_id_is_still_given(client, db, request_log):
    logger = logging.getLogger("chiiki.request")
    level = logger.level
    logger.setLevel(logging.WARNING)  # what CHIIKI_REQUEST_LOG=0 sets
    try:
        response = client.get("/healthz")
    finally:
        logger.setLevel(level)
    assert len(response["X-Request-ID"]) == 32
    assert request_log["json"].getvalue() == ""
