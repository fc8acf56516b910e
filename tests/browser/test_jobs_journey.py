"""Background jobs in a real browser with a real worker: an upload waits on its job page, the
page follows it without a reload when the worker takes it and opens the preview; applying
shows the counts; the list of jobs starts a recompute of every grade; a report's PDF is made
on its job page and downloaded."""

from __future__ import annotations

import threading

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from chiiki.indicators.models import Actual
from chiiki.reports.html import japanese_font_installed
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import login

pytestmark = [pytest.mark.browser]

BIRTHS = "creation-strategy-1/sumairu-hokkaido/total-fertility-rate"
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def worker(settings):
    """A worker beside the live server, as ./scripts/run starts one; started by the test."""
    settings.TASKS = DATABASE
    running = Worker(
        queue_names=["default"], interval=0.2, batch=False, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="browser-tests", excluded_queue_names=[],
    )  # fmt: skip
    thread = threading.Thread(target=running.run, daemon=True)
    yield thread
    running.running = False
    if thread.is_alive():
        thread.join(10)


def test_an_upload_is_followed_on_its_job_page(page, hq_planner, worker, tmp_path):
    login(page, "hq-planner")
    page.goto(page.base_url + "/imports/")
    csv = tmp_path / "figures.csv"
    csv.write_text(f"record,key,fy,value\nactual,{BIRTHS},R1,1.25\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(csv))
    page.get_by_role("button", name="アップロードして変更点を確認").click()
    page.wait_for_load_state()
    # queued: no worker has taken it yet
    assert page.get_by_role("heading", name="取込ファイルの確認").is_visible()
    assert page.get_by_text("順番を待っています").is_visible()
    assert page.locator("progress").count() == 1
    screenshot(page, "job-queued.png")
    worker.start()
    # the page's script follows the job and opens the preview when it is done
    page.wait_for_url("**/imports/*/", timeout=30_000)
    assert page.get_by_text("1.25").first.is_visible()
    page.get_by_role("button", name="取り込む").click()
    page.get_by_text("取り込みました: 実績値 1 件、予算額 0 件").wait_for(timeout=30_000)
    assert Actual.objects.get(indicator__slug="total-fertility-rate", fy=2019).value == 1.25
    # every job is listed; HQ recomputes the grades there, followed on its own job page
    page.goto(page.base_url + "/dashboard/")
    page.get_by_role(
        "link", name="バックグラウンド処理の一覧（取込・PDF作成・進捗率の再計算）"
    ).click()
    assert page.get_by_role("link", name="取り込み", exact=True).first.is_visible()
    page.get_by_role("button", name="再計算を始める").click()
    page.get_by_text("計算し直しました。").wait_for(timeout=30_000)


@pytest.mark.skipif(not japanese_font_installed(), reason="no Japanese font for PDFs")
def test_a_report_pdf_is_made_on_its_job_page(page, hokkaido, worker):
    worker.start()
    page.goto(page.base_url + "/reports/support/")
    page.get_by_role("link", name="PDF で保存").click()
    link = page.get_by_role("link", name="PDFをダウンロード")
    link.wait_for(timeout=60_000)
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        assert f.read(4) == b"%PDF"
