"""A database of its own for tests that run chiiki in other processes (killed imports,
parallel writers, a live gunicorn): the backend of the current test run (SQLite file, or a new
database on the PostgreSQL server of DATABASE_URL), migrated and loaded with the Hokkaido data
by the real command line, and dropped afterwards."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("child.py")
PASSWORD = "Chiiki-test-2026!"


def backend() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


class ScratchDatabase:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kind = backend()
        self.url = ""
        self._server = ""
        self._name = ""

    # ------------------------------------------------------------------ lifecycle
    def create(self) -> None:
        if self.kind == "postgres":
            parts = urlsplit(os.environ["DATABASE_URL"])
            self._name = f"chiiki_scratch_{secrets.token_hex(4)}"
            self._server = urlunsplit(parts._replace(path="/postgres"))
            with psycopg.connect(self._server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self._name}"')
            self.url = urlunsplit(parts._replace(path=f"/{self._name}"))
        else:
            self.url = f"sqlite:///{self.folder / 'chiiki.sqlite3'}"
        self.cli("migrate", "--noinput", "-v0")
        self.cli("data", "load", "hokkaido")

    def drop(self) -> None:
        if self.kind == "postgres" and self._name:
            with psycopg.connect(self._server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')

    # ------------------------------------------------------------------ processes
    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # pytest-django's live server sets this for the test process only; a deployment never does
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            DATABASE_URL=self.url,
            CHIIKI_DATA_DIR=str(self.folder),
            DJANGO_SETTINGS_MODULE="chiiki.settings",
            PYTHONPATH=str(ROOT),
        )
        return env

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``chiiki ARGS`` against this database; raises with its output if it fails."""
        done = subprocess.run(
            [sys.executable, "-m", "chiiki.cli", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"chiiki {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def child(self, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
        """tests/reliability/child.py ARGS in its own process (stdout piped, line-buffered)."""
        return subprocess.Popen(
            [sys.executable, str(CHILD), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            **kwargs,
        )

    def user(self, name: str, role: str, *extra: str) -> None:
        self.cli(
            "users", "create", name, "--role", role, *extra, "--password-stdin", stdin=PASSWORD
        )

    def token(self, username: str) -> str:
        out = subprocess.run(
            [sys.executable, str(CHILD), "token", username],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return out.stdout.strip()

    # ------------------------------------------------------------------ reading
    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read through a connection of this process (never the child's); ``?`` placeholders."""
        if self.kind == "postgres":
            with psycopg.connect(self.url) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with contextlib.closing(sqlite3.connect(self.folder / "chiiki.sqlite3")) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, *params: Any) -> Any:
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    def counts(self) -> dict[str, int]:
        """Rows of every table a write touches."""
        tables = (
            "indicators_actual",
            "indicators_indicator",
            "plans_programbudget",
            "audit_auditentry",
            "imports_importbatch",
        )
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}  # noqa: S608

    def fingerprint(self) -> tuple[Any, ...]:
        """Every actual's value and version and every budget: equal fingerprints, equal data."""
        return (
            self.scalar(
                "SELECT sum(version), count(*), sum(coalesce(value, 0)) FROM indicators_actual"
            ),
            self.scalar("SELECT sum(coalesce(rate, 0)) FROM indicators_actual"),
            self.scalar("SELECT sum(amount_thousand_yen), sum(version) FROM plans_programbudget"),
            self.scalar("SELECT count(*) FROM audit_auditentry"),
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn serving chiiki on a loopback port, with ``workers`` processes."""

    def __init__(
        self,
        db: ScratchDatabase,
        *,
        workers: int = 2,
        config: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.db = db
        self.port = free_port()
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "chiiki.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]
        if config is not None:
            args += ["--config", str(config)]
        env = db.env | (extra_env or {})
        self.log = (db.folder / f"gunicorn-{self.port}.log").open("w")
        self.process = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn did not start: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (self.db.folder / f"gunicorn-{self.port}.log").read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


@contextlib.contextmanager
def scratch_database(folder: Path) -> Iterator[ScratchDatabase]:
    db = ScratchDatabase(folder)
    db.create()
    try:
        yield db
    finally:
        db.drop()


def call(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request to the loopback server: (status, headers, JSON body or None)."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type", "")
        answer = json.loads(raw) if raw and "json" in kind else raw.decode(errors="replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
    finally:
        conn.close()
