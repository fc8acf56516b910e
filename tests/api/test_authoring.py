"""Plan authoring through the API: the same writers as the screens, with If-Match on every
change, located errors, and drafts visible to staff only."""

from __future__ import annotations

import pytest

from chiiki.indicators.models import Indicator
from chiiki.plans.models import EditionStatus, Plan

pytestmark = pytest.mark.django_db


def match(version):
    return {"If-Match": f'"{version}"'}


R8 = {"slug": "regional-policy-r8", "edition": "R8", "title": "連携地域別政策展開方針",
      "start_fy": 2026, "end_fy": 2029, "copy_from": "regional-policy-r3"}  # fmt: skip
KPI = {"kind": "kpi", "name": "有機農業の取組面積", "unit": "ha", "method": "trajectory",
       "baseline_value": "1,200", "baseline_fy": 2024, "target_kind": "absolute",
       "target_value": "2,000", "target_fy": 2029,
       "year_targets": [{"fy": 2026, "value": "1,500"}]}  # fmt: skip


def test_an_edition_authored_and_adopted_through_the_api(api, tokens):
    hq, tokachi = tokens["hq_planner"], tokens["tokachi_editor"]
    r = api("POST", "/plans", token=hq, body=R8)
    assert r.status_code == 201, r.body
    plan_id, version = r.body["id"], r.body["version"]
    assert r.body["status"] == "draft" and len(r.body["projects"]) == 26
    assert r["ETag"] == f'"{version}"'
    # hidden from the public lists, readable by staff
    assert "regional-policy-r8" not in [p["slug"] for p in api.all("/plans")]
    assert api.get(f"/editions/{plan_id}").status_code == 401
    assert api.get(f"/editions/{plan_id}", token=tokens["viewer"]).status_code == 200
    # 十勝 adds its project and a KPI; a row error is located in the body
    r = api("POST", f"/plans/{plan_id}/projects", token=tokachi,
            body={"name": "十勝ゼロカーボン農業プロジェクト", "lead_bureau": "tokachi"})  # fmt: skip
    assert r.status_code == 201, r.body
    project = r.body
    assert project["region"] == "tokachi" and project["plan"] == "regional-policy-r8"
    bad = {**KPI, "year_targets": [{"fy": 2026, "value": "1,500"}, {"fy": 2031, "value": "9"}]}
    r = api("POST", f"/projects/{project['id']}/indicators", token=tokachi, body=bad)
    assert r.status_code == 400
    assert r.body["errors"][0]["loc"] == ["body", "year_targets", 1, "fy"]
    r = api("POST", f"/projects/{project['id']}/indicators", token=tokachi, body=KPI)
    assert r.status_code == 201, r.body
    kpi = r.body
    assert kpi["target_value"] == "2000" and kpi["key"].startswith("regional-policy-r8/")
    r = api("POST", f"/projects/{project['id']}/measures", token=tokachi,
            body={"title": "有機農業への転換支援"}, headers=match(project["version"]))  # fmt: skip
    assert r.status_code == 201 and r.body["version"] == project["version"] + 1
    # a bureau cannot adopt; HQ revises (If-Match required) and adopts
    assert (
        api("POST", f"/plans/{plan_id}/adopt", token=tokachi, headers=match(version)).status_code
        == 403
    )
    revision = {"value": "2,400", "from_fy": 2027, "reason": "国の目標引上げ"}
    r = api("POST", f"/indicators/{kpi['id']}/revisions", token=hq, body=revision)
    assert r.status_code == 428
    r = api("POST", f"/indicators/{kpi['id']}/revisions", token=hq, body=revision,
            headers=match(kpi["version"]))  # fmt: skip
    assert r.status_code == 201 and r.body["revised_target_value"] == "2400"
    r = api("POST", f"/plans/{plan_id}/adopt", token=hq, headers=match(version + 1))
    assert r.status_code == 412
    r = api("POST", f"/plans/{plan_id}/adopt", token=hq, headers=match(version))
    assert r.status_code == 200 and r.body["status"] == "adopted"
    assert Plan.objects.get(slug="regional-policy-r3").status == EditionStatus.SUPERSEDED
    listed = {p["slug"]: p["status"] for p in api.all("/plans")}
    assert listed["regional-policy-r8"] == "adopted"
    assert listed["regional-policy-r3"] == "superseded"
    public = api.get(f"/indicators/{kpi['id']}")
    assert public.status_code == 200 and public.body["name"] == "有機農業の取組面積"


def test_drafts_cannot_be_reached_by_other_prefectures_or_the_public(api, tokens):
    r = api("POST", "/plans", token=tokens["hq_planner"], body=R8)
    draft_indicator = Indicator.with_drafts.filter(project__plan__slug="regional-policy-r8").first()
    assert api.get(f"/indicators/{draft_indicator.pk}").status_code == 404
    assert api.get(f"/projects/{draft_indicator.project_id}").status_code == 404
    body = {**KPI, "name": "x"}
    r = api("PUT", f"/indicators/{draft_indicator.pk}", token=tokens["department"], body=body,
            headers=match(draft_indicator.version))  # fmt: skip
    assert r.status_code == 403
