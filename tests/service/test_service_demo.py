"""Demo data: tickets in every state, idempotent."""

from __future__ import annotations

import random

import pytest
from service_helpers import make_buyer

from mallops.service import demo
from mallops.service.models import ReplyTemplate, Ticket, TicketRating
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent(monkeypatch):
    make_staff("cs_agent", username="cs-agent")
    make_staff("cs_supervisor", username="cs-supervisor")
    for _ in range(10):
        make_buyer()
    monkeypatch.setattr(demo, "TICKETS", 40)
    lines: list[str] = []
    demo.load(lines=lines, rng=random.Random(7))
    tickets = Ticket.objects.unscoped(reason="test")
    assert tickets.count() == 40
    statuses = set(tickets.values_list("status", flat=True))
    assert {"closed", "resolved"} & statuses and {"open", "new", "waiting_customer"} & statuses
    assert TicketRating.objects.exists()
    assert ReplyTemplate.objects.count() == len(demo.LIBRARY)
    demo.load(lines=lines, rng=random.Random(7))
    assert tickets.count() == 40
    assert "already present" in lines[-1]
