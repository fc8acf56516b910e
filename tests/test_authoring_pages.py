"""The plan authoring pages: each step of the next edition as staff do it in the site, the
located errors, the refusals, and what the public sees before and after adoption."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from chiiki.audit.models import AuditEntry
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, EditionStatus, Plan, Project

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


NEW = {"copy_from": "", "kind": "regional_policy", "title": "連携地域別政策展開方針",
       "edition": "R8", "slug": "regional-policy-r8", "start_fy": "R8", "end_fy": "R11"}  # fmt: skip


def test_the_next_edition_made_in_the_site(client, personas):
    r3 = Plan.objects.get(slug="regional-policy-r3")
    login(client, personas["hq_planner"])
    page = client.get(reverse("editions"))
    assert page.status_code == 200 and "作成中の版を作る" in page.content.decode()
    r = client.post(reverse("editions"), {**NEW, "copy_from": r3.pk})
    assert r.status_code == 302 and r["Location"] == reverse("edition", args=["regional-policy-r8"])
    draft = Plan.with_drafts.get(slug="regional-policy-r8")
    html = client.get(r["Location"]).content.decode()
    assert "作成中" in html and "計画の版を作成" in html  # status and the history
    client.logout()
    # the public: nothing of the draft
    assert client.get(reverse("plan", args=[draft.slug])).status_code == 404
    assert "R8" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("editions")).status_code == 302  # to the login
    # 十勝's editor adds a project and a KPI with an interim target
    login(client, personas["tokachi_editor"])
    tokachi = Bureau.objects.get(short_name="十勝")
    r = client.post(
        reverse("edition", args=[draft.slug]),
        {
            "action": "add_project",
            "name": "十勝ゼロカーボン農業プロジェクト",
            "lead_bureau": tokachi.pk,
        },
    )
    assert r.status_code == 302
    project = Project.with_drafts.get(plan=draft, name="十勝ゼロカーボン農業プロジェクト")
    new_kpi = reverse("edition_indicator_new", args=[draft.slug, project.slug])
    form = {"action": "save", "version": "0", "kind": "kpi", "name": "有機農業の取組面積",
            "unit": "ha", "decimal_places": "0", "direction": "up", "method": "trajectory",
            "baseline_value": "１，２００", "baseline_fy": "R6", "target_kind": "absolute",
            "target_value": "2,000", "target_fy": "R11", "year_target_rows": "2",
            "yt-1-fy": "R8", "yt-1-value": "1,500", "yt-1-kind": "interim",
            "yt-2-fy": "R13", "yt-2-value": "3,000", "yt-2-kind": "interim"}  # fmt: skip
    r = client.post(new_kpi, form)
    assert r.status_code == 400
    html = r.content.decode()
    assert "基準年度と目標年度の間の年度に設定します（R13）" in html
    assert 'value="R13"' in html  # nothing typed is lost
    r = client.post(new_kpi, {**form, "yt-2-fy": "", "yt-2-value": ""})
    assert r.status_code == 302
    kpi = Indicator.with_drafts.get(project=project)
    assert kpi.baseline_value == 1200 and [t.fy for t in kpi.year_targets.all()] == [2026]
    # another bureau's project is read-only to them; adopting is HQ's
    sorachi = Project.with_drafts.filter(plan=draft, lead_bureau__short_name="空知").first()
    page = client.get(reverse("edition_project", args=[draft.slug, sorachi.slug])).content.decode()
    assert "閲覧だけできます" in page
    r = client.post(
        reverse("edition", args=[draft.slug]), {"action": "adopt", "version": draft.version}
    )
    assert r.status_code == 403
    client.logout()
    # HQ raises the target with a reason, then adopts
    login(client, personas["hq_admin"])
    page = reverse("edition_indicator", args=[draft.slug, project.slug, kpi.pk])
    r = client.post(page, {"action": "revise", "version": kpi.version, "value": "2,400",
                           "from_fy": "R9", "decided_by": "北海道地域づくり推進本部",
                           "reason": ""})  # fmt: skip
    assert r.status_code == 400 and "見直しの理由を入力してください" in r.content.decode()
    r = client.post(page, {"action": "revise", "version": kpi.version, "value": "2,400",
                           "from_fy": "R9", "decided_by": "北海道地域づくり推進本部",
                           "reason": "国の目標引上げに合わせる"})  # fmt: skip
    assert r.status_code == 302
    html = client.get(page).content.decode()
    assert "2,000ha" in html and "2,400ha" in html and "国の目標引上げに合わせる" in html
    stale = client.post(
        reverse("edition", args=[draft.slug]), {"action": "adopt", "version": draft.version + 5}
    )
    assert stale.status_code == 409 and "他の人が更新しました" in stale.content.decode()
    draft.refresh_from_db()
    r = client.post(
        reverse("edition", args=[draft.slug]), {"action": "adopt", "version": draft.version}
    )
    assert r.status_code == 302
    assert Plan.objects.get(slug="regional-policy-r3").status == EditionStatus.SUPERSEDED
    history = client.get(reverse("edition", args=[draft.slug])).content.decode()
    for step in (
        "計画の版を作成",
        "プロジェクトを追加",
        "指標を追加",
        "目標値を見直し",
        "計画の版を策定",
    ):
        assert step in history, step
    client.logout()
    # now public
    html = client.get(reverse("plan", args=[draft.slug])).content.decode()
    assert "十勝ゼロカーボン農業プロジェクト" in html
    assert client.get(reverse("plan", args=[r3.slug])).status_code == 200
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-1] == "plan.edition.adopted"


def test_a_superseded_edition_and_strangers_cannot_be_edited(client, personas):
    from chiiki.plans.models import Plan

    login(client, personas["hq_admin"])
    h25 = Plan.objects.get(slug="regional-policy-h25")
    assert h25.status == EditionStatus.SUPERSEDED
    html = client.get(reverse("edition", args=[h25.slug])).content.decode()
    assert "内容は変更できません" in html and 'name="action" value="save"' not in html
    r = client.post(reverse("edition", args=[h25.slug]), {"action": "save", "title": "x"})
    assert r.status_code == 403
    assert re.search("次の版に移行した計画", r.content.decode())
    client.logout()
    login(client, personas["viewer"])
    assert client.get(reverse("edition", args=[h25.slug])).status_code == 200
    r = client.post(reverse("editions"), NEW)
    assert r.status_code == 403


def test_sections_and_regions_texts_are_edited_on_the_edition_page(client, personas):
    from chiiki.plans.models import PlanSection, Region, RegionPlan

    login(client, personas["hq_planner"])
    client.post(
        reverse("editions"), {**NEW, "copy_from": Plan.objects.get(slug="regional-policy-r3").pk}
    )
    draft = Plan.with_drafts.get(slug="regional-policy-r8")
    page = reverse("edition", args=[draft.slug])
    vision = PlanSection.with_drafts.get(plan=draft, slug="vision")
    r = client.post(page, {"action": "section", "section": vision.pk, "version": draft.version,
                           "title": "地域のめざす姿（R12）", "description": "概ね5年後の姿"})  # fmt: skip
    assert r.status_code == 302
    draft.refresh_from_db()
    r = client.post(page, {"action": "section", "version": draft.version, "title": "",
                           "description": "x"})  # fmt: skip
    assert r.status_code == 400 and "見出しを入力してください" in r.content.decode()
    tokachi = Region.objects.get(name="十勝")
    r = client.post(page, {"action": "region_texts", "region": tokachi.pk, "version": draft.version,
                           "vision": "食と農の未来を拓く十勝", "efforts_and_issues": "",
                           "directions": "脱炭素と農業"})  # fmt: skip
    assert r.status_code == 302
    stale = client.post(page, {"action": "region_texts", "region": tokachi.pk,
                               "version": draft.version, "vision": "x"})  # fmt: skip
    assert stale.status_code == 409
    html = client.get(page).content.decode()
    assert "地域のめざす姿（R12）" in html and "食と農の未来を拓く十勝" in html
    assert RegionPlan.with_drafts.get(plan=draft, region=tokachi).directions == "脱炭素と農業"
    # R3's own texts are untouched
    assert (
        PlanSection.objects.get(plan__slug="regional-policy-r3", slug="vision").title
        == "地域のめざす姿"
    )
    client.logout()
    login(client, personas["tokachi_editor"])
    r = client.post(
        page, {"action": "region_texts", "region": tokachi.pk, "version": 99, "vision": "x"}
    )
    assert r.status_code == 403
