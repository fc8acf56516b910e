"""The production deployment as docs/operations.md tells an operator to do it, end to end on a
fresh clone: deploy/install into a new virtual environment from the lockfile, a PostgreSQL server,
gunicorn with deploy/gunicorn.conf.py, the background worker, nginx with deploy/nginx/chiiki.conf
as the TLS proxy — then pages, a sign-in, a PDF made by the worker, the request log, a graceful
reload, readiness while the database goes away and comes back, the systemd units, the backup
routine and its restore drill."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.conftest import clean_env, need, wait_for
from tests.reliability.scratch import PASSWORD, free_port

pytestmark = pytest.mark.deploy


def _env_file(folder: Path, cluster, web_port: int, https_port: int) -> tuple[Path, dict[str, str]]:
    values = {
        "CHIIKI_DEBUG": "0",
        "CHIIKI_SECRET_KEY": secrets.token_urlsafe(50),
        "CHIIKI_ALLOWED_HOSTS": "127.0.0.1",
        "CHIIKI_SITE_URL": f"https://127.0.0.1:{https_port}",
        # nginx passes $host (no port): the test's port is not 443, so its origin is named
        "CHIIKI_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{https_port}",
        "CHIIKI_TLS": "1",
        "CHIIKI_PROXY_SSL_HEADER": "1",
        "CHIIKI_PROXY_COUNT": "1",
        "DATABASE_URL": cluster.url("chiiki", user="chiiki"),
        "CHIIKI_DATA_DIR": str(folder / "data"),
        "CHIIKI_LOG_FORMAT": "json",
        "CHIIKI_WEB_WORKERS": "2",
        "CHIIKI_WEB_THREADS": "2",
        "CHIIKI_BIND": f"127.0.0.1:{web_port}",
        "CHIIKI_LOAD_DATASET": "hokkaido",
    }
    path = folder / "chiiki.env"
    path.write_text(
        "# written by the deployment test\n" + "".join(f"{k}={v}\n" for k, v in values.items()),
        encoding="utf-8",
    )
    return path, values


class Site:
    """The installation: paths, the processes it runs, and a client through nginx."""

    def __init__(self, folder: Path, app: Path, venv: Path, env: dict[str, str]) -> None:
        self.folder, self.app, self.venv, self.env = folder, app, venv, env
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.https_port = 0
        self.http_port = 0
        self.url = ""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.context = context
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.jar),
        )

    def start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            list(args), env=clean_env(**self.env), cwd=self.folder, stdout=log, stderr=log
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) after redirects; ``self.url`` is where they led."""
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as answer:
                self.url = answer.url
                return (
                    answer.status,
                    {k.lower(): v for k, v in answer.headers.items()},
                    answer.read(),
                )
        except urllib.error.HTTPError as error:
            self.url = error.url
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, bytes]:
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.base + path, "Origin": self.base},
        )
        with self.opener.open(request, timeout=60) as answer:
            return answer.status, answer.url, answer.read()

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "chiiki-site"), *args],
            env=clean_env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        return conn.getresponse().status in (200, 301)
    except OSError:
        return False


def _nginx_config(site: Site, web_port: int) -> Path:
    """deploy/nginx/chiiki.conf with this machine's ports, certificate and log folder."""
    certs = site.folder / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(certs / "privkey.pem"),
         "-out", str(certs / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    text = (site.app / "deploy" / "nginx" / "chiiki.conf").read_text(encoding="utf-8")
    text = (
        text.replace("127.0.0.1:8000", f"127.0.0.1:{web_port}")
        .replace("listen 80;", f"listen 127.0.0.1:{site.http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{site.https_port} ssl http2;")
        .replace("/etc/ssl/chiiki/", f"{certs}/")
        .replace("/var/log/nginx/", f"{site.folder}/")
    )
    text = re.sub(r"\s*listen \[::\]:\d+[^;]*;", "", text)
    (site.folder / "chiiki.conf").write_text(text, encoding="utf-8")
    main = site.folder / "nginx.conf"
    main.write_text(
        # root for the test (its folders are root's); a server runs nginx's workers as www-data
        f"daemon off;\nuser root;\npid {site.folder}/nginx.pid;\nerror_log {site.folder}/nginx-error.log;\n"
        "events {}\nhttp {\n"
        f"  client_body_temp_path {site.folder}/nginx-body;\n"
        f"  proxy_temp_path {site.folder}/nginx-proxy;\n"
        f"  access_log {site.folder}/nginx-access.log;\n"
        f"  include {site.folder}/chiiki.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


@pytest.fixture(scope="module")
def site(cluster, clone, tmp_path_factory):
    need("" if shutil.which("nginx") else "nginx is not installed (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("site")
    cluster.sql("CREATE ROLE chiiki LOGIN CREATEDB")
    cluster.sql("CREATE DATABASE chiiki OWNER chiiki")
    web_port, http_port, https_port = free_port(), free_port(), free_port()
    env_file, values = _env_file(folder, cluster, web_port, https_port)
    venv = folder / "venv"
    installed = subprocess.run(
        [str(clone / "deploy" / "install"), str(venv), str(env_file)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site = Site(folder, clone, venv, values)
    site.install_output = installed.stdout  # type: ignore[attr-defined]
    created = site.cli(
        "users", "create", "admin", "--role", "hq_admin", "--password-stdin", stdin=PASSWORD
    )
    assert created.returncode == 0, created.stderr
    site.start(
        "gunicorn", str(venv / "bin" / "gunicorn"), "chiiki.wsgi:application",
        "-c", str(clone / "deploy" / "gunicorn.conf.py"),
    )  # fmt: skip
    site.start("worker", str(venv / "bin" / "chiiki"), "db_worker", "--no-reload")
    site.http_port, site.https_port = http_port, https_port
    site.start("nginx", "nginx", "-c", str(_nginx_config(site, web_port)))
    wait_for(lambda: _answers(web_port), "gunicorn")
    wait_for(lambda: _answers(site.http_port), "nginx")
    yield site
    site.stop_all()


def test_the_install_runs_every_documented_step_from_the_lockfile(site):
    out = site.install_output
    for step in ("packages from requirements/base.txt", "translations", "migrations",
                 "static files", "deployment checks", "dataset hokkaido"):  # fmt: skip
        assert f"== {step}" in out
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=site.app, capture_output=True, text=True, check=True
    ).stdout.strip()
    version = site.cli("--version").stdout.strip()
    assert version.startswith("chiiki 0.") and f"({commit[:12]})" in version
    # every package in the venv is one the lockfile names, at its version
    frozen = subprocess.run(
        [str(site.venv / "bin" / "python"), "-m", "pip", "freeze", "--all"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    locked = {
        m[1].lower().replace("_", "-"): m[2]
        for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", (site.app / "requirements" / "base.txt")
                             .read_text(encoding="utf-8"), re.M)
    }  # fmt: skip
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        name = name.lower().replace("_", "-")
        if name in ("chiiki", "pip") or not version:
            continue
        assert locked.get(name) == version, f"{line} is not in requirements/base.txt"


def test_pages_come_through_nginx_over_https_with_the_request_id_in_every_log(site):
    status, headers, body = site.get("/")
    assert status == 200 and "北海道" in body.decode()
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    rid = headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)  # nginx's $request_id, kept by chiiki
    wait_for(lambda: f"id={rid}" in site.log("chiiki.access"), "nginx's access log line")
    line = next(
        json.loads(entry)
        for entry in site.log("gunicorn").splitlines()
        if entry.startswith("{") and rid in entry
    )
    assert (line["path"], line["status"], line["logger"]) == ("/", 200, "chiiki.request")
    # plain HTTP is sent to HTTPS; the liveness probe stays on HTTP
    conn = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=10)
    conn.request("GET", "/regions/tokachi/")
    answer = conn.getresponse()
    assert answer.status == 301
    assert answer.getheader("Location") == "https://127.0.0.1/regions/tokachi/"
    conn = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=10)
    conn.request("GET", "/healthz")
    assert conn.getresponse().read().decode().startswith("ok chiiki 0.")
    # static files from collectstatic, hashed and cached for a year
    page = body.decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)[1]
    status, headers, _ = site.get(stylesheet, **{"Accept-Encoding": "br"})
    assert status == 200 and "immutable" in headers["cache-control"]
    # a missing page: the site's 404 with the same id the logs have
    status, headers, body = site.get("/no/such/page/")
    assert status == 404 and headers["x-request-id"] in body.decode()


def test_the_first_administrator_signs_in_and_nothing_secret_is_logged(site):
    status, _, page = site.get("/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    status, url, body = site.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": "admin", "password": PASSWORD},
    )
    assert status == 200 and "/accounts/login/" not in url
    assert "ログアウト" in body.decode()
    session = next(c.value for c in site.jar if c.name == "sessionid")
    logs = site.log("gunicorn") + site.log("chiiki.access") + site.log("worker")
    for secret in (PASSWORD, session, site.env["CHIIKI_SECRET_KEY"], token):
        assert secret not in logs


def test_a_pdf_is_made_by_the_worker_service(site):
    status, _, body = site.get("/reports/support/?format=pdf")
    if status == 503:
        need(body.decode())  # no Japanese font on this machine (CI installs fonts-noto-cjk)
    assert status == 200, body
    job_id = re.search(r"/jobs/([0-9a-f-]{36})/$", site.url)[1]  # the job page it led to

    def done() -> bool:
        state = json.loads(site.get(f"/jobs/{job_id}/status")[2])
        assert state["status"] != "failed", state
        return state["finished"]

    wait_for(done, "the worker to render the PDF", seconds=180)
    status, _, pdf = site.get(f"/jobs/{job_id}/file")
    assert status == 200 and pdf.startswith(b"%PDF")


def test_a_reload_replaces_the_web_processes_without_refusing_requests(site):
    master = site.processes["gunicorn"]
    os.kill(master.pid, signal.SIGHUP)
    for _ in range(20):
        assert site.get("/healthz")[0] == 200
        time.sleep(0.1)
    assert master.poll() is None
    assert "Hang up: Master" in site.log("gunicorn")


def test_readiness_follows_the_database(site, cluster):
    status, _, body = site.get("/readyz")
    assert status == 200, body
    ready = json.loads(body)
    assert ready["status"] == "ready" and set(ready["checks"].values()) == {"ok"}
    cluster.stop()
    try:
        status, _, body = site.get("/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["database"].startswith("unreachable")
        assert site.get("/healthz")[0] == 200  # alive, just not ready
    finally:
        cluster.start()
    wait_for(lambda: site.get("/readyz")[0] == 200, "/readyz to answer 200 again", seconds=30)


def test_the_systemd_units_are_valid_for_this_installation(site):
    need("" if shutil.which("systemd-analyze") else "systemd-analyze is not installed")
    units = site.folder / "units"
    units.mkdir()
    for unit in (site.app / "deploy" / "systemd").iterdir():
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/opt/chiiki/venv/", f"{site.venv}/").replace(
            "/opt/chiiki/app/", f"{site.app}/"
        )
        (units / unit.name).write_text(text, encoding="utf-8")
    names = sorted(str(p) for p in units.iterdir())
    assert len(names) == 8
    checked = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


def test_the_backup_routine_and_its_restore_drill(site):
    backups = site.folder / "backups"
    made = site.cli("backup", "create", str(backups), "--keep", "14")
    assert made.returncode == 0, made.stderr
    drilled = site.cli("backup", "drill", "--dir", str(backups))
    assert drilled.returncode == 0, drilled.stderr
    assert "がすべて記録と一致" in drilled.stdout
