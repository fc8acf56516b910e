"""The deployment tier (`pytest -m deploy tests/deploy`, run by ./scripts/test in its
PostgreSQL pass): the documented production install on a fresh clone, and upgrades."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.deploy.cluster import Cluster, why_not

ROOT = Path(__file__).resolve().parents[2]


def need(reason: str) -> None:
    """Skip with the reason, or fail where the tier is required (CI: CHIIKI_REQUIRE_DEPLOY=1)."""
    if not reason:
        return
    if os.environ.get("CHIIKI_REQUIRE_DEPLOY") == "1":
        pytest.fail(f"required by CHIIKI_REQUIRE_DEPLOY=1: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster():
    need(why_not())
    # under /tmp, not pytest's folders (root's only): the postgres user must reach it
    folder = Path(tempfile.mkdtemp(prefix="chiiki-deploy-pg-"))
    server = Cluster(folder)
    server.start()
    yield server
    subprocess.run(
        ["su", "postgres", "-c", f"'{server.bin}/pg_ctl' -D '{server.data}' -m immediate stop"],
        capture_output=True,
        check=False,
    )
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone of this repository's committed state, as an operator checks out a release."""
    target = tmp_path_factory.mktemp("release") / "app"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a shell on a server: none of this test run's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHIIKI_", "DJANGO_"))}
    for name in ("DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if "/.venv/" not in p)
    env.update(extra)
    return env


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def run_chiiki(
    code: Path, env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``chiiki ARGS`` from the source tree ``code`` (its own chiiki package first) with ``env``
    on a clean environment; fails the test with its output if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "chiiki.cli", *args],
        cwd=code,
        env=clean_env(PYTHONPATH=str(code), **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"chiiki {' '.join(args)} ({code}):\n{done.stdout}\n{done.stderr}"
    return done
