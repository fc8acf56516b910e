"""A collection round from opening to publication, in a real browser, with the emails read
from a real SMTP server: nothing a bureau enters is public until HQ publishes it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from chiiki.collection import services
from chiiki.collection.models import Entry, Round, Submission
from chiiki.collection.notify import remind
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Program, ProgramBudget
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import login
from tests.conftest import make_user

pytestmark = [pytest.mark.browser]

ZERO_CARBON = "ゼロカーボンシティ表明市町村数"
SPACE = "宇宙産業理解促進事業"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address):
        return [m for r, m in self.messages if r == [address]]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def logout(page):
    page.context.clear_cookies()


def fill_others(share, actor):
    """The figures of a share this journey does not type: 「未」, 0.1 person-years, or last
    year's budget (as the budget and the settled amount)."""
    for e in share.entries.select_related("program"):
        if e.filled:
            continue
        if e.kind == Entry.Kind.ACTUAL:
            text = "未"
        elif e.kind == Entry.Kind.STAFF:
            text = "0.1"
        else:
            last = ProgramBudget.objects.filter(program=e.program).order_by("-fy").first()
            text = str(last.amount_thousand_yen)
        services.enter(actor=actor, entry_id=e.pk, text=text, expected_version=e.version)


def test_open_enter_confirm_return_resubmit_publish(page, hokkaido, smtp, settings):
    settings.CHIIKI_SITE_URL = page.base_url
    hq = make_user("hq-planner", "hq_planner")
    editor = make_user("tokachi-editor", "bureau_editor", "十勝")
    hq.email, editor.email = "hq@example.jp", "tokachi@example.jp"
    hq.save(), editor.save()
    carbon = Indicator.objects.get(name=ZERO_CARBON)
    space = Program.objects.get(name=SPACE)
    project_url = (
        page.base_url + f"/plans/{carbon.project.plan.slug}/projects/{carbon.project.slug}/"
    )

    # HQ opens the round
    login(page, "hq-planner")
    page.goto(page.base_url + "/collection/")
    page.get_by_label("実績値の年度").fill("R3")
    page.get_by_label("提出期限").fill((dt.date.today() + dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="収集を始める").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("R4の収集")).is_visible()
    round_ = Round.objects.get()

    # the bureau's editor is reminded, opens the link, enters an actual and a budget
    remind()
    (reminder,) = smtp.to("tokachi@example.jp")
    share = round_.submissions.get(bureau__short_name="十勝")
    link = f"{page.base_url}/collection/shares/{share.pk}/"
    assert "提出期限まであと3日です" in str(reminder["Subject"]) and link in reminder.get_content()
    logout(page)
    login(page, "tokachi-editor")
    page.goto(link)
    carbon_entry = share.entries.get(indicator=carbon)
    space_entry = share.entries.get(program=space, kind=Entry.Kind.BUDGET)
    page.locator(f"#v{carbon_entry.pk}").fill("12")
    page.locator(f"#entry-{carbon_entry.pk}").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("保存しました（公表前のため").is_visible()
    page.locator(f"#v{space_entry.pk}").fill("1億円")
    page.locator(f"#entry-{space_entry.pk}").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    warning = page.get_by_role("alert")
    assert "R3の787千円から127.1倍" in warning.inner_text()
    page.get_by_label("このまま保存する理由").fill("新規の大型事業のため")
    screenshot(page, "collection-warning.png")
    page.locator(f"#entry-{space_entry.pk}").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("理由: 新規の大型事業のため").is_visible()

    # before publication: the public sees neither figure anywhere
    logout(page)
    page.goto(project_url)
    assert page.get_by_text("12市町村").count() == 0
    page.goto(page.base_url + "/reports/budgets/?fy=R4")
    assert page.get_by_text("100,000").count() == 0
    program = page.request.get(page.base_url + f"/api/v1/programs/{space.pk}").json()
    assert [b["fy"] for b in program["budgets"]] == [2021]
    data = page.request.get(page.base_url + "/opendata/actuals.csv")
    assert data.ok and "ゼロカーボンシティ表明市町村数,2021" not in data.text()
    # staff see them, marked 未公表
    login(page, "hq-planner")
    page.goto(project_url)
    assert page.locator(".unpublished-tag").first.is_visible()
    assert page.get_by_text(re.compile("R3: 12市町村")).is_visible()

    # the bureau submits; HQ returns the actual with a reason; an email tells the bureau
    fill_others(share, editor)
    logout(page)
    login(page, "tokachi-editor")
    page.goto(link)
    page.get_by_role("button", name="本部に提出する").click()
    page.wait_for_load_state()
    assert page.get_by_text("提出しました。本部が確認します。").is_visible()
    assert any("提出しました" in str(m["Subject"]) for m in smtp.to("hq@example.jp"))
    logout(page)
    login(page, "hq-planner")
    page.goto(link)
    page.get_by_label("この項目の差戻し理由").first.fill("R3末の表明は11市町村では")
    page.get_by_role("button", name="差し戻す").click()
    page.wait_for_load_state()
    returned = smtp.to("tokachi@example.jp")[-1]
    assert "差し戻しました" in str(returned["Subject"])
    assert "R3末の表明は11市町村では" in returned.get_content() and link in returned.get_content()

    # the bureau fixes it and submits again; HQ accepts and publishes
    logout(page)
    login(page, "tokachi-editor")
    page.goto(link)
    assert page.get_by_text("差戻し: R3末の表明は11市町村では").is_visible()
    page.locator(f"#v{carbon_entry.pk}").fill("11")
    page.locator(f"#entry-{carbon_entry.pk}").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="本部に提出する").click()
    page.wait_for_load_state()
    logout(page)
    login(page, "hq-planner")
    page.goto(link)
    page.get_by_role("button", name="受理する").click()
    page.wait_for_load_state()
    for other in round_.submissions.exclude(pk=share.pk):
        fill_others(other, hq)
        other = services.submit(actor=hq, submission_id=other.pk, expected_version=other.version)
        services.accept(actor=hq, submission_id=other.pk, expected_version=other.version)
    page.goto(page.base_url + f"/collection/{round_.pk}/")
    screenshot(page, "collection-round.png", full_page=True)
    page.get_by_text("公表する…").click()  # an irreversible step asks for confirmation
    page.get_by_role("button", name="公表を確定する").click()
    page.wait_for_load_state()
    assert page.get_by_text("収集した数値を公表しました").is_visible()
    assert all(s.status == Submission.Status.ACCEPTED for s in round_.submissions.all())

    # now the public sees them
    logout(page)
    page.goto(project_url)
    assert page.get_by_text("11市町村").first.is_visible()
    data = page.request.get(page.base_url + "/opendata/actuals.csv").text()
    assert "ゼロカーボンシティ表明市町村数,2021,令和3年度,11," in data
    program = page.request.get(page.base_url + f"/api/v1/programs/{space.pk}").json()
    assert [(b["fy"], b["amount_thousand_yen"]) for b in program["budgets"]] == [
        (2021, 787),
        (2022, 100000),
    ]


def test_the_collection_pages_fit_a_phone(page, hokkaido):
    """At 390 px the share's figures read as one card each and no page scrolls sideways."""
    from chiiki.plans.models import Organization

    hq = make_user("hq-planner", "hq_planner")
    make_user("tokachi-editor", "bureau_editor", "十勝")
    round_ = services.open_round(actor=hq, organization=Organization.objects.get(), fy=2021,
                                 deadline=dt.date.today() + dt.timedelta(days=3))  # fmt: skip
    share = round_.submissions.get(bureau__short_name="十勝")
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, "tokachi-editor")
    page.goto(page.base_url + f"/collection/shares/{share.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "collection-share-phone.png", full_page=True)
    logout(page)
    login(page, "hq-planner")
    for path in ("/collection/", f"/collection/{round_.pk}/"):
        page.goto(page.base_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
