"""Property: automatic routing never hands a procedure ticket to an agent who is not trained on the
procedure's current version, and holds it for the supervisor exactly when nobody available is (R5.1.5)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import make_agent, make_buyer, make_procedure, train

from mallops.accounts.actors import actor_of
from mallops.service import procedures, services
from mallops.service.models import AgentProfile, Procedure, TrainingRecord
from mallops.testing.factories import make_member, make_merchant

pytestmark = pytest.mark.django_db

TRAINING = ["none", "failed_current", "passed_old_only", "passed_current"]
agent_spec = st.tuples(
    st.booleans(),  # works for the store (else platform)
    st.booleans(),  # available
    st.sampled_from(TRAINING),
)


def _procedure() -> Procedure:
    existing = Procedure.objects.filter(code="returns").first()
    if existing is not None:
        return existing
    proc = make_procedure()
    procedures.procedure_version_create(
        actor=actor_of(proc.owner), code="returns", steps=[{"title": "第二版步骤"}], publish=True
    )
    return proc


@pytest.mark.req("R5.1.5")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(agents=st.lists(agent_spec, max_size=5), store_matter=st.booleans())
def test_routing_only_picks_agents_trained_on_the_current_version(agents, store_matter):
    proc = _procedure()
    AgentProfile.objects.update(is_available=False)  # agents of earlier examples are out of the game
    merchant, _ = make_merchant()
    trained_ids: set[int] = set()
    available: dict[int, bool] = {}
    store_of: dict[int, bool] = {}
    for for_store, is_available, training in agents:
        if for_store:
            user = make_member(merchant, "merchant_cs").user
            make_agent("return", user=user, merchant=merchant, is_available=is_available)
        else:
            user = make_agent("return", is_available=is_available)
        if training == "failed_current":
            train(user, proc, score=10)
        elif training == "passed_old_only":
            # passed before version 2 replaced version 1 (a retired version takes no new records)
            TrainingRecord.objects.create(
                user=user,
                version=proc.versions.get(number=1),
                completed_at=timezone.now(),
                score=95,
                passed=True,
                recorded_at=timezone.now(),
            )
        elif training == "passed_current":
            train(user, proc)
            trained_ids.add(user.pk)
        available[user.pk] = is_available
        store_of[user.pk] = for_store
    ticket = services.ticket_create(
        actor=actor_of(make_buyer()),
        subject="退货",
        description="想退货",
        channel="app",
        category="return",
        merchant_id=merchant.pk if store_matter else None,
    )
    eligible = {u for u in trained_ids if available[u] and (store_matter or not store_of[u])}
    if eligible:
        assert ticket.assignee_id in eligible
        store_eligible = {u for u in eligible if store_of[u]}
        if store_matter and store_eligible:
            assert ticket.assignee_id in store_eligible  # the store's trained agents come first
        assert ticket.routing_hold_reason == ""
    else:
        assert ticket.assignee_id is None
        anyone = any(available[u] and (store_matter or not store_of[u]) for u in available)
        assert bool(ticket.routing_hold_reason) == anyone
