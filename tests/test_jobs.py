"""Background jobs: an upload read and applied by a real worker (django-tasks-db's
``db_worker``), followed on the job page and its status URL; refusals located on the job
page; a job whose worker died marked failed, visibly; jobs visible to whom they belong."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chiiki.imports.models import ImportBatch
from chiiki.indicators.models import Actual
from chiiki.indicators.services import record_actual
from chiiki.jobs.models import Job
from tests.conftest import PASSWORD
from tests.test_imports import _births, _book, _cell, _save

pytestmark = pytest.mark.django_db

BIRTHS = "creation-strategy-1/sumairu-hokkaido/total-fertility-rate"
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def upload(client, text: str, name: str = "figures.csv"):
    data = io.BytesIO(text.encode())
    data.name = name
    return client.post("/imports/", {"file": data})


def run_worker() -> None:
    """The worker, as production runs it, until the queue is empty. (In-process, inside the
    test's transaction: its habit of closing a connection older than CONN_MAX_AGE between
    tasks, right for a long-lived worker, would close the test's own.)"""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )


def test_a_worker_runs_the_queued_jobs_and_the_page_follows_them(client, personas, settings):
    settings.TASKS = DATABASE
    client.login(username="hq-planner", password=PASSWORD)
    response = upload(client, f"record,key,fy,value\nactual,{BIRTHS},R1,1.25\n")
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    assert job.status == "queued" and DBTaskResult.objects.filter(status="READY").count() == 1
    page = client.get(response.url).content.decode()
    # progress markup the script updates, and a refresh for browsers without scripts
    assert 'data-status-url="/jobs/' in page and "<progress" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "順番を待っています" in page
    state = client.get(f"/jobs/{job.pk}/status").json()
    assert (state["status"], state["finished"], state["next"]) == ("queued", False, None)
    run_worker()
    job.refresh_from_db()
    batch = ImportBatch.objects.get()
    assert job.status == "done" and job.result["changes"] == 1 and job.attempts == 1
    assert job.done == 1 and job.total == 1  # the one row of the file
    state = client.get(f"/jobs/{job.pk}/status").json()
    assert state["finished"] and state["next"] == f"/imports/{batch.pk}/"
    # applying runs as a job too; nothing is written before the worker takes it
    applied = client.post(f"/imports/{batch.pk}/apply/")
    assert not Actual.objects.filter(indicator__slug="total-fertility-rate", fy=2019).exists()
    run_worker()
    page = client.get(applied.url).content.decode()
    assert "取り込みました: 実績値 1 件、予算額 0 件" in page
    assert Actual.objects.get(indicator__slug="total-fertility-rate", fy=2019).value == 1.25


def test_a_refused_import_is_shown_located_and_can_be_run_again(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    book = _book(client.get(reverse("workbook")).content)
    cell = _cell(book["実績値"], BIRTHS, "R1")
    cell.value = 1.25
    data = io.BytesIO(_save(book))
    data.name = "edited.xlsx"
    client.post("/imports/", {"file": data})
    batch = ImportBatch.objects.get()
    # someone enters the same actual after the download: the file must not overwrite it
    record_actual(
        actor=personas["hq_admin"], indicator_id=_births(2018).indicator_id, fy="R1",
        value="1.35", expected_version=0,
    )  # fmt: skip
    applied = client.post(f"/imports/{batch.pk}/apply/")
    job = Job.objects.get(kind="import.apply")
    assert job.status == "failed" and job.error == "problems"
    (problem,) = job.problems
    assert (problem["file"], problem["line"]) == ("edited.xlsx「実績値」", cell.row)
    page = client.get(applied.url).content.decode()
    assert "誤りがあるため、何も取り込んでいません。" in page and f"{cell.row}行目" in page
    assert _births(2019).value == Decimal("1.35")  # nothing of the file was written
    # run again: still refused (the file is stale), as a new job; the old one is kept
    again = client.post(f"/jobs/{job.pk}/retry")
    assert again.status_code == 302 and again.url != applied.url
    assert Job.objects.filter(kind="import.apply").count() == 2
    assert Job.objects.filter(kind="import.apply", status="failed").count() == 2


def test_a_job_whose_worker_died_is_shown_failed(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    upload(client, f"record,key,fy,value\nactual,{BIRTHS},R1,1.25\n")
    job = Job.objects.get()
    long_ago = timezone.now() - dt.timedelta(minutes=20)
    Job.objects.filter(pk=job.pk).update(status="running", heartbeat_at=long_ago)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "処理が途中で止まりました" in page and "もう一度実行する" in page
    assert Job.objects.get(pk=job.pk).error == "interrupted"
    # the operator's command does the same for every stuck job
    other = Job.objects.create(
        kind="import.preview", organization=job.organization, status="running",
        heartbeat_at=long_ago,
    )  # fmt: skip
    out = io.StringIO()
    call_command("jobs", "reap", stdout=out)
    assert "1 件を失敗にしました" in out.getvalue()
    assert Job.objects.get(pk=other.pk).status == "failed"


def test_jobs_are_shown_to_whom_they_belong(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    upload(client, f"record,key,fy,value\nactual,{BIRTHS},R1,1.25\n")
    job = Job.objects.get()
    client.logout()
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    client.login(username="hq-admin", password=PASSWORD)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/status").status_code == 404
    assert client.post(f"/jobs/{job.pk}/retry").status_code == 404


def test_hq_recomputes_every_grade_in_the_background_and_the_trail_says_so(client, personas):
    from chiiki.audit.models import AuditEntry
    from chiiki.audit.selectors import data_version
    from chiiki.indicators.models import Indicator

    graded = Indicator.objects.exclude(grade="").order_by("pk").first()
    right = graded.grade
    # a stored grade that no longer follows the rules (as after a scheme's settings changed)
    Indicator.objects.filter(pk=graded.pk).update(grade="B" if right != "B" else "A①")
    before = data_version()
    client.login(username="hq-planner", password=PASSWORD)
    listing = client.get("/jobs/").content.decode()
    assert "再計算を始める" in listing
    started = client.post("/jobs/", {"action": "recompute"})
    job = Job.objects.get(kind="indicators.recompute")
    assert started.url == f"/jobs/{job.pk}/"
    assert job.status == "done" and job.result == {"rates": 0, "grades": 1}
    assert (
        job.total
        == Indicator.with_drafts.filter(project__plan__organization=job.organization).count()
    )
    assert Indicator.objects.get(pk=graded.pk).grade == right
    page = client.get(started.url).content.decode()
    assert "進捗率 0 件、評価 1 件が変わりました" in page
    entry = AuditEntry.objects.get(action="indicators.recomputed")
    assert entry.actor == personas["hq_planner"] and entry.new == {"rates": 0, "grades": 1}
    assert data_version() > before  # cached pages and files follow
    # the list shows it to every HQ member, with who started it; its page stays the starter's,
    # so the list links only the pages its reader may open
    assert f'href="/jobs/{job.pk}/"' in client.get("/jobs/").content.decode()
    client.login(username="hq-admin", password=PASSWORD)
    listing = client.get("/jobs/").content.decode()
    assert "進捗率・評価の再計算" in listing and "hq-planner" in listing
    assert f'href="/jobs/{job.pk}/"' not in listing
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_only_hq_recomputes_and_others_see_their_own_jobs(client, personas):
    client.login(username="tokachi-editor", password=PASSWORD)
    listing = client.get("/jobs/")
    assert listing.status_code == 200 and "再計算を始める" not in listing.content.decode()
    assert client.post("/jobs/", {"action": "recompute"}).status_code == 403
    assert not Job.objects.exists()
    client.logout()
    assert client.get("/jobs/").status_code == 302  # to the sign-in page


def test_the_command_line_recompute_is_in_the_trail_too(db):
    from chiiki.audit.models import AuditEntry

    out = io.StringIO()
    call_command("indicators", "recompute", stdout=out, stderr=io.StringIO())
    assert "進捗率・進捗評価を計算し直しました（変更 0 件）" in out.getvalue()
    entry = AuditEntry.objects.get(action="indicators.recomputed")
    assert entry.actor is None and entry.new == {"rates": 0, "grades": 0}
