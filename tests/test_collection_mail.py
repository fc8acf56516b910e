"""Reminder and notice emails of collection rounds, sent through Django's SMTP backend to a
real SMTP server (aiosmtpd) on 127.0.0.1, and read back from what arrived."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from chiiki.collection import services
from chiiki.collection.models import Notice
from chiiki.collection.notify import remind


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.CHIIKI_SITE_URL = "https://chiiki.example.jp"
    yield inbox
    controller.stop()


@pytest.fixture
def cast(personas):
    for name, address in [("hq_planner", "hq@example.jp"), ("tokachi_editor", "tokachi@example.jp"),
                          ("sorachi_editor", "sorachi@example.jp")]:  # fmt: skip
        personas[name].email = address
        personas[name].save()
    english = personas["sorachi_editor"].membership
    english.language = "en"
    english.save()
    return personas


def test_reminders_before_on_and_after_the_deadline_each_once(org, cast, smtp):
    today = dt.date.today()
    round_ = services.open_round(actor=cast["hq_planner"], organization=org, fy=2021,
                                 deadline=today + dt.timedelta(days=3))  # fmt: skip
    assert remind(today) > 0
    to = {tuple(r) for r, _ in smtp.messages}
    assert ("tokachi@example.jp",) in to and ("sorachi@example.jp",) in to
    tokachi = next(m for r, m in smtp.messages if r == ["tokachi@example.jp"])
    assert str(tokachi["Subject"]).strip() == "[chiiki] R4の収集: 提出期限まであと3日です"
    share = round_.submissions.get(bureau__short_name="十勝")
    assert f"https://chiiki.example.jp/collection/shares/{share.pk}/" in tokachi.get_content()
    sorachi = next(m for r, m in smtp.messages if r == ["sorachi@example.jp"])
    assert "days left" in str(sorachi["Subject"]).strip()  # in the language the person chose
    hq = [str(m["Subject"]).strip() for r, m in smtp.messages if r == ["hq@example.jp"]]
    # HQ's own share (KPIs no bureau leads) is reminded like a bureau's, plus the digest
    assert sum("本日の状況" in subject for subject in hq) == 1
    assert "[chiiki] R4の収集: 提出期限まであと3日です" in hq

    count = len(smtp.messages)
    assert remind(today) == 0 and len(smtp.messages) == count  # never twice

    remind(today + dt.timedelta(days=3))
    due = [
        str(m["Subject"]).strip() for r, m in smtp.messages[count:] if r == ["tokachi@example.jp"]
    ]
    assert due == ["[chiiki] R4の収集: 本日が提出期限です"]

    count = len(smtp.messages)
    remind(today + dt.timedelta(days=5))
    late = [
        (r, str(m["Subject"]).strip())
        for r, m in smtp.messages[count:]
        if "過ぎています" in str(m["Subject"]).strip()
    ]
    # after the deadline, HQ hears of each late bureau too
    assert (
        ["tokachi@example.jp"],
        "[chiiki] R4の収集: 十勝総合振興局の提出期限を2日過ぎています",
    ) in late
    assert (
        ["hq@example.jp"],
        "[chiiki] R4の収集: 十勝総合振興局の提出期限を2日過ぎています",
    ) in late
    assert Notice.objects.filter(kind="overdue").count() >= 1


def test_submitting_tells_hq_and_returning_tells_the_bureau(org, cast, smtp,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    hq, editor = cast["hq_planner"], cast["tokachi_editor"]
    round_ = services.open_round(actor=hq, organization=org, fy=2021,
                                 deadline=dt.date.today() + dt.timedelta(days=10))  # fmt: skip
    share = round_.submissions.get(bureau__short_name="十勝")
    for e in share.entries.all():
        text = {"actual": "未", "staff": "0.2"}.get(e.kind, "1,500")
        services.enter(actor=editor, entry_id=e.pk, text=text, reason="確認済み",
                       expected_version=e.version)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        share = services.submit(
            actor=editor, submission_id=share.pk, expected_version=share.version
        )
    ((to, message),) = smtp.messages
    assert (
        to == ["hq@example.jp"]
        and "十勝総合振興局が提出しました" in str(message["Subject"]).strip()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.return_submission(actor=hq, submission_id=share.pk, reason="単位を確認してください",
                                   expected_version=share.version)  # fmt: skip
    to, message = smtp.messages[-1]
    assert to == ["tokachi@example.jp"] and "差し戻しました" in str(message["Subject"]).strip()
    assert "単位を確認してください" in message.get_content()
    assert f"https://chiiki.example.jp/collection/shares/{share.pk}/" in message.get_content()


def test_a_mail_server_that_is_down_loses_no_work_and_the_next_run_sends(org, cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    round_ = services.open_round(actor=cast["hq_planner"], organization=org, fy=2021,
                                 deadline=dt.date.today() + dt.timedelta(days=2))  # fmt: skip
    assert remind() == 0 and not Notice.objects.exists()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        settings.EMAIL_PORT = controller.port
        assert remind() > 0
        assert any(r == ["tokachi@example.jp"] for r, _ in inbox.messages)
    finally:
        controller.stop()
    assert round_.notices.filter(kind="before").exists()
