"""The scale-out path on PostgreSQL's own tools (docs/operations.md, "Growing"): chiiki behind
pgbouncer in transaction pooling mode, and public reads sent to a streaming read replica while
signed-in staff and API clients stay on the primary."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.deploy.cluster import Cluster
from tests.deploy.conftest import ROOT, clean_env, need, run_chiiki, wait_for
from tests.reliability.scratch import PASSWORD, free_port

pytestmark = pytest.mark.deploy

CHANGED = "十勝（名称を変更）"


def _chiiki(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return run_chiiki(ROOT, env, *args, stdin=stdin).stdout


class Web:
    """gunicorn with this code and ``env``; requests on loopback."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log_path = folder / f"gunicorn-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "chiiki.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4",
             "--worker-class", "gthread", "--timeout", "60"],
            cwd=ROOT, env=clean_env(PYTHONPATH=str(ROOT), **env),
            stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text()}")

    def call(self, method, path, *, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            answer = conn.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _sign_in(web: Web) -> str:
    """A staff member's session cookie (signed in through the login form)."""
    status, headers, page = web.call("GET", "/accounts/login/")
    csrf = re.search(r"csrftoken=([^;]+)", headers["set-cookie"])[1]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "planner", "password": PASSWORD}
    )
    status, headers, _ = web.call(
        "POST", "/accounts/login/", body=body,
        headers={"Cookie": f"csrftoken={csrf}",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 302, status
    return re.search(r"sessionid=([^;]+)", headers["set-cookie"])[1]


def _caught_up(primary: Cluster, replica: Cluster) -> bool:
    lsn = primary.sql("SELECT pg_current_wal_lsn()")
    return replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t"


@pytest.fixture(scope="module")
def loaded(cluster, tmp_path_factory):
    """The primary with a migrated, loaded database, a planner and an API token."""
    cluster.sql("CREATE DATABASE scale")
    env = {
        "DATABASE_URL": cluster.url("scale"),
        "CHIIKI_DATA_DIR": str(tmp_path_factory.mktemp("scale-data")),
        "CHIIKI_TASKS": "immediate",
    }
    _chiiki(env, "migrate", "--noinput", "-v0")
    _chiiki(env, "data", "load", "hokkaido")
    _chiiki(env, "users", "create", "planner", "--role", "hq_planner", "--password-stdin",
            stdin=PASSWORD)  # fmt: skip
    token = _chiiki(
        env, "shell", "-c",
        "from django.contrib.auth import get_user_model as U; from chiiki.accounts import tokens;"
        " print(tokens.issue(actor=U().objects.get(username='planner'), name='t')[1])",
    ).strip().splitlines()[-1]  # fmt: skip
    return env, token


@pytest.fixture(scope="module")
def replica(cluster, loaded):
    standby = Cluster.standby_of(cluster)
    standby.start()
    wait_for(lambda: _caught_up(cluster, standby), "the replica to catch up")
    yield standby
    standby.stop()
    shutil.rmtree(standby.folder, ignore_errors=True)


def test_public_reads_go_to_the_replica_and_staff_and_api_clients_read_the_primary(
    cluster, replica, loaded, tmp_path
):
    env, token = loaded
    web = Web(tmp_path, env | {"DATABASE_REPLICA_URL": replica.url("scale")})
    try:
        session = _sign_in(web)
        # the replica stops replaying; the primary changes a region's name
        replica.sql("SELECT pg_wal_replay_pause()", "scale")
        cluster.sql(
            f"UPDATE plans_region SET name = '{CHANGED}' WHERE slug = 'tokachi'",  # noqa: S608
            "scale",
        )

        def names(path, **headers):
            status, answer, body = web.call("GET", path, headers=headers)
            assert status == 200, (path, status)
            if "json" in answer["content-type"]:  # \u escapes or not, the same names
                return CHANGED in json.dumps(json.loads(body), ensure_ascii=False)
            return CHANGED in body.decode()

        staff = {"Cookie": f"sessionid={session}"}
        bearer = {"Authorization": f"Bearer {token}"}
        assert not names("/")  # a visitor: the replica, not yet replayed
        assert not names("/api/v1/regions")  # a program without a token: the replica
        assert names("/", **staff)  # signed-in staff: the primary
        assert names("/api/v1/regions", **bearer)  # a token (may send If-Match next)
        _, before, _ = web.call("GET", "/opendata/actuals.csv", headers=staff)

        # a write through the API lands on the primary while the replica is still paused
        actual = "/api/v1/indicators/26/actuals/2023"
        status, _, body = web.call(
            "PUT", actual, body=json.dumps({"value": "12"}),
            headers=bearer | {"If-None-Match": "*", "Content-Type": "application/json"},
        )  # fmt: skip
        assert status in (200, 201), body
        status, _, body = web.call("GET", actual, headers=bearer)
        assert status == 200 and json.loads(body)["value"] == "12"  # the writer sees it at once
        assert web.call("GET", actual)[0] == 404  # a visitor: not on the replica yet
        _, during, _ = web.call("GET", "/opendata/actuals.csv", headers=staff)
        assert during["etag"] == before["etag"]  # exports read the replica, even for staff

        replica.sql("SELECT pg_wal_replay_resume()", "scale")
        wait_for(lambda: _caught_up(cluster, replica), "the replica to replay")
        assert names("/") and web.call("GET", actual)[0] == 200
        _, after, _ = web.call("GET", "/opendata/actuals.csv")
        assert after["etag"] != before["etag"]
        status, _, body = web.call("GET", "/readyz")
        assert status == 200, body
    finally:
        web.stop()


def _bouncer(cluster: Cluster, folder: Path) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    config = cluster.folder / "pgbouncer.ini"
    users = cluster.folder / "userlist.txt"
    users.write_text('"postgres" ""\n', encoding="utf-8")
    config.write_text(
        "[databases]\n"
        f"scale = host=127.0.0.1 port={cluster.port} dbname=scale\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\n"
        "pool_mode = transaction\ndefault_pool_size = 3\nmax_client_conn = 200\n"
        f"logfile = {cluster.folder}/pgbouncer.log\n",
        encoding="utf-8",
    )
    shutil.chown(config, "postgres")
    shutil.chown(users, "postgres")
    process = subprocess.Popen(["su", "postgres", "-c", f"/usr/sbin/pgbouncer {config}"])
    wait_for(lambda: subprocess.run(
        ["psql", f"postgres://postgres@127.0.0.1:{port}/scale", "-qAtc", "SELECT 1"],
        capture_output=True, check=False).returncode == 0, "pgbouncer")  # fmt: skip
    return port, process


def test_chiiki_works_behind_pgbouncer_in_transaction_pooling(cluster, loaded, tmp_path):
    need("" if Path("/usr/sbin/pgbouncer").exists() else "pgbouncer is not installed")
    env, token = loaded
    port, bouncer = _bouncer(cluster, tmp_path)
    pooled = env | {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/scale"}
    try:
        # commands: a dataset load (COPY into a table dropped at commit), a whole dump and
        # every open-data file (server-side cursors, each inside its transaction)
        _chiiki(pooled, "data", "load", "hokkaido")
        _chiiki(pooled, "dump", str(tmp_path / "all.jsonl.gz"))
        _chiiki(pooled, "report", "opendata", str(tmp_path / "opendata"))
        assert (tmp_path / "opendata" / "actuals.csv").stat().st_size > 10_000
        web = Web(tmp_path, pooled)
        try:
            status, _, body = web.call(
                "GET",
                "/api/v1/indicators?page_size=5",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert status == 200, body
            errors = []

            def visit(n: int) -> None:
                for path in (
                    "/",
                    "/municipalities/",
                    "/api/v1/regions",
                    "/opendata/actuals.csv",
                    "/opendata/actuals.json",
                    "/readyz",
                ):
                    status, _, body = web.call("GET", path)
                    if status != 200:
                        errors.append((path, status, body[:200]))

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(visit, range(24)))
            assert not errors, errors[:3]
        finally:
            web.stop()
        log = (tmp_path / f"gunicorn-{web.port}.log").read_text()
        assert "prepared statement" not in log and "cursor" not in log.lower(), log[-2000:]
    finally:
        bouncer.terminate()
        subprocess.run(["pkill", "-f", f"pgbouncer {cluster.folder}"], check=False)
