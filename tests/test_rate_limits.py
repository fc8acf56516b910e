"""Rate limits shared by every server process: the API per token and per address, failed
sign-ins per address. A refusal is 429 with Retry-After, in the API's problem shape."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from chiiki.accounts.ratelimit import hit, peek
from chiiki.accounts.tokens import issue
from chiiki.core.rates import parse_rate
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.rate_limits]


def test_rates_are_read_as_written():
    assert parse_rate("600/min") == (600, 60)
    assert parse_rate("50/15min") == (50, 900)
    assert parse_rate("10/s") == (10, 1)
    for bad in ("600", "0/min", "10/fortnight", "ten/min"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_counts_are_kept_per_window_in_the_shared_cache():
    assert caches["ratelimit"].__class__.__name__ == "DatabaseCache"
    now = 1_000_000.0 * 60  # the start of a window
    for _ in range(3):
        assert hit("t", "a", "3/min", now=now).allowed
    refused = hit("t", "a", "3/min", now=now + 20)
    assert not refused.allowed and refused.retry_after == 40
    assert not peek("t", "a", "3/min", now=now + 30).allowed
    assert hit("t", "b", "3/min", now=now).allowed  # another key
    assert hit("t", "a", "3/min", now=now + 60).allowed  # the next window


def test_anonymous_api_calls_are_limited_per_address(client, settings):
    settings.CHIIKI_API_RATE_ADDRESS = "5/min"
    for _ in range(5):
        assert client.get("/api/v1/regions", REMOTE_ADDR="203.0.113.1").status_code == 200
    refused = client.get("/api/v1/regions", REMOTE_ADDR="203.0.113.1")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["code"] == "too_many_requests" and "秒" in body["message"]
    # another address is counted on its own
    assert client.get("/api/v1/regions", REMOTE_ADDR="203.0.113.2").status_code == 200


def test_calls_with_a_token_are_limited_per_user(client, settings, personas):
    settings.CHIIKI_API_RATE_TOKEN = "3/min"
    settings.CHIIKI_API_RATE_ADDRESS = "1/min"  # does not apply to calls with a token
    key = issue(actor=personas["viewer"], name="t")[1]
    second = issue(actor=personas["viewer"], name="u")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for _ in range(3):
        assert client.get("/api/v1/me", **auth).status_code == 200
    assert client.get("/api/v1/me", **auth).status_code == 429
    # the same user's other token shares the count; another user has their own
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 429
    other = issue(actor=personas["hq_admin"], name="v")[1]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


def test_the_429_is_in_english_for_english_clients(client, settings):
    settings.CHIIKI_API_RATE_ADDRESS = "1/min"
    client.get("/api/v1/regions")
    refused = client.get("/api/v1/regions", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and "Too many requests" in refused.json()["message"]


def test_failed_sign_ins_are_limited_per_address_across_accounts(client, settings, personas):
    """Guessing one password for many accounts from one address (password spraying)."""
    settings.CHIIKI_LOGIN_RATE_ADDRESS = "4/15min"
    names = ["viewer", "hq-admin", "hq-planner", "tokachi-editor"]
    for name in names:  # one failure each: no account is locked
        r = client.post(
            "/accounts/login/", {"username": name, "password": "x"}, REMOTE_ADDR="198.51.100.7"
        )
        assert r.status_code == 200
    r = client.post(
        "/accounts/login/", {"username": "viewer", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert r.status_code == 429 and "接続元" in r.content.decode()
    assert "_auth_user_id" not in client.session
    # the right password from another address still signs in
    r = client.post(
        "/accounts/login/", {"username": "viewer", "password": PASSWORD}, REMOTE_ADDR="198.51.100.8"
    )
    assert "_auth_user_id" in client.session


def test_successful_sign_ins_do_not_count_against_the_address(client, settings, personas):
    """An office behind one address signs in all morning without tripping the limit."""
    settings.CHIIKI_LOGIN_RATE_ADDRESS = "2/15min"
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": "viewer", "password": PASSWORD},
            REMOTE_ADDR="192.0.2.9",
        )
        assert "_auth_user_id" in client.session
        client.logout()
