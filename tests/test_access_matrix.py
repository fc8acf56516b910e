"""The whole access matrix, on the site and through the API: every persona (role × own / other
bureau × own / other prefecture, and the public) against each kind of action. Each cell is sent
for real; a refusal must change nothing. docs/permissions.md shows the same table."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from chiiki.accounts.models import Membership
from chiiki.accounts.tokens import issue
from chiiki.audit.models import AuditEntry
from chiiki.indicators.models import Indicator
from chiiki.plans.models import Bureau, Organization, Program
from chiiki.proposals.models import Department, Proposal
from chiiki.proposals.services import save_proposal
from tests.conftest import MAY, PASSWORD

TOKACHI = "tokachi-kankyo-senshin-main-kpi"  # a KPI of a project 十勝 leads
PERSONAS = [
    "hq_admin",
    "hq_planner",
    "tokachi_editor",  # own bureau
    "sorachi_editor",  # another bureau
    "department",
    "viewer",
    "other_prefecture_hq",  # HQ staff of another prefecture
    "anonymous",
]
# action → who may do it (everyone else is refused and nothing changes): the shared table
MATRIX = MAY


@pytest.fixture
def cast(personas):
    other = Organization.objects.create(code="020001", slug="aomori", name="青森県")
    user = get_user_model().objects.create_user(username="aomori-hq", password=PASSWORD)
    Membership.objects.create(user=user, organization=other, role="hq_admin")
    return personas | {"other_prefecture_hq": user}


@pytest.fixture
def draft(cast):
    org = Organization.objects.get(slug="hokkaido")
    return save_proposal(
        actor=cast["hq_planner"],
        organization=org,
        fy="R6",
        title="十勝の試行提案",
        bureau_ids=[Bureau.objects.get(short_name="十勝").pk],
    )


def _login(client, cast, who):
    if who != "anonymous":
        client.force_login(cast[who])


def _api(client, cast, who, method, path, body=None, **headers):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if who != "anonymous":
        extra["HTTP_AUTHORIZATION"] = "Bearer " + issue(actor=cast[who], name="matrix")[1]
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    return getattr(client, method)(f"/api/v1{path}", **kwargs, **extra)


def _refused_api(who, status):
    return status == (401 if who == "anonymous" else 403)


def _refused_site(who, response):
    if who == "anonymous":
        return response.status_code == 302 and "/accounts/login/" in response["Location"]
    return response.status_code == 403


@pytest.mark.parametrize("who", PERSONAS)
def test_write_an_actual(client, cast, who):
    allowed = who in MATRIX["write 十勝's actual"]
    kpi = Indicator.objects.get(slug=TOKACHI)
    audit = _writes()
    r = _api(
        client,
        cast,
        who,
        "put",
        f"/indicators/{kpi.pk}/actuals/2021",
        {"value": "5"},
        **{"If-None-Match": "*"},
    )
    assert r.status_code == 200 if allowed else _refused_api(who, r.status_code), r.content
    assert kpi.actuals.filter(fy=2021).exists() == allowed
    # the site form, for the next year
    _login(client, cast, who)
    r = client.post(reverse("record_indicator_actual", args=[kpi.pk]), {"fy": "R4", "value": "6"})
    assert (
        r.status_code == 302 and "/accounts/login/" not in r["Location"]
        if allowed
        else _refused_site(who, r)
    )
    assert kpi.actuals.filter(fy=2022).exists() == allowed
    assert _writes() - audit == (2 if allowed else 0)


def _writes():
    return AuditEntry.objects.exclude(action__startswith="token.").count()


@pytest.mark.parametrize("who", PERSONAS)
def test_write_a_budget(client, cast, who):
    allowed = who in MATRIX["write 十勝's budget"]
    program = Program.objects.filter(bureau__short_name="十勝").order_by("pk").first()
    r = _api(
        client,
        cast,
        who,
        "put",
        f"/programs/{program.pk}/budgets/2027",
        {"amount": "1,200"},
        **{"If-None-Match": "*"},
    )
    assert r.status_code == 200 if allowed else _refused_api(who, r.status_code), r.content
    assert program.budgets.filter(fy=2027).exists() == allowed


@pytest.mark.parametrize("who", PERSONAS)
def test_file_a_proposal(client, cast, who):
    allowed = who in MATRIX["file a proposal"]
    body = {"fy": 2024, "title": "試行", "bureaus": [Bureau.objects.get(short_name="十勝").slug]}
    r = _api(client, cast, who, "post", "/proposals", body)
    if who == "other_prefecture_hq":  # files in its own prefecture, where 十勝 is no bureau
        assert r.status_code == 400, r.content
    else:
        assert r.status_code == 201 if allowed else _refused_api(who, r.status_code), r.content
    assert Proposal.objects.filter(title="試行").exists() == allowed


@pytest.mark.parametrize("who", PERSONAS)
def test_read_a_draft_proposal(client, cast, draft, who):
    allowed = who in MATRIX["read a draft proposal"]
    r = _api(client, cast, who, "get", f"/proposals/{draft.pk}")
    assert r.status_code == (200 if allowed else 404)
    _login(client, cast, who)
    page = client.get(reverse("proposal", args=[draft.pk]))
    assert page.status_code == (200 if allowed else 404)
    assert ("十勝の試行提案" in page.content.decode()) == allowed


@pytest.mark.parametrize("who", PERSONAS)
def test_route_a_proposal(client, cast, draft, who):
    allowed = who in MATRIX["route a proposal"]
    draft.status = "submitted"
    draft.save()
    r = _api(
        client,
        cast,
        who,
        "post",
        f"/proposals/{draft.pk}/route",
        {"departments": [Department.objects.filter(organization__slug="hokkaido")[0].slug]},
        **{"If-Match": f'"{draft.version}"'},
    )
    if allowed:
        assert r.status_code == 200, r.content
    else:
        # A member without the right gets 403. Another prefecture's HQ names departments of its
        # own prefecture only (400) and never learns whether the draft exists.
        expected = {"anonymous": {401}, "other_prefecture_hq": {400, 404}}.get(who, {403})
        assert r.status_code in expected, r.content
    draft.refresh_from_db()
    assert (draft.status == "submitted") != allowed
