"""Liveness and readiness as an operator's probes see them, and the version everywhere."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.db import OperationalError
from django.utils import timezone

from chiiki.health import version
from chiiki.jobs.models import Job
from chiiki.plans.models import Organization

pytestmark = pytest.mark.django_db


def test_healthz_answers_with_the_version(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.content.decode() == f"ok chiiki {version()}"
    assert version().startswith("0.")


def test_readyz_is_ready_on_a_migrated_database_with_compiled_translations(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.json()
    assert r.json() == {
        "status": "ready",
        "version": version(),
        "checks": {"database": "ok", "migrations": "ok", "translations": "ok", "worker": "ok"},
    }


def test_readyz_says_why_it_is_not_ready(client, monkeypatch):
    # a job waiting for a worker longer than ten minutes: the worker has stopped
    job = Job.objects.create(kind="import.preview", organization=Organization.objects.first())
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "not ready"
    assert "db_worker" in r.json()["checks"]["worker"]
    Job.objects.filter(pk=job.pk).update(status="done")
    assert client.get("/readyz").status_code == 200
    # migrations not applied
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("a migration", False)],
    )
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["migrations"].startswith("1 not applied")


def test_readyz_without_a_database(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused\nmore detail")

    monkeypatch.setattr("chiiki.health.connection.cursor", down)
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == "unreachable: connection refused"


def test_the_command_says_its_version():
    done = subprocess.run(
        [sys.executable, "-m", "chiiki.cli", "--version"], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert done.stdout.strip() == f"chiiki {version()}"
