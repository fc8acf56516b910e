"""A program's self-evaluation and direction (拡充・継続・改善・縮小・廃止) travel with its project's
evaluation: drafted, submitted, approved and published together, then shown on the program
page, in the API and in the 事務事業評価シート. The texts are fictional (tests/scenario_tokachi)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.evaluations import services as wf
from chiiki.evaluations.models import Evaluation, ProgramReview
from chiiki.plans.models import Program, Project
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REVIEW = {
    "self_evaluation": "女性のワーキンググループを5回開催し、地域の課題と資源を洗い出した。",
    "direction": "improve",
    "reason": "参加者が固定化しているため、R5は管内町村と共催して参加者層を広げる。",
}


@pytest.fixture
def project():
    return Project.objects.get(slug="tokachi-tayona-jinzai")


@pytest.fixture
def program():
    return Program.objects.get(slug="tokachi-jinzai")


def save(user, project, reviews, version=0):
    return wf.save_draft(actor=user, project_id=project.pk, fy=2021,
                         analysis="ワーキンググループで課題を共有した。",
                         program_reviews=reviews, expected_version=version)  # fmt: skip


def test_the_review_travels_with_the_evaluation(personas, project, program, client):
    editor, hq = personas["tokachi_editor"], personas["hq_planner"]
    ev = save(editor, project, [{"program": program.pk, **REVIEW}])
    (review,) = ProgramReview.objects.filter(evaluation=ev)
    assert (review.program, review.direction) == (program, "improve")
    saved = AuditEntry.objects.get(action="evaluation.draft.saved")
    assert saved.new["program_reviews"] == [{"program": program.pk, **REVIEW}]
    page = reverse("program", args=[program.pk])
    assert "改善" not in client.get(page).content.decode()  # not public before publication
    ev = wf.submit(actor=editor, evaluation_id=ev.pk, expected_version=ev.version)
    ev = wf.approve(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    wf.publish(actor=hq, evaluation_id=ev.pk, expected_version=ev.version)
    html = client.get(page).content.decode()
    assert "<strong>改善</strong>" in html and REVIEW["reason"] in html


def test_an_unchanged_save_keeps_the_version_and_none_leaves_reviews_alone(personas, project,
                                                                           program):  # fmt: skip
    editor = personas["tokachi_editor"]
    ev = save(editor, project, [{"program": program.pk, **REVIEW}])
    again = save(editor, project, [{"program": program.pk, **REVIEW}], version=ev.version)
    assert again.version == ev.version
    kept = save(editor, project, None, version=ev.version)
    assert kept.version == ev.version and ProgramReview.objects.count() == 1
    cleared = save(editor, project, [{"program": program.pk}], version=ev.version)
    assert cleared.version == ev.version + 1 and not ProgramReview.objects.exists()


def test_bad_rows_are_refused_where_they_were_typed(personas, project, program):
    elsewhere = Program.objects.get(slug="tokachi-uchu")  # 次世代先進産業's program
    before = list(Evaluation.objects.values_list("pk", "version"))
    with pytest.raises(ValidationError) as caught:
        save(personas["tokachi_editor"], project, [
            {"program": program.pk, **REVIEW, "reason": " ", "direction": "grow"},
            {"program": elsewhere.pk, **REVIEW},
        ])  # fmt: skip
    errors = caught.value.message_dict
    assert "理由" in errors["program_reviews.1.reason"][0]
    assert "拡充・継続・改善・縮小・廃止" in errors["program_reviews.1.direction"][0]
    assert "program_reviews.2.program" in errors
    assert list(Evaluation.objects.values_list("pk", "version")) == before
    assert not ProgramReview.objects.exists()


def test_the_evaluation_form_takes_the_reviews(client, personas, project, program):
    client.login(username="tokachi-editor", password=PASSWORD)
    url = reverse("evaluation", args=[project.plan.slug, project.slug, 2021])
    html = client.get(url).content.decode()
    assert "事業の評価（事務事業評価）" in html and 'name="pr-1-direction"' in html
    form = {"action": "save", "version": "0", "analysis": "課題を共有した。",
            "program_review_rows": "1", "pr-1-program": program.pk,
            "pr-1-self_evaluation": REVIEW["self_evaluation"], "pr-1-direction": "improve",
            "pr-1-reason": ""}  # fmt: skip
    r = client.post(url, form)
    html = r.content.decode()
    assert r.status_code == 400 and 'id="pr-1-reason-error"' in html
    assert REVIEW["self_evaluation"] in html  # what was typed is kept
    r = client.post(url, {**form, "pr-1-reason": REVIEW["reason"]})
    assert r.status_code == 302
    assert ProgramReview.objects.get().reason == REVIEW["reason"]
