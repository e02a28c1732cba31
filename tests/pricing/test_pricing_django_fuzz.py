"""Generated requests against the merchant and buyer promotion endpoints, signed in as a merchant owner and
as a buyer (the suite-wide schemathesis test signs in as a platform admin, who is refused there early)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mallops.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex=r"^/api/v1/(merchant/(promotions|coupon-batches|price-suggestions)|buyer/(coupons|cart|promotions))"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes the database connection after each request (CONN_MAX_AGE 0); inside a test
    transaction that would close the test's connection on PostgreSQL. Django's test client does the same."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens() -> dict[str, str]:
    from mallops.testing.factories import make_merchant, token_for
    from mallops.testing.pricing import make_buyer, make_promotion

    merchant, owner = make_merchant()
    make_promotion(merchant, status="live")
    buyer = make_buyer("buyer-fuzz")
    return {"merchant": token_for(owner), "buyer": token_for(buyer)}


@pytest.mark.req("R2.3.1")
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_promotion_endpoints_never_answer_a_server_error(case, tokens):
    who = "buyer" if case.path.startswith("/api/v1/buyer/") else "merchant"
    response = case.call(headers={"Authorization": f"Bearer {tokens[who]}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), (
            response.status_code,
            response.text[:200],
        )
