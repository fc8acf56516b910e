"""The production configuration, as a deployment runs it: settings from environment variables,
`check --deploy` clean, HTTPS enforced with HSTS behind a TLS proxy, static files with content
hashes served compressed and cached for a year — through a real gunicorn."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

import pytest

from tests.reliability.scratch import Server, call

HOST = "chiiki.example.jp"


@pytest.fixture(scope="module")
def production(scratch):
    env = {
        "CHIIKI_DEBUG": "0",
        "CHIIKI_SECRET_KEY": secrets.token_urlsafe(50),
        "CHIIKI_TLS": "1",
        "CHIIKI_PROXY_SSL_HEADER": "1",
        "CHIIKI_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
    }
    collected = subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "collectstatic", "--noinput", "-v0"],
        env=scratch.env | env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    server = Server(scratch, workers=2, extra_env=env)
    yield server, env
    server.stop()


def _check_deploy(scratch, env):
    return subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=scratch.env | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_the_production_environment(scratch, production):
    _, env = production
    done = _check_deploy(scratch, env)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_a_weak_secret_key_stops_start_up_with_a_message(scratch, production):
    _, env = production
    done = _check_deploy(scratch, env | {"CHIIKI_SECRET_KEY": "short"})
    assert done.returncode != 0
    assert "CHIIKI_SECRET_KEY must be at least 50 random characters" in done.stderr
    done = _check_deploy(scratch, env | {"CHIIKI_TLS": "maybe"})
    assert "CHIIKI_TLS must be true or false, not 'maybe'" in done.stderr


HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}


def test_plain_http_is_redirected_and_https_is_remembered(production):
    server, _ = production
    status, headers, _ = call(server.port, "GET", "/", headers={"Host": HOST})
    assert status == 301 and headers["location"] == f"https://{HOST}/"
    status, headers, _ = call(server.port, "GET", "/healthz", headers={"Host": HOST})
    assert status == 200  # the load balancer's check stays on plain HTTP
    status, headers, _ = call(server.port, "GET", "/", headers=HTTPS)
    assert status == 200
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    status, headers, _ = call(server.port, "GET", "/accounts/login/", headers=HTTPS)
    assert "secure" in headers["set-cookie"].lower() and "httponly" in headers["set-cookie"].lower()


def test_an_unknown_host_is_refused(production):
    server, _ = production
    status, _, _ = call(
        server.port, "GET", "/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"}
    )
    assert status == 400


def test_errors_show_no_internals(production):
    server, _ = production
    status, _, body = call(server.port, "GET", "/indicators/999999999/", headers=HTTPS)
    assert status == 404
    assert "Traceback" not in body and "settings" not in body.lower()


def test_static_files_have_hashed_names_and_are_served_compressed_and_cached(production):
    server, _ = production
    _, _, page = call(server.port, "GET", "/", headers=HTTPS)
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
    assert stylesheets
    for path in stylesheets:
        assert re.search(r"\.[0-9a-f]{12}\.css$", path), path  # content hash in the name
        for encoding in ("br", "gzip"):
            status, headers, _ = call(
                server.port, "GET", path, headers=HTTPS | {"Accept-Encoding": encoding}
            )
            assert status == 200
            assert headers["content-encoding"] == encoding
            assert "max-age=315360000" in headers["cache-control"]
            assert "immutable" in headers["cache-control"]
