"""Two workers sweeping at the same time handle each breached ticket exactly once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from service_helpers import make_agent, make_buyer, sh

from mallops.accounts.actors import actor_of
from mallops.core.sweeps import registered, run_sweeper
from mallops.service import services
from mallops.service.models import ServiceTask, TicketEvent
from mallops.testing.factories import make_staff


@pytest.mark.req("R5.1.2")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_rows")
def test_parallel_breach_sweeps_escalate_each_ticket_once():
    agent = make_agent("service")
    make_staff("cs_supervisor")
    buyer = make_buyer()
    tickets = [
        services.ticket_create(
            actor=actor_of(agent),
            buyer_id=buyer.pk,
            subject="问题",
            description="描述",
            category="service",
            now=sh(2026, 3, 2, 10, 0),
        )
        for _ in range(12)
    ]
    sweeper = registered()["service.sla_breach"]
    barrier = threading.Barrier(2)
    handled: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            handled.append(run_sweeper(sweeper, sh(2026, 3, 5, 12, 0)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(handled) == len(tickets)
    for ticket in tickets:
        assert ServiceTask.objects.filter(ticket=ticket, kind="escalation").count() == 1
        assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").count() == 2
