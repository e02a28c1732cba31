"""Stateful schemathesis runs over the whole API, as each kind of caller (issue 13's security suite).

Schemathesis infers links between operations from our OpenAPI document (an id a POST returns feeds the
GET/PATCH/POST of that resource), then hypothesis drives bounded sequences of calls. Each caller is a
real account of this test database: a platform admin, a merchant owner and a buyer, so requests cross
the tenancy and role checks the way an attacker's would. The API must never answer 5xx, every error
must be problem+json, and no response may carry another store's or buyer's rows (the tenancy walk in
tests/tenancy proves the last in depth; here it is the no-5xx and shape property over long sequences).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from api_support import assert_problem_json, keep_the_test_connection  # noqa: F401 (autouse fixture)
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mallops.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db

# Bounded: make test must stay quick (issue 13 asks for a bounded stateful run in every make test).
STEPS = 8
EXAMPLES = 12


def _token(who: str) -> str:
    from mallops.testing.factories import make_merchant, make_staff, token_for
    from mallops.testing.orders import make_buyer

    if who == "admin":
        return token_for(make_staff("platform_admin"))
    if who == "merchant":
        return token_for(make_merchant()[1])
    return token_for(make_buyer())


@pytest.mark.req("R6.2.1")
@pytest.mark.parametrize("who", ["admin", "merchant", "buyer"])
def test_stateful_sequences_never_answer_a_server_error(who: str) -> None:
    token = _token(who)
    counter = iter(range(10**9))

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {
                "headers": {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": f"stateful-{next(counter)}",
                }
            }

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=[not_a_server_error])
            assert_problem_json(response)

    Machine.run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
