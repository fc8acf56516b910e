"""Indicators with several series through the API: read with their parent and series name,
written by the same writer as the screens."""

from __future__ import annotations

import pytest

from tests.test_indicator_series import NAME
from tests.test_indicator_series import school_levels as school_levels  # the fixture

pytestmark = pytest.mark.django_db


def test_the_api_reads_and_writes_series(school_levels, api, tokens):
    project, group, elementary, _j = school_levels
    body = api.get(f"/indicators/{elementary.pk}").body
    assert body["parent"] == group.pk and body["series_name"] == "小学校"
    assert body["name"] == f"{NAME}（小学校）"
    assert api.get(f"/indicators/{group.pk}").body["target_kind"] == "series"
    r = api("POST", f"/projects/{project.pk}/indicators", token=tokens["hq_planner"],
            body={"kind": "kpi", "parent": group.pk, "series_name": "高校", "unit": "%",
                  "target_kind": "absolute", "target_value": "20", "target_fy": 2027})  # fmt: skip
    assert r.status_code == 201, r.body
    assert r.body["parent"] == group.pk and r.body["series_name"] == "高校"
    r = api("POST", f"/projects/{project.pk}/indicators", token=tokens["hq_planner"],
            body={"kind": "kpi", "parent": group.pk, "unit": "%", "target_kind": "absolute",
                  "target_value": "20", "target_fy": 2027})  # fmt: skip
    assert r.status_code == 400
    assert r.body["errors"][0]["loc"] == ["body", "series_name"]
