"""The production gunicorn configuration (deploy/gunicorn.conf.py) as gunicorn reads it."""

import gc
import runpy
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def test_a_worker_freezes_what_it_loaded_out_of_the_collectors_reach():
    """Full collections then walk only what requests make (p99 of the heavier pages roughly
    halves at 20,000 KPIs; docs/performance.md)."""
    config = runpy.run_path(str(CONFIG))
    gc.unfreeze()
    try:
        config["post_worker_init"](object())
        assert gc.get_freeze_count() > 10_000  # Django and chiiki are loaded in this process
    finally:
        gc.unfreeze()


def test_a_wrong_worker_count_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("CHIIKI_WEB_WORKERS", "two")
    with pytest.raises(SystemExit, match="CHIIKI_WEB_WORKERS must be a whole number"):
        runpy.run_path(str(CONFIG))
