"""The schemathesis pass of test_api_schemathesis.py, under the roles that reach the merchant and buyer
operations (as a platform admin those stop at their 403): generated requests, valid and invalid, with a
merchant owner's and a buyer's token; never a 5xx, every error problem+json (session 8 attack: the admin
pass never got past the permission check of the shipping rule or the birthday).

Examples and fuzzing only (the coverage phase's boundary sweep runs in the admin pass and in
test_api_hostile.py), three examples per operation: lean on purpose."""

from __future__ import annotations

import pytest
import schemathesis
from api_support import assert_problem_json, keep_the_test_connection  # noqa: F401 (autouse fixture)
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mallops.wsgi import application

_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
_schema.config.phases.coverage.enabled = False
merchant_schema = _schema.include(path_regex=r"^/api/v1/merchant/")
buyer_schema = _schema.include(path_regex=r"^/api/v1/(me(/|$)|membership/me|orders(/|$)|aftersales(/|$))")

pytestmark = pytest.mark.django_db


def _problem_or_success(case, response) -> None:
    case.validate_response(response, checks=[not_a_server_error])
    assert_problem_json(response)


@pytest.fixture
def merchant_token() -> str:
    from mallops.testing.factories import make_merchant, token_for

    _merchant, owner = make_merchant()
    return token_for(owner)


@pytest.fixture
def buyer_token() -> str:
    from mallops.testing.factories import token_for
    from mallops.testing.orders import make_buyer

    return token_for(make_buyer())


@merchant_schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_merchant_operation_answers_a_server_error(case, merchant_token):
    response = case.call(
        headers={"Authorization": f"Bearer {merchant_token}", "Idempotency-Key": "st-merchant"}
    )
    _problem_or_success(case, response)


@buyer_schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_buyer_operation_answers_a_server_error(case, buyer_token):
    response = case.call(headers={"Authorization": f"Bearer {buyer_token}", "Idempotency-Key": "st-buyer"})
    _problem_or_success(case, response)
