"""Properties of ticket clocks through the service layer (pauses never bring a deadline forward)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import make_agent, make_buyer, sh

from mallops.accounts.actors import actor_of
from mallops.service import services
from mallops.service.models import Ticket

pytestmark = pytest.mark.django_db

START = sh(2026, 9, 28, 8, 0)  # the week before National Day


@pytest.mark.req("R5.1.2")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    created=st.integers(min_value=0, max_value=6 * 24 * 60),
    pause_after=st.integers(min_value=1, max_value=3 * 24 * 60),
    pause_for=st.integers(min_value=1, max_value=10 * 24 * 60),
    category=st.sampled_from(["service", "technical", "complaint"]),
)
def test_a_pause_moves_deadlines_later_by_at_most_its_length_in_calendar_time(
    created, pause_after, pause_for, category
):
    agent = make_agent(category)
    buyer = make_buyer()
    at = START + timedelta(minutes=created)
    ticket = services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="问题",
        description="描述",
        category=category,
        now=at,
    )
    before = (ticket.first_response_due_at, ticket.resolution_due_at)
    paused = at + timedelta(minutes=pause_after)
    resumed = paused + timedelta(minutes=pause_for)
    services.ticket_pause(actor=actor_of(agent), ticket_id=ticket.pk, now=paused)
    services.ticket_resume(actor=actor_of(agent), ticket_id=ticket.pk, now=resumed)
    ticket = Ticket.objects.unscoped(reason="test").get(pk=ticket.pk)
    for old, new in zip(before, (ticket.first_response_due_at, ticket.resolution_due_at), strict=True):
        assert new >= old
        if old <= paused:
            assert new == old  # the clock had run out before the pause began
        else:
            assert new > resumed or new == old + (resumed - paused)
    # the resolution clock counts calendar time: it moves by exactly the paused time it overlapped
    if before[1] > paused:
        assert ticket.resolution_due_at == before[1] + (resumed - paused)
