"""The lockfiles are what pip-compile makes of pyproject.toml today (`./scripts/lock --check`,
which resolves against the package index, keeping the locked versions)."""

from __future__ import annotations

import subprocess

import pytest

from tests.deploy.conftest import ROOT, clean_env

pytestmark = pytest.mark.deploy


def test_the_lockfiles_match_pyproject():
    done = subprocess.run(
        [str(ROOT / "scripts" / "lock"), "--check"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
