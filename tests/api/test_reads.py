"""Reading through the API: every resource, filters, paging, computed figures, visibility."""

import re
from decimal import Decimal

import pytest

from chiiki.core.forecast import forecast
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.grading import indicator_spec, year_actuals
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Bureau, Municipality, Organization, Project
from chiiki.proposals.models import Proposal
from chiiki.web.templatetags.chiiki_format import figure

pytestmark = pytest.mark.django_db


def test_the_schema_and_docs_are_served_and_describe_fields_in_both_languages(api, client):
    r = api.get("/openapi.json")
    assert r.status_code == 200
    schema = r.body
    assert schema["info"]["version"] == "1"
    # one server, /api/v1; the paths are relative to it (a generated client's base URL)
    assert schema["servers"] == [{"url": "/api/v1", "description": "この API / This API"}]
    for path in [
        "/organizations",
        "/regions",
        "/bureaus",
        "/municipalities",
        "/plans",
        "/projects",
        "/measures",
        "/programs",
        "/budgets",
        "/indicators",
        "/actuals",
        "/evaluations",
        "/proposals",
        "/meetings",
        "/support/figures",
        "/support/areas",
        "/actuals/bulk",
    ]:
        assert path in schema["paths"], path
    rate = schema["components"]["schemas"]["ActualOut"]["properties"]["rate"]["description"]
    assert "進捗率" in rate and "Progress rate" in rate
    # Reads are open: the schema says a token is optional there, required for writes.
    assert {} in schema["paths"]["/indicators"]["get"]["security"]
    put = schema["paths"]["/indicators/{indicator_id}/actuals/{fy}"]["put"]
    assert put["security"] == [{"TokenAuth": []}]
    # No input schema has a computed field.
    for name in ["ActualIn", "BulkEntry", "BudgetIn", "EvaluationIn"]:
        fields = schema["components"]["schemas"][name]["properties"]
        assert not {"rate", "grade", "forecast", "rate_reason"} & set(fields), name
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.content
    # Swagger UI comes from the installed package, never from a CDN.
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.content.decode())
    assert assets and all(a.startswith("/static/ninja/") for a in assets), assets
    assert all(client.get(a).status_code == 200 for a in assets)


def test_structure_counts_match_the_hokkaido_data(api):
    assert [o["slug"] for o in api.all("/organizations")] == ["hokkaido"]
    assert len(api.all("/regions?organization=hokkaido")) == 6
    assert len(api.all("/bureaus")) == 14
    assert len(api.all("/municipalities")) == 179
    tokachi = api.all("/municipalities?bureau=tokachi")
    assert len(tokachi) == Municipality.objects.filter(bureau__slug="tokachi").count() == 19
    assert all(m["code"].isdigit() and len(m["code"]) == 6 for m in tokachi)
    projects = api.all("/projects?plan=regional-policy-r3")
    assert len(projects) == Project.objects.filter(plan__slug="regional-policy-r3").count()
    kita = next(p for p in projects if p["slug"] == "kita-hokkaido")
    assert kita["lead_bureau"] == "kamikawa" and kita["lead_bureau_inferred"] is True
    assert sorted(kita["other_bureaus"]) == ["rumoi", "soya"]


def test_budgets_add_up_to_the_published_totals(api):
    rows = api.all("/budgets?fy=2021")
    assert sum(r["amount_thousand_yen"] for r in rows) == 115135
    doou = api.all("/programs?region=doou&kind=project")
    assert doou and all(p["bureau"] for p in doou)
    tanketsu = next(p for p in api.all("/programs") if p["name"].startswith("日本遺産「炭鉄港」"))
    assert tanketsu["budgets"] == [
        {"program": tanketsu["id"], "fy": 2021, "amount_thousand_yen": 5715, "version": 0}
    ]


def test_indicators_carry_the_computed_rates_and_grades(api):
    fertility = Indicator.objects.get(slug="total-fertility-rate")
    r = api.get(f"/indicators/{fertility.pk}")
    assert r.status_code == 200
    body = r.body
    assert body["grade"] == "A③" and body["kind"] in {"numeric_goal", "kpi"}
    by_fy = {a["fy"]: a for a in body["actuals"]}
    # Published: H27 1.31 → 90.3%, H28 1.29 → 89.6%.
    assert by_fy[2015]["value"] == "1.31" and by_fy[2015]["rate"] == "90.3"
    assert by_fy[2016]["rate"] == "89.6" and by_fy[2015]["fy_label"] == "H27"
    # Grade filter returns exactly the indicators with that computed grade.
    graded = api.all("/indicators?grade=B")
    assert {i["id"] for i in graded} == set(
        Indicator.objects.filter(grade="B").values_list("pk", flat=True)
    )
    assert graded and all(i["grade"] == "B" for i in graded)


def test_projects_4_and_5_indicators_match_the_published_rates_and_grades(api):
    asia = Project.objects.get(slug="asia-no-hokkaido")
    listed = api.all(f"/indicators?project={asia.pk}")
    # its table: 道産食品輸出額 (an indicator of project 3, listed here too) and three of its own
    assert [i["name"] for i in listed if i["project"] != asia.pk] == ["道産食品輸出額"]
    exports = next(i for i in listed if i["name"] == "道産食品輸出額")
    assert exports["also_listed_in"] == [asia.pk] and exports["grade"] == "B"
    published = {
        # slug: (grade, {fy: rate}) as seed 003 prints them
        "foreign-visitors": ("B", {2015: "41.6", 2016: "46.0", 2017: "55.8"}),
        "overseas-investment-cases": ("A①", {2015: "25.0", 2016: "50.0", 2018: "100.0"}),
        "international-air-passengers": ("A①", {2015: "77.1", 2017: "106.9"}),
        "wide-area-cooperation-regions": ("A②", {2015: "68.0", 2018: "96.0"}),
        "partnerships-with-cities-outside": ("B", {2016: "71.4", 2018: "78.6"}),
        "welfare-industry-new-fields": ("A①", {2016: "46.7", 2018: "100.0"}),
    }
    for slug, (grade, rates) in published.items():
        body = api.get(f"/indicators/{Indicator.objects.get(slug=slug).pk}").body
        assert (body["grade"], body["published_grade"]) == (grade, grade), slug
        by_fy = {a["fy"]: a for a in body["actuals"]}
        for fy, rate in rates.items():
            assert Decimal(by_fy[fy]["rate"]) == Decimal(rate), (slug, fy)


def test_the_forecast_is_the_engines(api):
    indicator = (
        Indicator.objects.prefetch_related("actuals", "revisions")
        .select_related("project__plan")
        .get(slug="pregnancy-consultations")
    )
    expected = forecast(indicator_spec(indicator), year_actuals(indicator))
    body = api.get(f"/indicators/{indicator.pk}").body
    assert body["forecast"]["status"] == expected.status.value == "off_track"
    assert body["forecast"]["fy"] == expected.fy
    # figures as decimal strings at the indicator's places, as the KPI page prints them
    places = Decimal(1).scaleb(-indicator.decimal_places)
    for name in ("point", "low", "high"):
        value = Decimal(getattr(expected.selected, name)).quantize(places)
        assert Decimal(body["forecast"][name]) == value
        assert isinstance(body["forecast"][name], str)
    assert body["forecast"]["level"] == "0.8"
    page = api.client.get(f"/indicators/{indicator.pk}/").content.decode()
    assert f"{figure(Decimal(body['forecast']['point']), indicator.decimal_places)}" in page


def test_missing_values_keep_their_marker(api):
    actual = Actual.objects.filter(value__isnull=True).exclude(marker="").first()
    body = api.get(f"/indicators/{actual.indicator_id}/actuals/{actual.fy}").body
    assert body["value"] is None and body["marker"] == actual.marker and body["rate"] is None


def test_paging_is_stable_and_complete(api):
    total = Actual.objects.count()
    seen = []
    offset = 0
    while offset < total:
        r = api.get(f"/actuals?limit=37&offset={offset}")
        assert r.body["count"] == total
        seen += [(a["indicator"], a["fy"]) for a in r.body["items"]]
        offset += 37
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen)


def _walk(api, path):
    """Every page of a list by its cursors: (items, the first page's count, pages)."""
    first = api.get(path).body
    items, count, pages, cursor = first["items"], first["count"], 1, first["next"]
    while cursor:
        body = api.get(f"{path}&cursor={cursor}").body
        assert body["count"] is None  # counting is what a cursor page saves
        items += body["items"]
        cursor, pages = body["next"], pages + 1
    return items, count, pages


@pytest.mark.parametrize(
    ("path", "limit", "key"),
    [
        ("/actuals?plan=creation-strategy-1", 7, lambda a: (a["indicator"], a["fy"])),
        ("/actuals?organization=hokkaido", 37, lambda a: (a["indicator"], a["fy"])),
        ("/indicators?organization=hokkaido", 23, lambda i: i["id"]),
    ],
)
def test_cursor_paging_reads_the_same_list_as_offsets(api, path, limit, key):
    by_cursor, count, pages = _walk(api, f"{path}&limit={limit}")
    by_offset = api.all(path)
    assert [key(x) for x in by_cursor] == [key(x) for x in by_offset]
    assert count == len(by_cursor) > limit and pages == -(-count // limit)


def test_a_cursor_holds_its_place_when_rows_are_added_before_it(api, tokens):
    from chiiki.indicators.models import Indicator

    first = api.get("/actuals?limit=40").body
    ahead = api.get(f"/actuals?limit=40&cursor={first['next']}").body["items"]
    # a new actual of the first indicator sorts before the cursor: an offset would shift by one
    indicator = Indicator.objects.get(pk=first["items"][0]["indicator"])
    fy = min(a.fy for a in indicator.actuals.all()) - 1
    Actual.objects.create(indicator=indicator, fy=fy, value=1)
    assert api.get(f"/actuals?limit=40&cursor={first['next']}").body["items"] == ahead
    assert api.get("/actuals?limit=40&offset=40").body["items"][0] == first["items"][-1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cursor=bm90LWpzb24", "cursor が読めません"),
        ("cursor=WzFd", "cursor が読めません"),  # a list of the wrong length
        ("cursor=WzEsMjAxOSwzXQ&offset=5", "cursor と offset は同時に指定できません"),
    ],
)
def test_a_wrong_cursor_is_a_located_problem(api, query, message):
    r = api.get(f"/actuals?{query}")
    assert r.status_code == 400 and message in r.body["message"]
    assert r.body["errors"][0]["loc"] == ["query", "cursor"]


def test_bad_query_parameters_get_a_located_problem(api):
    r = api.get("/actuals?limit=501")
    assert r.status_code == 422
    assert r.body["code"] == "invalid_request"
    assert r.body["errors"][0]["loc"][-1] == "limit"
    r = api.get("/actuals?fy=R5")
    assert r.status_code == 422 and r.body["errors"][0]["loc"][-1] == "fy"
    # Control characters never reach the database (PostgreSQL refuses NUL in text).
    r = api.get("/projects?region=%00")
    assert r.status_code == 422 and r.body["errors"][0]["loc"][-1] == "region"
    assert api.get("/indicators/999999").status_code == 404
    assert api.get("/indicators/999999").body["code"] == "not_found"


def test_an_unknown_token_is_refused_not_treated_as_anonymous(api):
    r = api.get("/projects", token="chiiki_not-a-real-token")
    assert r.status_code == 401 and r.body["code"] == "unauthorized"
    assert r["WWW-Authenticate"].startswith("Bearer")


def _draft_evaluation(personas):
    project = Project.objects.get(slug="tokachi-kankyo-senshin")
    return Evaluation.objects.create(
        project=project, fy=2021, analysis="下書き", internal_note="内部の連絡", version=1
    )


def test_unpublished_records_are_for_members_of_the_organization_only(api, personas, tokens):
    draft = _draft_evaluation(personas)
    published = Evaluation.objects.create(
        project=draft.project, fy=2020, analysis="公表分", status="published", version=1
    )
    public = {e["id"] for e in api.all("/evaluations")}
    assert published.pk in public and draft.pk not in public
    assert api.get(f"/evaluations/{draft.pk}").status_code == 404
    member = api.get(f"/evaluations/{draft.pk}", token=tokens["viewer"])
    assert member.status_code == 200 and member.body["internal_note"] == "内部の連絡"
    assert member["ETag"] == '"1"'
    anon = api.get(f"/evaluations/{published.pk}").body
    assert anon["internal_note"] is None and anon["analysis"] == ["公表分"]
    # Another prefecture's staff see Hokkaido's published records only.
    other = Organization.objects.create(code="020001", slug="aomori", name="青森県")
    bureau = Bureau.objects.first()
    assert bureau.organization_id != other.pk
    from tests.conftest import make_user

    aomori_user = make_user("aomori-hq", "hq_admin")
    aomori_user.membership.organization = other
    aomori_user.membership.save()
    from chiiki.accounts.tokens import issue

    _, key = issue(actor=aomori_user, name="aomori")
    assert api.get(f"/evaluations/{draft.pk}", token=key).status_code == 404
    seen = {e["id"] for e in api.all("/evaluations", token=key)}
    assert seen == public


def test_proposals_and_meetings_follow_the_same_rule(api, tokens):
    hidden = Proposal.objects.filter(published=False).count()
    everyone = api.all("/proposals")
    assert len(everyone) == Proposal.objects.filter(published=True).count()
    assert len(api.all("/proposals", token=tokens["viewer"])) == len(everyone) + hidden
    assert all(p["published"] for p in everyone)


def test_support_figures_match_the_published_report(api):
    rows = api.all("/support/figures?metric=staff")
    staff = {r["fy"]: Decimal(r["value"]) for r in rows}
    assert list(staff.values()) == [38, 38, 33, 32]
    assert api.all("/support/areas")


def test_me_says_who_a_token_acts_as(api, tokens):
    body = api.get("/me", token=tokens["tokachi_editor"]).body
    assert body == {
        "username": "tokachi-editor",
        "organization": "hokkaido",
        "role": "bureau_editor",
        "bureau": "tokachi",
        "department": "",
    }
    assert api.get("/me").body["username"] == ""


@pytest.mark.parametrize(
    "path",
    [
        "/indicators",
        "/actuals",
        "/projects",
        "/programs",
        "/evaluations",
        "/proposals",
        "/municipalities",
        "/support/areas",
    ],
)
def test_a_list_costs_the_same_queries_for_5_rows_as_for_500(api, tokens, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.get(path, token=tokens["viewer"])  # the token's first use writes last_used_at
    counts = []
    for limit in (5, 500):
        with CaptureQueriesContext(connection) as queries:
            r = api.get(f"{path}?limit={limit}", token=tokens["viewer"])
        assert r.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_list_is_counted_again_after_a_write(api, tokens):
    fertility = Indicator.objects.get(slug="total-fertility-rate")
    before = api.get("/actuals?limit=1").body["count"]
    assert api.get("/actuals?limit=1").body["count"] == before  # kept: no write in between
    r = api("PUT", f"/indicators/{fertility.pk}/actuals/2019", token=tokens["hq_planner"],
            body={"value": "1.3"}, headers={"If-None-Match": "*"})  # fmt: skip
    assert r.status_code == 200, r.body
    assert api.get("/actuals?limit=1").body["count"] == before + 1


def test_a_draft_editions_figures_are_not_served(api, personas):
    """Actuals have no manager that hides draft editions: the API's reads filter the plan's
    status (fictional figure on a draft copy of the R3 plan)."""
    from tests.test_authoring import copy_r3

    org = Organization.objects.get(slug="hokkaido")
    draft = copy_r3(personas["hq_planner"], org)
    indicator = Indicator.with_drafts.filter(project__plan=draft).order_by("pk").first()
    Actual.objects.create(indicator=indicator, fy=2024, value=Decimal("424242"))
    assert api.get(f"/indicators/{indicator.pk}/actuals/2024").status_code == 404
    listed = api.all("/actuals?fy=2024")
    assert all(a["indicator"] != indicator.pk for a in listed)
    assert api.get(f"/actuals?indicator={indicator.pk}").body["count"] == 0
