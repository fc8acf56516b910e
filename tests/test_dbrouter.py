"""Which database each read goes to when a read replica is configured (chiiki.dbrouter). The
routing with a real streaming replica is tested in tests/deploy/test_scale_out.py."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from chiiki import dbrouter
from chiiki.dbrouter import PRIMARY, REPLICA, ReplicaRouteMiddleware, ReplicaRouter, public_read
from chiiki.plans.models import Region

factory = RequestFactory()


def test_which_requests_are_public_reads():
    assert public_read(factory.get("/regions/tokachi/"))  # a visitor
    assert public_read(factory.head("/"))
    assert not public_read(factory.post("/search/"))
    signed_in = factory.get("/regions/tokachi/")
    signed_in.COOKIES["sessionid"] = "x"
    assert not public_read(signed_in)  # staff read their own writes
    assert not public_read(factory.get("/api/v1/regions", HTTP_AUTHORIZATION="Bearer t"))
    exports = factory.get("/opendata/actuals.csv")
    exports.COOKIES["sessionid"] = "x"
    assert public_read(exports)  # exports and reports: everyone
    assert not public_read(factory.post("/reports/budgets/"))


def test_reads_follow_the_request_and_a_write_turns_the_rest_to_the_primary():
    router = ReplicaRouter()
    User = get_user_model()
    assert router.db_for_read(Region) == PRIMARY  # outside a request: the primary
    token = dbrouter._route.set(REPLICA)
    try:
        assert router.db_for_read(Region) == REPLICA
        assert router.db_for_read(User) == PRIMARY  # identity: always the primary
        assert router.db_for_write(Session) == PRIMARY
        assert router.db_for_read(Region) == REPLICA  # a session write is not the data's
        assert router.db_for_write(Region) == PRIMARY
        assert router.db_for_read(Region) == PRIMARY  # it reads its own write
    finally:
        dbrouter._route.reset(token)
    assert router.allow_migrate(PRIMARY, "plans") and not router.allow_migrate(REPLICA, "plans")


def test_a_streamed_file_is_read_in_its_requests_route():
    def chunks():
        yield dbrouter._route.get().encode()
        yield dbrouter._route.get().encode()

    streamed = ReplicaRouteMiddleware(lambda request: StreamingHttpResponse(chunks()))
    response = streamed(factory.get("/opendata/actuals.csv"))
    assert dbrouter._route.get() == PRIMARY  # the middleware has returned
    assert b"".join(response.streaming_content) == b"replicareplica"
    plain = ReplicaRouteMiddleware(lambda request: HttpResponse(dbrouter._route.get()))
    assert plain(factory.post("/search/")).content == b"default"
