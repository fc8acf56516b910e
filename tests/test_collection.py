"""Collection rounds: HQ opens, bureaus enter and submit, HQ returns or accepts, then publishes;
nothing entered is public before that (issue: every keystroke was publication)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.collection import services
from chiiki.collection.models import Entry, Round, Submission
from chiiki.indicators.models import Actual, Indicator
from chiiki.indicators.services import record_actual
from chiiki.plans.models import Program, ProgramBudget
from chiiki.plans.services import record_budget

ZERO_CARBON = "ゼロカーボンシティ表明市町村数"  # 十勝's KPI of the R3 regional policy
SPACE = "宇宙産業理解促進事業"  # 十勝's program: R3 budget 787千円


@pytest.fixture
def opened(org, personas):
    return services.open_round(
        actor=personas["hq_planner"],
        organization=org,
        fy=2021,
        deadline=dt.date.today() + dt.timedelta(days=10),
    )


def tokachi_share(round_):
    return round_.submissions.get(bureau__short_name="十勝")


def entry_for(share, name):
    return next(e for e in share.entries.select_related("indicator", "program")
                if str(e.subject) == name or (e.indicator and e.indicator.display_name == name))  # fmt: skip


def fill(share, actor):
    """Enter every figure still missing: 「未」 for actuals, 0.1 person-years of staff time, last
    year's budget for budgets and settled amounts."""
    for e in share.entries.select_related("program"):
        if e.filled:
            continue
        if e.kind == Entry.Kind.ACTUAL:
            text = "未"
        elif e.kind == Entry.Kind.STAFF:
            text = "0.1"
        else:
            last = ProgramBudget.objects.filter(program=e.program).order_by("-fy").first()
            text = str(last.amount_thousand_yen if last else 0)
        services.enter(actor=actor, entry_id=e.pk, text=text, expected_version=e.version)


def test_opening_assigns_each_figure_to_the_bureau_responsible(opened):
    assert opened.title == "R4の収集" and opened.budget_fy == 2022
    share = tokachi_share(opened)
    kinds = sorted((e.kind, str(e.subject)) for e in share.entries.all())
    assert ("actual", ZERO_CARBON) in kinds and ("budget", SPACE) in kinds
    # the R3 regional policy's 6 KPIs and the 31 programs with an R3 budget, each asked once
    entries = Entry.objects.filter(submission__round=opened)
    assert entries.filter(kind="actual").count() == 6
    assert entries.filter(kind="budget").count() == Program.objects.filter(budgets__fy=2021).count()
    assert AuditEntry.objects.filter(action="collection.round.opened").count() == 1


def test_a_round_is_opened_by_hq_only_and_once_per_year(org, personas, opened):
    with pytest.raises(PermissionDenied):
        services.open_round(actor=personas["tokachi_editor"], organization=org, fy=2020,
                            deadline=dt.date.today())  # fmt: skip
    with pytest.raises(services.ValidationError) as exc:
        services.open_round(actor=personas["hq_planner"], organization=org, fy=2021,
                            deadline=dt.date.today() - dt.timedelta(days=1))  # fmt: skip
    assert set(exc.value.message_dict) == {"fy", "deadline"}


def test_one_oku_yen_needs_a_reason_and_keeps_it(opened, personas):
    editor = personas["tokachi_editor"]
    e = entry_for(tokachi_share(opened), SPACE)
    with pytest.raises(services.NeedsConfirmation) as exc:
        services.enter(actor=editor, entry_id=e.pk, text="1億円", expected_version=e.version)
    codes = [f.code for f in exc.value.findings]
    assert codes == ["jump", "unit"]
    assert "R3の787千円から127.1倍" in exc.value.findings[0].message_ja
    e.refresh_from_db()
    assert e.value is None and e.version == 0  # nothing stored
    saved = services.enter(actor=editor, entry_id=e.pk, text="1億円", reason="新規の大型事業",
                           expected_version=e.version)  # fmt: skip
    assert saved.value == Decimal(100000) and saved.reason == "新規の大型事業"
    assert [w["code"] for w in saved.warnings] == ["jump", "unit"]
    logged = AuditEntry.objects.filter(action="collection.entry.saved").latest("pk")
    assert "新規の大型事業" in logged.summary and logged.new["warnings"] == ["jump", "unit"]
    # not published: the public budget table is unchanged
    assert not ProgramBudget.objects.filter(program=e.program, fy=2022).exists()


def test_only_the_bureau_and_hq_enter_its_share(opened, personas):
    e = entry_for(tokachi_share(opened), ZERO_CARBON)
    with pytest.raises(PermissionDenied):
        services.enter(actor=personas["sorachi_editor"], entry_id=e.pk, text="5",
                       expected_version=0)  # fmt: skip
    with pytest.raises(services.StaleRound):
        services.enter(actor=personas["tokachi_editor"], entry_id=e.pk, text="5",
                       expected_version=3)  # fmt: skip


def test_bureaus_no_longer_publish_figures_directly(personas):
    ind = Indicator.objects.get(name=ZERO_CARBON)
    with pytest.raises(PermissionDenied, match="収集ラウンド"):
        record_actual(actor=personas["tokachi_editor"], indicator_id=ind.pk, fy=2021, value="5",
                      expected_version=0)  # fmt: skip
    program = Program.objects.get(name=SPACE)
    with pytest.raises(PermissionDenied, match="収集ラウンド"):
        record_budget(actor=personas["tokachi_editor"], program_id=program.pk, fy=2022,
                      amount="800", expected_version=0)  # fmt: skip


def test_the_whole_round_submit_return_resubmit_accept_publish(
    opened, personas, client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    hq, editor = personas["hq_planner"], personas["tokachi_editor"]
    hq.email, editor.email = "hq@example.jp", "tokachi@example.jp"
    hq.save(), editor.save()
    share = tokachi_share(opened)
    carbon = entry_for(share, ZERO_CARBON)
    services.enter(actor=editor, entry_id=carbon.pk, text="12", expected_version=0)
    with pytest.raises(services.RoundError, match="未入力の項目"):
        services.submit(actor=editor, submission_id=share.pk, expected_version=share.version)
    fill(share, editor)
    with django_capture_on_commit_callbacks(execute=True):  # mail goes once the write commits
        share = services.submit(
            actor=editor, submission_id=share.pk, expected_version=share.version
        )
    assert share.status == Submission.Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [["hq@example.jp"]]
    assert "十勝総合振興局が提出しました" in mail.outbox[0].subject
    with pytest.raises(services.RoundError, match="提出済"):
        services.enter(actor=editor, entry_id=carbon.pk, text="13", expected_version=1)

    # before publication: the public sees nothing new; staff see it marked 未公表
    project = Indicator.objects.get(name=ZERO_CARBON).project
    url = reverse("project", args=[project.plan.slug, project.slug])
    public = client.get(url).content.decode()
    assert "unpublished-tag" not in public and "12市町村" not in public
    assert not Actual.objects.filter(indicator_id=carbon.indicator_id, fy=2021).exists()
    api = client.get(f"/api/v1/indicators/{carbon.indicator_id}").json()
    assert all(a["fy"] != 2021 for a in api["actuals"])
    client.force_login(hq)
    staff = client.get(url).content.decode()
    assert "unpublished-tag" in staff and "12市町村" in staff

    with django_capture_on_commit_callbacks(execute=True):
        share = services.return_submission(actor=hq, submission_id=share.pk, reason="R3の数値を確認",
                                       entry_reasons={carbon.pk: "表明は11市町村では"},
                                       expected_version=share.version)  # fmt: skip
    assert share.status == Submission.Status.RETURNED
    returned = mail.outbox[-1]
    assert returned.to == ["tokachi@example.jp"] and "差し戻しました" in returned.subject
    assert "表明は11市町村では" in returned.body
    assert f"/collection/shares/{share.pk}/" in returned.body
    carbon.refresh_from_db()
    services.enter(actor=editor, entry_id=carbon.pk, text="11", expected_version=carbon.version)
    share = services.submit(actor=editor, submission_id=share.pk, expected_version=share.version)
    services.accept(actor=hq, submission_id=share.pk, expected_version=share.version)

    with pytest.raises(services.RoundError, match="受理していない提出"):
        services.publish(actor=hq, round_id=opened.pk, expected_version=opened.version)
    for other in opened.submissions.exclude(pk=share.pk):
        fill(other, hq)
        other = services.submit(actor=hq, submission_id=other.pk, expected_version=other.version)
        services.accept(actor=hq, submission_id=other.pk, expected_version=other.version)
    published = services.publish(actor=hq, round_id=opened.pk, expected_version=opened.version)
    assert published.status == Round.Status.PUBLISHED
    actual = Actual.objects.get(indicator_id=carbon.indicator_id, fy=2021)
    assert actual.value == 11 and actual.updated_by == hq
    assert actual.rate is not None  # graded at publication by the one grader
    client.logout()
    assert "11市町村" in client.get(url).content.decode()


def test_an_evaluation_waits_for_the_figures_it_discusses(opened, personas):
    from chiiki.evaluations import services as wf
    from chiiki.plans.models import Project

    project = Project.objects.get(slug="tokachi-kankyo-senshin")
    ev = wf.save_draft(actor=personas["tokachi_editor"], project_id=project.pk, fy=2021,
                       analysis="表明が進んだ。", expected_version=None)  # fmt: skip
    ev = wf.submit(actor=personas["tokachi_editor"], evaluation_id=ev.pk,
                   expected_version=ev.version)  # fmt: skip
    ev = wf.approve(actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version)
    with pytest.raises(wf.WorkflowError, match="R3の実績値は収集中"):
        wf.publish(actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version)
    # the evaluation of a year not being collected is not held back
    ev = wf.save_draft(actor=personas["tokachi_editor"], project_id=project.pk, fy=2020,
                       analysis="前年度の分析。", expected_version=None)  # fmt: skip
    ev = wf.submit(actor=personas["tokachi_editor"], evaluation_id=ev.pk,
                   expected_version=ev.version)  # fmt: skip
    ev = wf.approve(actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version)
    ev = wf.publish(actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version)
    assert ev.status == "published" and opened.fy == 2021


def test_the_api_gives_hq_the_same_overview_and_the_public_nothing(opened, personas, client):
    from chiiki.accounts.tokens import issue

    editor = personas["tokachi_editor"]
    e = entry_for(tokachi_share(opened), SPACE)
    services.enter(actor=editor, entry_id=e.pk, text="1億円", reason="新規の大型事業",
                   expected_version=0)  # fmt: skip
    assert client.get(f"/api/v1/rounds/{opened.pk}").status_code == 401
    viewer = issue(actor=personas["viewer"], name="v")[1]
    other = client.get("/api/v1/rounds", HTTP_AUTHORIZATION=f"Bearer {viewer}")
    assert other.status_code == 200  # members read the progress
    hq = issue(actor=personas["hq_planner"], name="hq")[1]
    body = client.get(f"/api/v1/rounds/{opened.pk}", HTTP_AUTHORIZATION=f"Bearer {hq}").json()
    tokachi = next(s for s in body["shares"] if s["bureau"] == "tokachi")
    assert tokachi["filled"] == 1 and tokachi["warned"] == 1 and tokachi["status"] == "in_progress"
    assert body["filled"] == 1 and body["total"] == sum(s["total"] for s in body["shares"])
    assert body["warnings"] == [{"entry": e.pk, "bureau": "tokachi", "subject": SPACE, "fy": 2022,
                                 "typed": "1億円", "codes": ["jump", "unit"],
                                 "reason": "新規の大型事業"}]  # fmt: skip
    # the public API still shows the program's R3 budget only
    program = client.get(f"/api/v1/programs/{e.program_id}").json()
    assert [(b["fy"], b["amount_thousand_yen"]) for b in program["budgets"]] == [(2021, 787)]


def test_hq_gives_one_bureau_its_own_deadline_and_reminders_follow(opened, personas, client,
                                                                    settings):  # fmt: skip
    from chiiki.collection.notify import remind

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    editor = personas["tokachi_editor"]
    editor.email = "tokachi@example.jp"
    editor.save()
    share = tokachi_share(opened)
    later = opened.deadline + dt.timedelta(days=14)
    client.force_login(editor)
    url = reverse("collection_round", args=[opened.pk])
    assert client.get(url).status_code == 302  # a bureau is sent to its own share
    response = client.post(url, {"action": "deadline", "share": share.pk, "deadline": "x"})
    assert response.status_code == 302  # not HQ's screen for a bureau: nothing changed
    share.refresh_from_db()
    assert share.deadline is None
    client.force_login(personas["hq_planner"])
    bad = client.post(url, {"action": "deadline", "share": share.pk, "version": share.version,
                            "deadline": "2026/12/25"})  # fmt: skip
    assert bad.status_code == 400 and "日付（例: 2026-12-25）" in bad.content.decode()
    done = client.post(url, {"action": "deadline", "share": share.pk, "version": share.version,
                             "deadline": later.isoformat()}, follow=True)  # fmt: skip
    assert "提出期限を変更しました" in done.content.decode()
    share.refresh_from_db()
    assert share.due == later and opened.deadline != later
    assert AuditEntry.objects.filter(action="collection.submission.deadline").count() == 1
    # three days before the round's deadline 十勝 hears nothing; before its own, it does
    remind(opened.deadline - dt.timedelta(days=3))
    assert [m for m in mail.outbox if m.to == ["tokachi@example.jp"]] == []
    remind(later - dt.timedelta(days=3))
    assert [m.subject for m in mail.outbox if m.to == ["tokachi@example.jp"]] == [
        "[chiiki] R4の収集: 提出期限まであと3日です"
    ]


def test_the_dashboard_lists_what_is_due(opened, personas, client):
    client.force_login(personas["tokachi_editor"])
    html = client.get(reverse("dashboard")).content.decode()
    share = tokachi_share(opened)
    assert f"/collection/shares/{share.pk}/" in html and "収集中の数値" in html
    others = opened.submissions.exclude(pk=share.pk)
    assert all(f"/collection/shares/{s.pk}/" not in html for s in others)
    client.force_login(personas["hq_planner"])
    html = client.get(reverse("dashboard")).content.decode()
    assert all(f"/collection/shares/{s.pk}/" in html for s in opened.submissions.all())


def test_the_year_just_ended_is_settled_in_the_round(opened, personas, client):
    """The R3 round asks each program with an R3 budget for its R3 settled amount and staff
    time; publishing writes them through the settlement writer and keeps what the round does
    not ask for (the figures are fictional: tests/scenario_tokachi)."""
    from chiiki.plans.models import ProgramSettlement
    from chiiki.plans.services import record_settlement

    hq, editor = personas["hq_planner"], personas["tokachi_editor"]
    entries = Entry.objects.filter(submission__round=opened)
    with_budget = Program.objects.filter(budgets__fy=2021).count()
    assert entries.filter(kind="settled", fy=2021).count() == with_budget
    assert entries.filter(kind="staff", fy=2021).count() == with_budget
    jinzai = Program.objects.get(slug="tokachi-jinzai")
    # HQ had already recorded the revised budget and the sources of 人材's R3 settlement
    record_settlement(actor=hq, program_id=jinzai.pk, fy="R3", settled="1,300",
                      revised_budget="1,395", note="会場費が不要となった",
                      funding={"national_funds": "650", "bond_funds": "0", "other_funds": "0",
                               "general_funds": "650"}, expected_version=0)  # fmt: skip
    share = tokachi_share(opened)
    settled = share.entries.get(kind="settled", program=jinzai)
    staff = share.entries.get(kind="staff", program=jinzai)
    with pytest.raises(services.ValidationError) as bad:
        services.enter(actor=editor, entry_id=staff.pk, text="0.333", expected_version=0)
    assert "小数第2位まで" in bad.value.message_dict["value"][0]
    services.enter(actor=editor, entry_id=settled.pk, text="１，２８８", expected_version=0)
    services.enter(actor=editor, entry_id=staff.pk, text="0.3", expected_version=0)
    space = Program.objects.get(slug="tokachi-uchu")
    services.enter(actor=editor, entry_id=share.entries.get(kind="settled", program=space).pk,
                   text="未", expected_version=0)  # fmt: skip
    space_staff = share.entries.get(kind="staff", program=space)
    services.enter(actor=editor, entry_id=space_staff.pk, text="0.1", expected_version=0)
    fill(share, editor)
    with pytest.raises(services.RoundError, match="人工は決算額と一緒に"):
        services.submit(actor=editor, submission_id=share.pk, expected_version=share.version)
    services.enter(actor=editor, entry_id=space_staff.pk, text="未", expected_version=1)
    # the share page shows the figure as entered, unpublished, in its unit
    client.force_login(editor)
    html = client.get(reverse("collection_share", args=[share.pk])).content.decode()
    assert "R3の決算額（千円）" in html and "1,288千円" in html and "0.30人工" in html
    assert not ProgramSettlement.objects.filter(program=jinzai, settled_thousand_yen=1288).exists()
    for s in opened.submissions.all():
        fill(s, hq)
        s.refresh_from_db()
        s = services.submit(actor=hq, submission_id=s.pk, expected_version=s.version)
        services.accept(actor=personas["hq_admin"], submission_id=s.pk,
                        expected_version=s.version)  # fmt: skip
    opened.refresh_from_db()
    services.publish(actor=hq, round_id=opened.pk, expected_version=opened.version)
    stored = ProgramSettlement.objects.get(program=jinzai, fy=2021)
    assert (stored.settled_thousand_yen, stored.staff_years) == (1288, Decimal("0.30"))
    # what the round does not ask for is kept, but sources that added up to the old amount
    # (1,300) would not add up to the new one: they are dropped, and kept in the audit trail
    assert (stored.revised_budget_thousand_yen, stored.note) == (1395, "会場費が不要となった")
    assert stored.national_funds_thousand_yen is None
    corrected = AuditEntry.objects.filter(action="program.settlement.corrected").latest("pk")
    assert corrected.old["funding"] == [650, 0, 0, 650] and corrected.new["settled"] == 1288
    assert not ProgramSettlement.objects.filter(program=space, fy=2021).exists()  # still 未


def test_the_rounds_note_is_kept_as_written(org, personas):
    """Markup is removed and blank lines dropped; the text itself is kept (each character had
    been put on a line of its own)."""
    round_ = services.open_round(actor=personas["hq_planner"], organization=org, fy=2021,
                                 deadline=dt.date.today() + dt.timedelta(days=10),
                                 note="期限を守ってください。\n\n<b>R3</b> の実績値です。")  # fmt: skip
    assert round_.note == "期限を守ってください。\nR3 の実績値です。"
