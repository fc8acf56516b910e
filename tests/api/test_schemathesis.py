"""The whole OpenAPI schema, fuzzed by schemathesis against the app in-process: every
operation, with and without a token, must answer without a server error and exactly as the
schema says (status codes, content types, response bodies)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from chiiki.accounts.tokens import issue
from chiiki.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The app is called through WSGI, not Django's test client, so do what the client does:
    keep the per-request connection closing from closing the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def hq_key(personas):
    return issue(actor=personas["hq_admin"], name="schemathesis")[1]


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_every_operation_anonymously(case):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_every_operation_with_an_hq_token(case, hq_key):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {hq_key}"})
