"""Property-based API tests generated from our own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, without credentials and with a platform admin's
token; the API must never answer 5xx and every error must be problem+json.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from api_support import assert_problem_json, keep_the_test_connection  # noqa: F401 (autouse fixture)
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mallops.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) or os.environ.get(
    "MALLOPS_SCHEMATHESIS_FAST"
):
    # The coverage phase sends every boundary and negative value the schema defines (about 120 requests
    # per operation) and runs on the embedded default (SQLite). The PostgreSQL pass keeps the examples and
    # fuzzing phases; the values that behave differently on PostgreSQL (NUL, 64-bit overflow, lone
    # surrogates) are swept on both backends by test_api_hostile.py.
    schema.config.phases.coverage.enabled = False

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token() -> str:
    from mallops.testing.factories import make_staff, token_for

    return token_for(make_staff("platform_admin"))


@pytest.mark.req("R6.1.1")
@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case, admin_token):
    response = case.call(
        headers={"Authorization": f"Bearer {admin_token}", "Idempotency-Key": "schemathesis"}
    )
    case.validate_response(response, checks=[not_a_server_error])
    assert_problem_json(response)
