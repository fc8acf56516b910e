"""The evaluation workflow: who may do each step, the states, locks, and what the public sees."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.evaluations import services as wf
from chiiki.evaluations.models import Evaluation
from chiiki.evaluations.selectors import line_diff, previous_analysis
from chiiki.indicators.models import Indicator
from chiiki.indicators.services import record_actual
from chiiki.plans.models import Project
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

S = Evaluation.Status


@pytest.fixture
def tokachi():
    return Project.objects.get(slug="tokachi-kankyo-senshin")


def draft(
    user, project, text="ゼロカーボンの取組が進んだ。\n人材の確保が課題。", fy=2021, version=0
):
    return wf.save_draft(
        actor=user, project_id=project.pk, fy=fy, analysis=text, expected_version=version
    )


def submitted(personas, project):
    ev = draft(personas["tokachi_editor"], project)
    return wf.submit(
        actor=personas["tokachi_editor"], evaluation_id=ev.pk, expected_version=ev.version
    )


def test_the_full_cycle_with_a_return(personas, tokachi):
    editor, hq = personas["tokachi_editor"], personas["hq_planner"]
    ev = submitted(personas, tokachi)
    ev = wf.return_evaluation(
        actor=hq,
        evaluation_id=ev.pk,
        reason="KPIの分析を追記してください",
        expected_version=ev.version,
    )
    assert (ev.status, ev.return_reason) == (S.RETURNED, "KPIの分析を追記してください")
    ev = draft(
        editor, tokachi, text="ゼロカーボン表明は5市町村。\n人材の確保が課題。", version=ev.version
    )
    ev = wf.submit(actor=editor, evaluation_id=ev.pk, expected_version=ev.version)
    ev = wf.approve(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    ev = wf.publish(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    assert ev.status == S.PUBLISHED and ev.published_at is not None
    actions = list(
        AuditEntry.objects.filter(object_type="evaluation")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "evaluation.draft.saved",
        "evaluation.submitted",
        "evaluation.returned",
        "evaluation.draft.saved",
        "evaluation.submitted",
        "evaluation.approved",
        "evaluation.published",
    ]


# role → may (write+submit own-bureau project, review)
ROLES = {
    "hq_admin": (True, True),
    "hq_planner": (True, True),
    "tokachi_editor": (True, False),
    "sorachi_editor": (False, False),
    "department": (False, False),
    "viewer": (False, False),
    "anonymous": (False, False),
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_who_may_write_a_draft(personas, tokachi, role):
    if ROLES[role][0]:
        assert draft(personas[role], tokachi).status == S.DRAFT
    else:
        with pytest.raises(PermissionDenied):
            draft(personas[role], tokachi)
        assert not Evaluation.objects.filter(project=tokachi, fy=2021).exists()


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("step", ["approve", "return"])
def test_who_may_review(personas, tokachi, role, step):
    ev = submitted(personas, tokachi)
    kwargs = {"actor": personas[role], "evaluation_id": ev.pk, "expected_version": ev.version}
    run = wf.approve if step == "approve" else wf.return_evaluation
    if step == "return":
        kwargs["reason"] = "確認してください"
    if ROLES[role][1]:
        assert run(**kwargs).status in (S.APPROVED, S.RETURNED)
    else:
        with pytest.raises(PermissionDenied):
            run(**kwargs)
        assert Evaluation.objects.get(pk=ev.pk).status == S.SUBMITTED


def test_a_bureau_editor_cannot_write_another_bureaus_evaluation(personas):
    okhotsk = Project.objects.get(slug="okhotsk-teichaku")
    with pytest.raises(PermissionDenied):
        draft(personas["tokachi_editor"], okhotsk)


def test_nobody_approves_or_returns_their_own_submission(personas, tokachi):
    hq = personas["hq_planner"]
    ev = draft(hq, tokachi)
    ev = wf.submit(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    for run, extra in ((wf.approve, {}), (wf.return_evaluation, {"reason": "x"})):
        with pytest.raises(wf.WorkflowError, match="自分が提出した評価"):
            run(actor=hq, evaluation_id=ev.pk, expected_version=ev.version, **extra)
    assert (
        wf.approve(
            actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version
        ).status
        == S.APPROVED
    )


def test_steps_out_of_order_are_refused(personas, tokachi):
    hq = personas["hq_planner"]
    ev = draft(personas["tokachi_editor"], tokachi)
    with pytest.raises(wf.WorkflowError):
        wf.approve(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    with pytest.raises(wf.WorkflowError):
        wf.publish(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    ev = wf.submit(
        actor=personas["tokachi_editor"], evaluation_id=ev.pk, expected_version=ev.version
    )
    with pytest.raises(wf.WorkflowError, match="編集できません"):
        draft(personas["tokachi_editor"], tokachi, version=ev.version)


def test_submitting_from_the_edit_form_keeps_the_edits(personas, tokachi):
    ev = draft(personas["tokachi_editor"], tokachi, text="最初の文。")
    ev = wf.save_and_submit(
        actor=personas["tokachi_editor"],
        project_id=tokachi.pk,
        fy=2021,
        analysis="直した文。",
        expected_version=ev.version,
    )
    assert (ev.status, ev.analysis) == (S.SUBMITTED, "直した文。")


def test_a_return_needs_a_reason(personas, tokachi):
    ev = submitted(personas, tokachi)
    with pytest.raises(ValidationError) as err:
        wf.return_evaluation(
            actor=personas["hq_planner"],
            evaluation_id=ev.pk,
            reason="  ",
            expected_version=ev.version,
        )
    assert "差戻しの理由" in err.value.message_dict["reason"][0]


def publish_all(personas, project):
    ev = submitted(personas, project)
    ev = wf.approve(actor=personas["hq_planner"], evaluation_id=ev.pk, expected_version=ev.version)
    return wf.publish(
        actor=personas["hq_planner"], evaluation_id=ev.pk, expected_version=ev.version
    )


def test_a_published_year_locks_its_actuals_until_hq_unlocks_it(personas, tokachi):
    kpi = Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")
    ev = publish_all(personas, tokachi)
    with pytest.raises(ValidationError) as err:
        record_actual(
            actor=personas["hq_planner"],
            indicator_id=kpi.pk,
            fy="R3",
            value="5",
            expected_version=0,
        )
    assert "公表済みのため" in err.value.message_dict["fy"][0]
    record_actual(
        actor=personas["hq_planner"],
        indicator_id=kpi.pk,
        fy="R2",
        value="1",
        expected_version=0,
    )
    with pytest.raises(PermissionDenied):
        wf.unlock(
            actor=personas["tokachi_editor"],
            evaluation_id=ev.pk,
            reason="訂正",
            expected_version=ev.version,
        )
    with pytest.raises(ValidationError):
        wf.unlock(
            actor=personas["hq_admin"], evaluation_id=ev.pk, reason="", expected_version=ev.version
        )
    ev = wf.unlock(
        actor=personas["hq_admin"],
        evaluation_id=ev.pk,
        reason="実績値の訂正",
        expected_version=ev.version,
    )
    assert ev.status == S.DRAFT
    entry = AuditEntry.objects.filter(action="evaluation.unlocked").get()
    assert entry.actor.username == "hq-admin" and entry.old["status"] == "published"
    assert "実績値の訂正" in entry.new["return_reason"]
    record_actual(
        actor=personas["hq_planner"],
        indicator_id=kpi.pk,
        fy="R3",
        value="5",
        expected_version=0,
    )


def test_a_stale_version_is_a_conflict_not_an_overwrite(personas, tokachi):
    ev = draft(personas["tokachi_editor"], tokachi)
    draft(personas["hq_planner"], tokachi, text="本部が修正した。", version=ev.version)
    with pytest.raises(wf.StaleEvaluation):
        draft(personas["tokachi_editor"], tokachi, text="振興局の修正。", version=ev.version)
    assert Evaluation.objects.get(pk=ev.pk).analysis == "本部が修正した。"


def test_pasted_markup_becomes_plain_text(personas, tokachi):
    ev = draft(
        personas["tokachi_editor"],
        tokachi,
        text='<script>alert(1)</script>課題A\n<b onclick="x">課題B</b>\n\n',
    )
    assert ev.analysis == "alert(1)課題A\n課題B" or ev.analysis == "課題A\n課題B"
    assert "<" not in ev.analysis


def test_last_years_analysis_is_carried_forward_with_a_diff(personas):
    project = Project.objects.get(slug="sumairu-hokkaido")
    previous = previous_analysis(project, 2019)
    assert previous is not None and previous[0] == 2018
    diff = line_diff(previous[1], previous[1].splitlines()[0] + "\n新しい課題。")
    assert ("+", "新しい課題。") in diff and diff[0][0] == " " and any(op == "-" for op, _ in diff)


def test_the_public_sees_published_evaluations_only(client, personas, tokachi):
    draft(personas["tokachi_editor"], tokachi, text="下書きの内容。")
    url = reverse("project", args=[tokachi.plan.slug, tokachi.slug])
    html = client.get(url).content.decode()
    assert "下書きの内容" not in html and "評価の作成・確認" not in html
    eval_url = reverse("evaluation", args=[tokachi.plan.slug, tokachi.slug, 2021])
    assert client.get(eval_url).status_code == 302
    client.login(username="viewer", password=PASSWORD)
    assert "下書きの内容" in client.get(eval_url).content.decode()


def test_internal_notes_are_never_public(client, personas, tokachi):
    ev = wf.save_draft(
        actor=personas["tokachi_editor"],
        project_id=tokachi.pk,
        fy=2021,
        analysis="公開の文。",
        internal_note="内部だけの連絡",
        expected_version=0,
    )
    ev = wf.submit(
        actor=personas["tokachi_editor"], evaluation_id=ev.pk, expected_version=ev.version
    )
    ev = wf.approve(actor=personas["hq_planner"], evaluation_id=ev.pk, expected_version=ev.version)
    wf.publish(actor=personas["hq_planner"], evaluation_id=ev.pk, expected_version=ev.version)
    html = client.get(reverse("project", args=[tokachi.plan.slug, tokachi.slug])).content.decode()
    assert "公開の文。" in html and "内部だけの連絡" not in html


def test_another_organizations_member_cannot_read_drafts(client, personas, tokachi):
    from chiiki.accounts.models import Membership
    from chiiki.plans.models import Organization

    other = Organization.objects.create(code="020001", slug="aomori", name="青森県")
    user = make_user("aomori-hq", "hq_admin")
    Membership.objects.filter(user=user).update(organization=other)
    user = type(user).objects.get(pk=user.pk)  # drop the cached hokkaido membership
    draft(personas["tokachi_editor"], tokachi)
    client.login(username="aomori-hq", password=PASSWORD)
    assert (
        client.get(reverse("evaluation", args=[tokachi.plan.slug, tokachi.slug, 2021])).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        draft(user, tokachi)


def test_the_page_runs_each_step_over_http(client, personas, tokachi):
    url = reverse("evaluation", args=[tokachi.plan.slug, tokachi.slug, 2021])
    client.login(username="tokachi-editor", password=PASSWORD)
    r = client.post(url, {"action": "save", "analysis": "", "version": "0"})
    assert r.status_code == 400 and "分析と課題を入力してください" in r.content.decode()
    client.post(url, {"action": "save", "analysis": "取組が進んだ。", "version": "0"})
    r = client.post(url, {"action": "submit", "version": "1"}, follow=True)
    assert "評価を提出しました" in r.content.decode()
    r = client.post(url, {"action": "approve", "version": "2"})
    assert r.status_code == 403
    client.login(username="hq-planner", password=PASSWORD)
    r = client.post(url, {"action": "approve", "version": "1"})
    assert r.status_code == 409
    client.post(url, {"action": "approve", "version": "2"})
    r = client.post(url, {"action": "publish", "version": "3"}, follow=True)
    assert "評価を公表しました" in r.content.decode()
    assert Evaluation.objects.get(project=tokachi, fy=2021).status == S.PUBLISHED


# role → may (submit the 十勝 project's evaluation, submit the オホーツク one, publish, unlock)
STEP_MATRIX = {
    "hq_admin": (True, True, True, True),
    "hq_planner": (True, True, True, True),
    "tokachi_editor": (True, False, False, False),
    "sorachi_editor": (False, False, False, False),
    "department": (False, False, False, False),
    "viewer": (False, False, False, False),
    "anonymous": (False, False, False, False),
}


def _draft_by_hq(personas, slug):
    project = Project.objects.get(slug=slug)
    return draft(personas["hq_admin"], project)


@pytest.mark.parametrize("role", sorted(STEP_MATRIX))
@pytest.mark.parametrize(
    ("column", "slug"), [(0, "tokachi-kankyo-senshin"), (1, "okhotsk-teichaku")]
)
def test_who_may_submit_own_and_other_bureaus_evaluations(personas, role, column, slug):
    ev = _draft_by_hq(personas, slug)
    call = {"actor": personas[role], "evaluation_id": ev.pk, "expected_version": ev.version}
    if STEP_MATRIX[role][column]:
        assert wf.submit(**call).status == S.SUBMITTED
    else:
        with pytest.raises(PermissionDenied):
            wf.submit(**call)


@pytest.mark.parametrize("role", sorted(STEP_MATRIX))
def test_who_may_publish_and_unlock(personas, tokachi, role):
    ev = submitted(personas, tokachi)
    ev = wf.approve(actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version)
    may_publish, may_unlock = STEP_MATRIX[role][2], STEP_MATRIX[role][3]
    call = {"actor": personas[role], "evaluation_id": ev.pk, "expected_version": ev.version}
    if not may_publish:
        with pytest.raises(PermissionDenied):
            wf.publish(**call)
        ev = wf.publish(
            actor=personas["hq_admin"], evaluation_id=ev.pk, expected_version=ev.version
        )
    else:
        ev = wf.publish(**call)
    call = {
        "actor": personas[role],
        "evaluation_id": ev.pk,
        "expected_version": ev.version,
        "reason": "訂正",
    }
    if may_unlock:
        assert wf.unlock(**call).status == S.DRAFT
    else:
        with pytest.raises(PermissionDenied):
            wf.unlock(**call)
        assert Evaluation.objects.get(pk=ev.pk).status == S.PUBLISHED


def test_the_history_shows_reasons_and_text_changes_and_no_empty_saves(client, personas, tokachi):
    """A return's reason and what each save changed in the text are in the history; submitting
    from the form without an edit records the submission only, not a second save."""
    editor, hq = personas["tokachi_editor"], personas["hq_planner"]
    ev = draft(editor, tokachi, text="取組が進んだ。\n人材の確保が課題。")
    # 提出する on the form with the text as saved: no new version, no "draft saved" row
    ev = wf.save_and_submit(
        actor=editor, project_id=tokachi.pk, fy=2021, analysis=ev.analysis,
        expected_version=ev.version,
    )  # fmt: skip
    assert list(
        AuditEntry.objects.filter(object_type="evaluation")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["evaluation.draft.saved", "evaluation.submitted"]
    ev = wf.return_evaluation(
        actor=hq, evaluation_id=ev.pk, reason="KPIの分析を追記してください",
        expected_version=ev.version,
    )  # fmt: skip
    draft(editor, tokachi, text="取組が進んだ。\nゼロカーボン表明は5市町村。", version=ev.version)
    client.login(username="hq-planner", password=PASSWORD)
    page = client.get(reverse("evaluation", args=[tokachi.plan.slug, tokachi.slug, 2021]))
    html = page.content.decode()
    assert "理由: KPIの分析を追記してください" in html
    assert "本文の変更: 1行追加・1行削除" in html
    assert "+ ゼロカーボン表明は5市町村。" in html and "- 人材の確保が課題。" in html
