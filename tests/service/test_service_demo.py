"""Demo data: tickets in every state, standard procedures with owners and training, idempotent."""

from __future__ import annotations

import random

import pytest
from service_helpers import make_buyer

from mallops.audit.models import AuditEvent
from mallops.service import demo
from mallops.service.models import (
    AgentProfile,
    Procedure,
    ReplyTemplate,
    Ticket,
    TicketRating,
    TicketStep,
    TrainingRecord,
)
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.req("R5.1.5")
def test_demo_load_is_idempotent(monkeypatch):
    make_staff("cs_agent", username="cs-agent")
    supervisor = make_staff("cs_supervisor", username="cs-supervisor")
    for _ in range(10):
        make_buyer()
    monkeypatch.setattr(demo, "TICKETS", 60)
    lines: list[str] = []
    demo.load(lines=lines, rng=random.Random(3))
    tickets = Ticket.objects.unscoped(reason="test")
    assert tickets.count() == 60
    statuses = set(tickets.values_list("status", flat=True))
    assert {"closed", "resolved"} & statuses and {"open", "new", "waiting_customer"} & statuses
    assert TicketRating.objects.exists()
    assert ReplyTemplate.objects.count() == len(demo.LIBRARY)
    # profiles and replies come through the services a fresh install uses (audited as the supervisor)
    made = AuditEvent.objects.filter(actor_id=supervisor.pk)
    assert made.filter(action="service.reply_template_created").count() == len(demo.LIBRARY)
    assert made.filter(action="service.agent_profile_created").count() == AgentProfile.objects.count() == 2
    # the three standard procedures, owned by the supervisor, agents trained on them
    assert sorted(Procedure.objects.values_list("code", "owner_id")) == [
        ("complaints", supervisor.pk),
        ("order_queries", supervisor.pk),
        ("returns", supervisor.pk),
    ]
    assert TrainingRecord.objects.filter(passed=True).count() == 6
    # every resolved ticket with a checklist went through its required steps
    done = tickets.filter(status__in=["resolved", "closed"], procedure_version__isnull=False)
    assert done.exists()
    assert not TicketStep.objects.filter(
        ticket__in=done, step__is_required=True, done_at__isnull=True
    ).exists()
    demo.load(lines=lines, rng=random.Random(3))
    assert tickets.count() == 60
    assert TrainingRecord.objects.count() == 6
    assert "already present" in lines[-1]
