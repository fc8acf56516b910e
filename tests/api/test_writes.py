"""Writing through the API: tokens, the site's permission rules, If-Match, all-or-nothing bulk."""

import datetime as dt
import unicodedata

import pytest
from django.utils import timezone

from chiiki.accounts.models import ApiToken
from chiiki.accounts.tokens import digest, issue, revoke
from chiiki.audit.models import AuditEntry
from chiiki.evaluations.models import Evaluation
from chiiki.indicators.models import Actual, Indicator
from chiiki.plans.models import Program, ProgramBudget, Project
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CREATE = {"If-None-Match": "*"}


def match(version):
    return {"If-Match": f'"{version}"'}


@pytest.fixture
def tokachi_kpi():
    return Indicator.objects.get(slug="tokachi-kankyo-senshin-main-kpi")


@pytest.fixture
def fertility():
    return Indicator.objects.get(slug="total-fertility-rate")


def test_hq_records_a_bureaus_kpi_and_the_rate_comes_back(api, tokens, tokachi_kpi):
    path = f"/indicators/{tokachi_kpi.pk}/actuals/2021"
    r = api("PUT", path, token=tokens["hq_planner"], body={"value": "５"}, headers=CREATE)
    assert r.status_code == 200, r.body
    assert r.body["value"] == "5" and r.body["version"] == 1 and r["ETag"] == '"1"'
    stored = Actual.objects.get(indicator=tokachi_kpi, fy=2021)
    assert stored.value == 5 and stored.updated_by.username == "hq-planner"
    assert r.body["rate"] == (None if stored.rate is None else f"{stored.rate.normalize():f}")
    entry = AuditEntry.objects.get(action="indicator.actual.recorded")
    assert entry.actor.username == "hq-planner" and entry.new["value"] == "5"
    # GET gives the same ETag; a correction names it.
    assert api.get(path)["ETag"] == '"1"'
    r = api("PUT", path, token=tokens["hq_planner"], body={"value": "6"}, headers=match(1))
    assert r.status_code == 200 and r.body["version"] == 2


def test_the_same_permission_rules_as_the_site(api, tokens, tokachi_kpi, fertility):
    own = f"/indicators/{tokachi_kpi.pk}/actuals/2021"
    body = {"value": "5"}
    assert api("PUT", own, body=body, headers=CREATE).status_code == 401
    for persona in ["sorachi_editor", "viewer", "department"]:
        r = api("PUT", own, token=tokens[persona], body=body, headers=CREATE)
        assert r.status_code == 403, persona
        assert r.body["code"] == "forbidden" and (
            "権限" in r.body["message"] or "収集ラウンド" in r.body["message"]
        )
    # The bureau's own KPI too: bureaus enter their figures in a collection round.
    r = api("PUT", own, token=tokens["tokachi_editor"], body=body, headers=CREATE)
    assert r.status_code == 403 and "収集ラウンド" in r.body["message"]
    # A strategy KPI has no lead bureau: HQ only.
    hq_only = f"/indicators/{fertility.pk}/actuals/2019"
    r = api("PUT", hq_only, token=tokens["tokachi_editor"], body=body, headers=CREATE)
    assert r.status_code == 403
    assert not Actual.objects.filter(indicator=tokachi_kpi).exists()
    assert not AuditEntry.objects.exclude(action__in=["token.issued", "dataset.loaded"]).exists()


def test_a_stale_or_missing_precondition_changes_nothing(api, tokens, fertility):
    path = f"/indicators/{fertility.pk}/actuals/2015"
    before = Actual.objects.get(indicator=fertility, fy=2015)
    hq = tokens["hq_planner"]
    r = api("PUT", path, token=hq, body={"value": "1.4"})
    assert r.status_code == 428 and r.body["code"] == "precondition_required"
    r = api("PUT", path, token=hq, body={"value": "1.4"}, headers=match(before.version + 5))
    assert r.status_code == 412 and r.body["code"] == "precondition_failed"
    # names the current value as the site writes it (1.31, not the stored 1.310000)
    assert "現在の値: 1.31）" in r.body["message"] and "1.310000" not in r.body["message"]
    r = api("PUT", path, token=hq, body={"value": "1.4"}, headers=CREATE)
    assert r.status_code == 412  # the year exists: If-None-Match: * must not overwrite it
    r = api("PUT", path, token=hq, body={"value": "1.4"}, headers={"If-Match": "*"})
    assert r.status_code == 412
    after = Actual.objects.get(indicator=fertility, fy=2015)
    assert (after.value, after.version) == (before.value, before.version)
    assert not AuditEntry.objects.exclude(action__in=["token.issued", "dataset.loaded"]).exists()


def test_bad_values_are_located_and_computed_fields_are_not_accepted(api, tokens, fertility):
    path = f"/indicators/{fertility.pk}/actuals/2019"
    hq = tokens["hq_planner"]
    r = api("PUT", path, token=hq, body={"value": "1,2３"}, headers=CREATE)
    assert r.status_code == 400 and r.body["errors"][0]["loc"] == ["body", "value"]
    assert r.body["code"] == "invalid" and r.body["errors"][0]["code"] == "number.mixed_widths"
    r = api("PUT", path, token=hq, body={"value": "1.2", "rate": "100"}, headers=CREATE)
    assert r.status_code == 422 and r.body["errors"][0]["loc"][-1] == "rate"
    r = api("PUT", path, token=hq, body={"value": "1.2", "grade": "A①"}, headers=CREATE)
    assert r.status_code == 422
    r = api("PUT", path, token=hq, body={"value": "1\x002"}, headers=CREATE)
    assert r.status_code == 422 and "NUL" in r.body["errors"][0]["message"]
    future = timezone.localdate().year + 2
    r = api("PUT", f"/indicators/{fertility.pk}/actuals/{future}", token=hq,
            body={"value": "1.2"}, headers=CREATE)  # fmt: skip
    assert r.status_code == 400 and r.body["errors"][0]["loc"] == ["body", "fy"]
    assert not Actual.objects.filter(indicator=fertility, fy__in=[2019, future]).exists()


def test_an_english_client_gets_the_code_and_an_english_message_only(api, tokens, fertility):
    r = api("PUT", f"/indicators/{fertility.pk}/actuals/2019", token=tokens["hq_planner"],
            body={"value": "12a"}, headers={**CREATE, "Accept-Language": "en"})  # fmt: skip
    assert r.status_code == 400
    error = r.body["errors"][0]
    assert error["code"] == "number.trailing_text"
    assert error["message"].startswith("unexpected text “a” after the number")
    assert "(character 3)" in error["message"]
    assert not any(unicodedata.east_asian_width(ch) in "WF" for ch in error["message"])


def test_errors_follow_accept_language(api, tokens, tokachi_kpi):
    path = f"/indicators/{tokachi_kpi.pk}/actuals/2021"
    r = api("PUT", path, token=tokens["viewer"], body={"value": "5"},
            headers={**CREATE, "Accept-Language": "en"})  # fmt: skip
    assert r.status_code == 403
    assert "permission" in r.body["message"].lower()
    assert r["Content-Language"] == "en"


def test_bulk_entry_is_all_or_nothing_with_each_row_located(api, tokens, fertility):
    hq = tokens["hq_planner"]
    ids = list(Indicator.objects.filter(project__plan__slug="creation-strategy-1")
               .order_by("pk").values_list("pk", flat=True)[:3])  # fmt: skip
    existing = {
        a.indicator_id: a.version for a in Actual.objects.filter(indicator_id__in=ids, fy=2019)
    }
    entries = [{"indicator": i, "value": "1", "version": existing.get(i, 0)} for i in ids]
    stale = dict(entries[1], version=entries[1]["version"] + 3)
    r = api("POST", "/actuals/bulk", token=hq,
            body={"fy": 2019, "entries": [entries[0], stale, entries[2]]})  # fmt: skip
    assert r.status_code == 412, r.body
    assert [e["loc"] for e in r.body["errors"]] == [["body", "entries", 1]]
    assert Actual.objects.filter(indicator_id__in=ids, fy=2019).count() == len(existing)
    assert not AuditEntry.objects.exclude(action__in=["token.issued", "dataset.loaded"]).exists()
    dup = api("POST", "/actuals/bulk", token=hq, body={"fy": 2019, "entries": [entries[0]] * 2})
    assert dup.status_code == 400 and dup.body["errors"][0]["loc"][:3] == ["body", "entries", 1]
    r = api("POST", "/actuals/bulk", token=hq, body={"fy": 2019, "entries": entries})
    assert r.status_code == 200, r.body
    assert [a["indicator"] for a in r.body["saved"]] == ids
    assert AuditEntry.objects.filter(action__startswith="indicator.").count() == 3


def test_bulk_entry_refuses_a_bureau_token_with_403(api, tokens, tokachi_kpi, fertility):
    r = api("POST", "/actuals/bulk", token=tokens["tokachi_editor"],
            body={"fy": 2021, "entries": [{"indicator": tokachi_kpi.pk, "value": "3", "version": 0},
                                          {"indicator": fertility.pk, "value": "1.3", "version": 0}]})  # fmt: skip
    assert r.status_code == 403
    assert [(e["loc"], e["code"]) for e in r.body["errors"]] == [
        (["body", "entries", 0], "forbidden"),
        (["body", "entries", 1], "forbidden"),
    ]
    assert not Actual.objects.filter(fy=2021, indicator__in=[tokachi_kpi, fertility]).exists()


def test_bulk_entry_gives_each_unreadable_value_its_code(api, tokens, fertility):
    r = api("POST", "/actuals/bulk", token=tokens["hq_planner"],
            body={"fy": 2019, "entries": [{"indicator": fertility.pk, "value": "1,23",
                                           "version": 0}]})  # fmt: skip
    assert r.status_code == 400
    assert [(e["loc"], e["code"]) for e in r.body["errors"]] == [
        (["body", "entries", 0], "number.comma_grouping")
    ]


def test_budgets_are_published_by_hq(api, tokens):
    program = Program.objects.get(name__startswith="日本遺産「炭鉄港」")
    path = f"/programs/{program.pk}/budgets/2021"
    etag = api.get(path)["ETag"]
    assert etag == '"0"'
    r = api("PUT", path, token=tokens["tokachi_editor"], body={"amount": "6,000"},
            headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 403
    r = api("PUT", path, token=tokens["sorachi_editor"], body={"amount": "6,000"},
            headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 403  # the bureau running it enters it in a collection round
    r = api("PUT", path, token=tokens["hq_planner"], body={"amount": "6,000"},
            headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 200 and r.body["amount_thousand_yen"] == 6000
    assert ProgramBudget.objects.get(program=program, fy=2021).amount_thousand_yen == 6000
    r = api("PUT", path, token=tokens["hq_planner"], body={"amount": "7000"},
            headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 412
    assert ProgramBudget.objects.get(program=program, fy=2021).amount_thousand_yen == 6000


def test_the_evaluation_workflow_and_its_lock(api, tokens, tokachi_kpi):
    project = Project.objects.get(slug="tokachi-kankyo-senshin")
    path = f"/projects/{project.pk}/evaluations/2021"
    editor, hq = tokens["tokachi_editor"], tokens["hq_admin"]
    body = {"analysis": "ゼロカーボンの取組が進んだ。\n人材の確保が課題。", "internal_note": "メモ"}
    r = api("PUT", path, token=editor, body=body, headers=CREATE)
    assert (
        r.status_code == 200 and r.body["status"] == "draft" and r.body["internal_note"] == "メモ"
    )
    ev = r.body["id"]
    r = api("POST", f"/evaluations/{ev}/submit", token=editor, headers=match(r.body["version"]))
    assert r.status_code == 200, r.body
    assert r.body["status"] == "submitted"
    version = r.body["version"]
    r = api("POST", f"/evaluations/{ev}/approve", token=editor, headers=match(version))
    assert r.status_code == 403
    r = api("POST", f"/evaluations/{ev}/return", token=hq, headers=match(version))
    assert r.status_code == 400 and r.body["code"] == "invalid_request"  # needs a reason
    r = api(
        "POST", f"/evaluations/{ev}/return", token=hq, headers=match(version), body={"reason": " "}
    )
    assert r.status_code == 400 and r.body["errors"][0]["loc"] == ["body", "reason"]
    r = api("POST", f"/evaluations/{ev}/approve", token=hq, headers=match(version))
    assert r.body["status"] == "approved"
    r = api("POST", f"/evaluations/{ev}/approve", token=hq, headers=match(r.body["version"]))
    assert r.status_code == 409 and r.body["code"] == "conflict"
    r = api(
        "POST",
        f"/evaluations/{ev}/publish",
        token=hq,
        headers=match(r.body.get("version", version + 1)),
    )
    assert r.status_code == 200 and r.body["status"] == "published"
    assert Evaluation.objects.get(pk=ev).status == "published"
    # The FY is now locked for actuals, through the API as on the site.
    r = api("PUT", f"/indicators/{tokachi_kpi.pk}/actuals/2021", token=hq,
            body={"value": "5"}, headers=CREATE)  # fmt: skip
    assert r.status_code == 400 and "公表済み" in r.body["message"]
    assert api("POST", f"/evaluations/{ev}/nonsense", token=hq, headers=match(1)).status_code == 404


def test_proposals_from_draft_to_routing(api, tokens):
    sorachi, hq = tokens["sorachi_editor"], tokens["hq_planner"]
    r = api("POST", "/proposals", token=sorachi,
            body={"fy": 2024, "title": "<b>炭鉄港</b>の広域連携の強化", "bureaus": ["ishikari"]})  # fmt: skip
    assert r.status_code == 201, r.body
    assert r.body["title"] == "炭鉄港の広域連携の強化"  # markup removed
    assert r.body["bureaus"][0] == "sorachi" and "ishikari" in r.body["bureaus"]
    assert r.body["status"] == "draft" and r.body["published"] is False
    pk, version = r.body["id"], r.body["version"]
    assert api.get(f"/proposals/{pk}").status_code == 404  # not public yet
    r = api(
        "POST", "/proposals", token=sorachi, body={"fy": 2024, "title": "x", "bureaus": ["nowhere"]}
    )
    assert r.status_code == 400 and r.body["errors"][0]["loc"] == ["body", "bureaus"]
    r = api(
        "POST",
        f"/proposals/{pk}/route",
        token=hq,
        body={"departments": ["x"]},
        headers=match(version),
    )
    assert r.status_code == 400  # no such department
    r = api("POST", f"/proposals/{pk}/submit", token=sorachi, headers=match(version))
    assert r.status_code == 200 and r.body["status"] == "submitted"
    r = api("PUT", f"/proposals/{pk}", token=sorachi, headers=match(r.body["version"]),
            body={"fy": 2024, "title": "変更"})  # fmt: skip
    assert r.status_code == 403  # submitted: HQ's now
    r = api("POST", f"/proposals/{pk}/publish", token=sorachi, headers=match(2))
    assert r.status_code == 403


def test_meetings_are_recorded_by_their_bureau(api, tokens):
    from chiiki.plans.models import Bureau

    tokachi = Bureau.objects.get(slug="tokachi")
    body = {
        "title": "十勝地域づくり連携会議",
        "held_on": "2024-07-10",
        "municipalities": ["016373"],
    }
    r = api("POST", f"/bureaus/{tokachi.pk}/meetings", token=tokens["sorachi_editor"], body=body)
    assert r.status_code == 403
    r = api("POST", f"/bureaus/{tokachi.pk}/meetings", token=tokens["tokachi_editor"], body=body)
    assert r.status_code == 201, r.body
    assert r.body["municipalities"] == ["016373"] and r.body["published"] is False
    pk, etag = r.body["id"], r["ETag"]
    r = api(
        "PUT", f"/meetings/{pk}", token=tokens["tokachi_editor"], body=dict(body, published=True)
    )
    assert r.status_code == 428
    r = api("PUT", f"/meetings/{pk}", token=tokens["tokachi_editor"], body=dict(body, published=True),
            headers={"If-Match": etag})  # fmt: skip
    assert r.status_code == 200 and r.body["published"] is True
    assert api.get(f"/meetings/{pk}").status_code == 200


def test_tokens_are_hashed_shown_once_and_revocable(api, personas):
    token, key = issue(actor=personas["tokachi_editor"], name="統計システム連携")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == digest(key) != key and key.startswith(stored.prefix)
    assert not ApiToken.objects.filter(digest__contains=key[10:]).exists()
    assert api.get("/me", token=key).body["username"] == "tokachi-editor"
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    revoke(actor=personas["tokachi_editor"], token_id=token.pk)
    assert api.get("/me", token=key).status_code == 401
    assert AuditEntry.objects.filter(action__in=["token.issued", "token.revoked"]).count() == 2


def test_a_deactivated_user_s_token_stops_working(api, personas):
    user = make_user("leaver", "hq_planner")
    _, key = issue(actor=user, name="x")
    user.is_active = False
    user.save()
    assert api.get("/me", token=key).status_code == 401


def test_tokens_page_creates_shows_once_and_revokes(client, personas):
    from tests.conftest import PASSWORD

    client.login(username="tokachi-editor", password=PASSWORD)
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    r = client.post("/account/tokens/", {"name": "統計システム連携"})
    assert r.status_code == 200
    key = r.context["new_key"]
    assert key.startswith("chiiki_") and key in r.content.decode()
    # Shown once: the list never shows it again.
    again = client.get("/account/tokens/").content.decode()
    assert key not in again and "統計システム連携" in again
    token = ApiToken.objects.get(user__username="tokachi-editor")
    r = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert r.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    # Someone else's token cannot be revoked.
    other, _ = issue(actor=personas["hq_admin"], name="hq")
    assert client.post(f"/account/tokens/{other.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
    client.logout()
    assert client.get("/account/tokens/").status_code == 302


def test_last_used_is_written_at_most_every_few_minutes(
    api, personas, django_assert_max_num_queries
):
    token, key = issue(actor=personas["viewer"], name="x")
    api.get("/me", token=key)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    api.get("/me", token=key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=10))
    api.get("/me", token=key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - dt.timedelta(minutes=10)


def test_request_errors_are_located_once_and_worded_in_the_readers_language(api, tokens, fertility):
    path = f"/indicators/{fertility.pk}/actuals/2019"
    hq = tokens["hq_planner"]
    r = api("PUT", path, token=hq, body={}, headers=CREATE)
    assert r.status_code == 422
    (error,) = r.body["errors"]
    assert error["loc"] == ["body", "value"]  # not ["body", "body", "value"]
    assert error["message"] == "必須の項目です"
    r = api("PUT", path, token=hq, body={}, headers={**CREATE, "Accept-Language": "en"})
    assert r.body["errors"][0]["message"] == "Required"
    r = api("GET", "/indicators?limit=9999", headers={"Accept-Language": "ja"})
    assert r.body["errors"][0]["message"] == "500以下で指定してください"


def test_settlements_and_the_unit_cost_through_the_api(api, tokens):
    # fictional figures for 十勝's program (seed: R3 budget 1,395千円), as in test_settlements
    program = Program.objects.get(slug="tokachi-jinzai")
    path = f"/programs/{program.pk}/settlements/2021"
    assert api.get(path).status_code == 404
    body = {"settled": "１，２８８", "revised_budget": "1,395", "note": "会場費が不要となった",
            "national_funds": "644", "bond_funds": "0", "other_funds": "0",
            "general_funds": "600", "staff_years": "0.3"}  # fmt: skip
    r = api("PUT", path, token=tokens["tokachi_editor"], body=body, headers=CREATE)
    assert r.status_code == 403
    r = api("PUT", path, token=tokens["hq_planner"], body=body, headers=CREATE)
    assert r.status_code == 400 and r.body["errors"][0]["loc"] == ["body", "funding"]
    assert r.body["errors"][0]["code"] == "funding.mismatch"
    body["general_funds"] = "644"
    r = api("PUT", path, token=tokens["hq_planner"], body=body, headers=CREATE)
    assert r.status_code == 200, r.body
    assert r.body["settled_thousand_yen"] == 1288 and r.body["unspent_thousand_yen"] == 107
    assert r.body["initial_budget_thousand_yen"] == 1395 and r.body["staff_years"] == "0.3"
    assert r.body["funding"] == {"national": 644, "bonds": 0, "other": 0, "general": 644}
    assert r.body["full_cost_thousand_yen"] is None  # no unit cost for R3 yet
    r = api("PUT", "/staff-unit-costs/2021", token=tokens["tokachi_editor"],
            body={"amount": "8,600"}, headers=CREATE)  # fmt: skip
    assert r.status_code == 403
    r = api("PUT", "/staff-unit-costs/2021", token=tokens["hq_planner"],
            body={"amount": "8,600"}, headers=CREATE)  # fmt: skip
    assert r.status_code == 200 and r.body == {"fy": 2021, "thousand_yen": 8600, "version": 1}
    r = api.get(path)
    assert r["ETag"] == '"1"'
    assert (r.body["staff_cost_thousand_yen"], r.body["full_cost_thousand_yen"]) == (2580, 3868)
    listed = api.get("/settlements?organization=hokkaido&fy=2021").body
    assert [row["full_cost_thousand_yen"] for row in listed["items"]] == [3868]
    r = api("PUT", path, token=tokens["hq_planner"], body=body, headers=match(0))
    assert r.status_code == 412  # the version moved on
    assert api.get("/staff-unit-costs?organization=hokkaido").body["items"][0]["fy"] == 2021


def test_program_reviews_through_the_evaluation_api(api, tokens):
    from tests.test_program_reviews import REVIEW

    project = Project.objects.get(slug="tokachi-tayona-jinzai")
    program = Program.objects.get(slug="tokachi-jinzai")
    path = f"/projects/{project.pk}/evaluations/2021"
    body = {"analysis": "課題を共有した。", "program_reviews": [{"program": program.pk, **REVIEW}]}
    r = api("PUT", path, token=tokens["tokachi_editor"], body=body,
            headers={"If-None-Match": "*"})  # fmt: skip
    assert r.status_code == 200, r.body
    assert r.body["program_reviews"] == [{"program": program.pk, **REVIEW}]
    bad = {**body, "program_reviews": [{"program": program.pk, **REVIEW, "direction": "x"}]}
    r = api("PUT", path, token=tokens["tokachi_editor"], body=bad,
            headers={"If-Match": '"1"'})  # fmt: skip
    assert r.status_code == 400
    assert r.body["errors"][0]["loc"][:2] == ["body", "program_reviews"]
