"""Policy proposals, councils and municipal support: the seed figures, the workflow, the rules."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chiiki.accounts.models import Membership
from chiiki.audit.models import AuditEntry
from chiiki.councils.models import Meeting
from chiiki.councils.services import save_meeting
from chiiki.evaluations.models import Evaluation
from chiiki.plans.models import Bureau, Municipality, Program
from chiiki.proposals import services
from chiiki.proposals.models import Department, PolicyPillar, Proposal, Response
from chiiki.support.models import CooperationArea, SupportFigure
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

TOKACHI_PROGRAM = "「十勝の「食」ブランド"  # a bureau-original program name prefix is not needed


def bureau(short):
    return Bureau.objects.get(short_name=short)


def department(name):
    return Department.objects.get(name=name)


def responder(username, department_name):
    user = make_user(username, "department_responder")
    Membership.objects.filter(user=user).update(department=department_name)
    user.refresh_from_db()
    return user


# --------------------------------------------------------------------------- seed figures


def test_seed_001_proposals_and_reflections_are_loaded():
    proposals = Proposal.objects.filter(fy=2015)
    assert proposals.count() == 15 and all(p.published for p in proposals)
    joint = {
        p.title: sorted(b.short_name for b in p.bureaus.all())
        for p in proposals
        if p.bureaus.count() > 1
    }
    assert joint == {
        "新幹線開業効果を最大限に発揮し持続させるための基盤づくり": ["檜山", "渡島"],
        "北海道とサハリン州の一層の交流推進": ["上川", "宗谷", "留萌"],
    }
    assert Response.objects.filter(proposal__fy=2015, status="reflected").count() == 18
    by_department = {d.name: d.responses.count() for d in Department.objects.all()}
    assert by_department == {
        "総合政策部": 5,
        "経済部": 8,
        "農政部": 1,
        "水産林務部": 1,
        "保健福祉部": 1,
        "環境生活部": 2,
    }
    # 14 different reflected measures, as the source lists them
    assert Response.objects.values("measure").distinct().count() == 14
    tops = PolicyPillar.objects.filter(parent__isnull=True).order_by("order")
    assert [p.short_name for p in tops] == [
        "経済・活力",
        "人財・継承",
        "子育て・安心",
        "地域・自律",
    ]
    assert PolicyPillar.objects.filter(parent__isnull=False).count() == 8
    every_bureau = {b.short_name for p in proposals for b in p.bureaus.all()}
    assert len(every_bureau) == 14  # every bureau proposed at least once


def test_seed_003_model_areas_and_members():
    areas = CooperationArea.objects.filter(kind="model_area").order_by("order")
    assert areas.count() == 11
    assert sum(a.members.count() for a in areas) == 45  # 「11地域45市町村」
    first = areas.first()
    assert first.name == "南空知4町連携地域" and first.start_fy == 2015
    assert sorted(first.members.values_list("name", flat=True)) == sorted(
        ["南幌町", "由仁町", "長沼町", "栗山町"]
    )
    by_start = {fy: areas.filter(start_fy=fy).count() for fy in (2015, 2016, 2017)}
    assert by_start == {2015: 4, 2016: 2, 2017: 5}
    tongari = CooperationArea.objects.get(name="とんがりロード広域連携地域")
    assert {m.bureau.short_name for m in tongari.members.all()} == {"日高", "十勝"}


def test_seed_support_figures():
    def series(slug, metric):
        return {
            f.fy: f.value
            for f in SupportFigure.objects.filter(scheme__slug=slug, metric=metric).order_by("fy")
        }

    assert series("chiikizukuri-grant", "budget") == {
        2018: D("45.5"),
        2019: D("45.5"),
        2020: D("45.8"),
        2021: D("45.8"),
    }
    assert list(series("staff-dispatch", "staff").values()) == [38, 38, 33, 32]
    assert series("settlement-areas", "areas") == {2018: 14}
    assert series("metro-areas", "areas") == {2018: 1}
    assert (
        series("model-areas", "areas")[2018]
        == CooperationArea.objects.filter(kind="model_area").count()
    )


def test_the_report_follows_the_published_table(client):
    html = client.get(reverse("proposals")).content.decode()
    assert "振興局からの政策提案の対応状況" in html and "令和" not in html.split("<h1>")[1][:80]
    assert "平成27年度" in html
    assert "提案 15件（うち共同提案 2件）、反映 18件・一部反映 0件。" in html
    order = [
        html.index(name) for name in ("経済・活力", "人財・継承", "子育て・安心", "地域・自律")
    ]
    assert order == sorted(order)
    assert "北海道とサハリン州の一層の交流推進</a>【宗谷・留萌・上川共同】" in html
    assert (
        "○道内企業のロシア極東地域への進出支援及び輸出拡大に向けた輸送モデル構築の検討（経済部）"
        in html
    )


# --------------------------------------------------------------------------- the workflow


def _joint_draft(user, org, **extra):
    return services.save_proposal(
        actor=user,
        organization=org,
        fy="R4",
        title="道東の観光周遊ルートの形成",
        summary="十勝と釧路をつなぐ周遊ルートの形成",
        pillar_id=PolicyPillar.objects.get(slug="kanko-rikkoku").pk,
        bureau_ids=[bureau("釧路").pk],
        municipality_ids=[Municipality.objects.get(name="帯広市").pk],
        **extra,
    )


def test_a_joint_proposal_from_filing_to_publication(org, personas):
    tokachi = personas["tokachi_editor"]
    draft = _joint_draft(tokachi, org)
    assert draft.status == "draft" and not draft.published and draft.fy == 2022
    assert sorted(b.short_name for b in draft.bureaus.all()) == ["十勝", "釧路"]
    assert draft.lead_bureau.short_name == "十勝"
    services.submit(actor=tokachi, proposal_id=draft.pk, expected_version=draft.version)
    draft.refresh_from_db()
    with pytest.raises(PermissionDenied):  # once submitted, the bureau no longer edits it
        _joint_draft(tokachi, org, proposal_id=draft.pk, expected_version=draft.version)
    hq = personas["hq_planner"]
    services.route(
        actor=hq,
        proposal_id=draft.pk,
        department_ids=[department("経済部").pk, department("総合政策部").pk],
        expected_version=draft.version,
    )
    keizai, sogo = (
        Response.objects.get(proposal=draft, department__name=n) for n in ("経済部", "総合政策部")
    )
    program = Program.objects.filter(budgets__fy=2021, bureau__short_name="十勝").first()
    keizai_user = responder("keizai", "経済部")
    with pytest.raises(PermissionDenied):  # 経済部 cannot answer for 総合政策部
        services.answer(actor=keizai_user, response_id=sogo.pk, status="reflected", measure="x")
    services.answer(
        actor=keizai_user,
        response_id=keizai.pk,
        status="reflected",
        measure="道東周遊ルートの観光プロモーション",
        program_id=program.pk,
        budget_fy="R3",
        expected_version=0,
    )
    draft.refresh_from_db()
    assert draft.status == "routed"  # 総合政策部 has not answered yet
    with pytest.raises(services.ProposalError):
        services.publish(actor=hq, proposal_id=draft.pk, expected_version=draft.version)
    services.answer(
        actor=responder("sogo", "総合政策部"),
        response_id=sogo.pk,
        status="not_reflected",
        note="既存の施策で対応",
    )
    draft.refresh_from_db()
    assert draft.status == "answered"
    services.publish(actor=hq, proposal_id=draft.pk, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.published
    actions = list(
        AuditEntry.objects.filter(object_type="proposal", object_id=str(draft.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "proposal.saved",
        "proposal.submitted",
        "proposal.routed",
        "proposal.answered",
        "proposal.answered",
        "proposal.published",
    ]


def test_answers_are_checked(org, personas):
    draft = _joint_draft(personas["hq_planner"], org)
    services.submit(actor=personas["hq_planner"], proposal_id=draft.pk, expected_version=0)
    services.route(
        actor=personas["hq_planner"],
        proposal_id=draft.pk,
        department_ids=[department("経済部").pk],
        expected_version=1,
    )
    response = draft.responses.get()
    user = responder("keizai", "経済部")
    no_budget = Program.objects.exclude(budgets__fy=2019).first()
    with pytest.raises(ValidationError) as refused:
        services.answer(
            actor=user,
            response_id=response.pk,
            status="reflected",
            measure="",
            program_id=no_budget.pk,
            budget_fy="R1",
        )
    assert set(refused.value.message_dict) == {"measure", "budget_fy"}
    assert "R1の予算額がありません" in refused.value.message_dict["budget_fy"][0]
    with pytest.raises(services.StaleProposal):
        services.answer(
            actor=user, response_id=response.pk, status="partly", measure="m", expected_version=5
        )
    response.refresh_from_db()
    assert response.status == "pending" and response.version == 0


# role → (file, edit own bureau's draft, route, answer as 経済部, publish)
MATRIX = {
    "hq_admin": (True, True, True, True, True),
    "hq_planner": (True, True, True, True, True),
    "tokachi_editor": (True, True, False, False, False),
    "sorachi_editor": (True, False, False, False, False),
    "department": (False, False, False, False, False),  # a responder of no department
    "viewer": (False, False, False, False, False),
    "anonymous": (False, False, False, False, False),
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_permission_matrix_for_proposals(org, personas, role):
    from chiiki.accounts import access

    user = personas[role]
    hq = personas["hq_planner"]
    draft = _joint_draft(personas["tokachi_editor"], org)
    routed = _joint_draft(hq, org)
    services.submit(actor=hq, proposal_id=routed.pk, expected_version=0)
    services.route(
        actor=hq,
        proposal_id=routed.pk,
        department_ids=[department("経済部").pk],
        expected_version=1,
    )
    response = routed.responses.get()
    allowed = (
        access.can_file_proposal(user, org),
        access.can_edit_proposal(user, draft),
        access.can_route_proposal(user, routed),
        access.can_answer(user, response),
        access.can_route_proposal(user, routed),
    )
    assert allowed == MATRIX[role]
    # and the write functions agree with the helpers
    if not MATRIX[role][1]:
        with pytest.raises(PermissionDenied):
            services.submit(actor=user, proposal_id=draft.pk, expected_version=0)
    if not MATRIX[role][3]:
        with pytest.raises(PermissionDenied):
            services.answer(actor=user, response_id=response.pk, status="reflected", measure="m")


def test_drafts_are_internal_and_the_published_outcome_is_public(client, org, personas):
    draft = _joint_draft(personas["tokachi_editor"], org)
    assert client.get(reverse("proposal", args=[draft.pk])).status_code == 404
    assert (
        "道東の観光周遊ルート" not in client.get(reverse("proposals") + "?fy=R4").content.decode()
    )
    client.force_login(personas["viewer"])
    assert client.get(reverse("proposal", args=[draft.pk])).status_code == 200


def test_a_forged_post_is_refused(client, org, personas):
    draft = _joint_draft(personas["tokachi_editor"], org)
    client.force_login(personas["sorachi_editor"])
    response = client.post(
        reverse("proposal", args=[draft.pk]), {"action": "submit", "version": "0"}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert client.get(reverse("proposal_edit", args=[draft.pk])).status_code == 403


def test_a_reflected_program_shows_its_proposals(client):
    proposal = Proposal.objects.get(source_key="h27-tokachi-josei")
    program = Program.objects.filter(bureau__short_name="十勝").first()
    Response.objects.filter(proposal=proposal).update(program=program)
    html = client.get(reverse("program", args=[program.pk])).content.decode()
    assert "女性の力による雇用創出・地域活性化の支援（女性の起業支援等）" in html


# --------------------------------------------------------------------------- meetings


def test_a_bureau_records_its_council_and_the_public_sees_it_once_published(client, personas):
    tokachi = bureau("十勝")
    obihiro = Municipality.objects.get(name="帯広市")
    evaluation = Evaluation.objects.create(
        project=tokachi.led_projects.first(), fy=2021, analysis="点検した"
    )
    meeting = save_meeting(
        actor=personas["tokachi_editor"],
        bureau=tokachi,
        kind="council",
        title="令和4年度 十勝地域づくり連携会議",
        held_on="2022-07-12",
        municipality_ids=[obihiro.pk],
        other_participants="帯広開発建設部\n十勝町村会",
        agenda="地域重点プロジェクトの点検・評価",
        evaluation_ids=[evaluation.pk],
    )
    assert meeting.other_participant_items == ["帯広開発建設部", "十勝町村会"]
    url = reverse("meeting", args=[tokachi.slug, meeting.pk])
    assert client.get(url).status_code == 404  # not published yet
    with pytest.raises(PermissionDenied):
        save_meeting(
            actor=personas["sorachi_editor"],
            bureau=tokachi,
            meeting_id=meeting.pk,
            kind="council",
            title="改ざん",
            held_on="2022-07-12",
        )
    with pytest.raises(ValidationError) as refused:
        save_meeting(
            actor=personas["tokachi_editor"], bureau=tokachi, kind="x", title="", held_on="R4"
        )
    assert set(refused.value.message_dict) == {"kind", "title", "held_on"}
    save_meeting(
        actor=personas["tokachi_editor"],
        bureau=tokachi,
        meeting_id=meeting.pk,
        kind="council",
        title=meeting.title,
        held_on="2022-07-12",
        municipality_ids=[obihiro.pk],
        evaluation_ids=[evaluation.pk],
        published=True,
        expected_version=0,
    )
    html = client.get(url).content.decode()
    assert "帯広開発建設部" not in html  # the second save cleared the other participants
    assert "点検・評価したプロジェクト" in html and tokachi.led_projects.first().name in html
    page = client.get(reverse("municipality", args=[obihiro.code])).content.decode()
    assert "令和4年度 十勝地域づくり連携会議" in page
    assert Meeting.objects.get(pk=meeting.pk).version == 1


def test_the_municipality_page_gathers_everything(client):
    hiroo = Municipality.objects.get(name="広尾町")
    html = client.get(reverse("municipality", args=[hiroo.code])).content.decode()
    assert "とんがりロード広域連携地域" in html and "様似町" in html
    assert "十勝総合振興局" in html
    assert "未来につなげる環境・先進分野十勝プロジェクト" in html
    assert client.get(reverse("municipality", args=["999999"])).status_code == 404


def test_grants_and_dispatches_entered_in_the_admin_are_audited_and_shown(client):
    from django.contrib.auth import get_user_model

    from chiiki.support.models import GrantAward, SupportScheme

    admin_user = get_user_model().objects.create_superuser("root", password="x-Chiiki-2026")
    client.force_login(admin_user)
    hiroo = Municipality.objects.get(name="広尾町")
    grant = SupportScheme.objects.get(slug="chiikizukuri-grant")
    response = client.post(
        "/admin/support/grantaward/add/",
        {
            "scheme": grant.pk,
            "fy": 2021,
            "municipality": hiroo.pk,
            "title": "とんがりロード観光連携事業",
            "amount_thousand_yen": 5000,
        },
    )
    assert response.status_code == 302
    award = GrantAward.objects.get()
    entry = AuditEntry.objects.get(action="admin.saved", object_type="grantaward")
    assert entry.old is None and entry.new["amount_thousand_yen"] == 5000
    client.post(
        f"/admin/support/grantaward/{award.pk}/change/",
        {
            "scheme": grant.pk,
            "fy": 2021,
            "municipality": hiroo.pk,
            "title": "とんがりロード観光連携事業",
            "amount_thousand_yen": 5500,
        },
    )
    change = AuditEntry.objects.filter(action="admin.saved").latest("pk")
    assert (change.old["amount_thousand_yen"], change.new["amount_thousand_yen"]) == (5000, 5500)
    client.logout()
    html = client.get(reverse("municipality", args=[hiroo.code])).content.decode()
    assert "とんがりロード観光連携事業" in html and "5,500" in html
