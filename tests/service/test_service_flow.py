"""Ticket flow through the service layer: sweeps after an outage, escalation, CSAT tasks, routing."""

from __future__ import annotations

import pytest
from service_helpers import make_agent, make_buyer, sh

from mallops.accounts.actors import actor_of
from mallops.core.sweeps import registered, run_all, run_sweeper
from mallops.service import services
from mallops.service.models import ServiceTask, Target, Ticket, TicketSla
from mallops.testing.factories import make_member, make_merchant

pytestmark = pytest.mark.django_db


def _ticket(actor, buyer, at, category="service", **kw):
    return services.ticket_create(
        actor=actor_of(actor),
        buyer_id=buyer.pk,
        subject="订单问题",
        description="请帮忙处理",
        category=category,
        now=at,
        **kw,
    )


@pytest.mark.req("R5.1.2")
@pytest.mark.req("R5.2.4")
def test_breach_sweep_after_a_worker_outage_only_delays(agent, buyer, supervisor):
    created = sh(2026, 3, 2, 10, 0)  # Monday
    ticket = _ticket(agent, buyer, created)
    # the worker was down for three days; the first run afterwards finds everything past due
    outage_end = sh(2026, 3, 5, 12, 0)
    counts = run_all(outage_end)
    assert counts["service.sla_breach"] == 1
    rows = {r.target: r for r in TicketSla.objects.filter(ticket=ticket)}
    first, resolution = rows[Target.FIRST_RESPONSE], rows[Target.RESOLUTION]
    # breached at the real deadlines, detected late
    assert first.breached_at == sh(2026, 3, 2, 10, 15)
    assert resolution.breached_at == sh(2026, 3, 4, 10, 0)
    assert first.detected_at == outage_end
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None and ticket.resolution_due_at is None
    assert ticket.escalation_level == 1 and ticket.escalated_to == supervisor
    assert ServiceTask.objects.filter(ticket=ticket, kind="escalation", assignee=supervisor).count() == 1
    assert not ticket.flagged_for_regulators
    # no warning is sent for a deadline already missed, and a second run finds nothing
    assert not ticket.events.filter(kind="sla_warning").exists()
    assert run_all(outage_end)["service.sla_breach"] == 0
    assert ticket.events.filter(kind="sla_breached").count() == 2


@pytest.mark.req("R5.1.2")
def test_warning_before_the_deadline_then_breach(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    warn = registered()["service.sla_warn"]
    breach = registered()["service.sla_breach"]
    assert run_sweeper(warn, sh(2026, 3, 2, 10, 9)) == 0
    assert run_sweeper(warn, sh(2026, 3, 2, 10, 10)) == 1
    event = ticket.events.get(kind="sla_warning")
    assert event.data["policy"] == "first_response"
    assert run_sweeper(breach, sh(2026, 3, 2, 10, 14)) == 0
    assert run_sweeper(breach, sh(2026, 3, 2, 10, 16)) == 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    # the first response is late but still recorded; resolution keeps running
    services.ticket_reply(actor=actor_of(agent), ticket_id=ticket.pk, body="您好", now=sh(2026, 3, 2, 10, 20))
    ticket.refresh_from_db()
    assert ticket.first_response_at == sh(2026, 3, 2, 10, 20)
    assert ticket.resolution_due_at == sh(2026, 3, 4, 10, 0)


@pytest.mark.req("R5.2.4")
def test_serious_complaint_goes_to_management_and_is_flagged(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0), category="complaint", is_serious=True)
    assert ticket.escalation_level == 2 and ticket.flagged_for_regulators
    assert ServiceTask.objects.filter(ticket=ticket, kind="regulator_flag").exists()
    # an ordinary complaint that breaches goes to the supervisor only
    other = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0), category="complaint")
    run_all(sh(2026, 3, 3, 10, 1))
    other.refresh_from_db()
    assert other.escalation_level == 1 and not other.flagged_for_regulators
    # an agent can mark it serious afterwards
    services.ticket_escalate(
        actor=actor_of(agent),
        ticket_id=other.pk,
        reason="媒体曝光风险",
        serious=True,
        now=sh(2026, 3, 3, 11, 0),
    )
    other.refresh_from_db()
    assert other.escalation_level == 2 and other.flagged_for_regulators


@pytest.mark.req("R5.1.3")
@pytest.mark.req("R5.3.2")
def test_a_rating_of_3_opens_a_second_service_task(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_resolve(
        actor=actor_of(agent), ticket_id=ticket.pk, summary="已补发", now=sh(2026, 3, 2, 11, 0)
    )
    rating = services.ticket_rate(
        actor=actor_of(buyer),
        ticket_id=ticket.pk,
        speed=3,
        efficiency=3,
        quality=3,
        attitude=3,
        comment="一般",
        now=sh(2026, 3, 2, 12, 0),
    )
    assert str(rating.score) == "3.00"
    task = ServiceTask.objects.get(ticket=ticket)
    assert task.kind == "second_service" and task.assignee == supervisor
    with pytest.raises(services.DomainError):
        services.ticket_rate(
            actor=actor_of(buyer), ticket_id=ticket.pk, speed=5, efficiency=5, quality=5, attitude=5
        )


@pytest.mark.req("R5.1.3")
def test_good_ratings_open_no_task_and_bad_ones_ask_for_compensation(agent, buyer):
    good = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_resolve(actor=actor_of(agent), ticket_id=good.pk, summary="ok", now=sh(2026, 3, 2, 11, 0))
    services.ticket_rate(
        actor=actor_of(buyer), ticket_id=good.pk, speed=4, efficiency=4, quality=4, attitude=4
    )
    assert not ServiceTask.objects.filter(ticket=good).exists()
    bad = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_resolve(actor=actor_of(agent), ticket_id=bad.pk, summary="ok", now=sh(2026, 3, 2, 11, 0))
    services.ticket_rate(
        actor=actor_of(buyer), ticket_id=bad.pk, speed=1, efficiency=2, quality=2, attitude=3
    )
    assert ServiceTask.objects.get(ticket=bad).kind == "compensation"
    with pytest.raises(services.DomainError):
        services.ticket_rate(
            actor=actor_of(buyer), ticket_id=bad.pk, speed=6, efficiency=2, quality=2, attitude=3
        )


@pytest.mark.req("R5.1.1")
@pytest.mark.req("R5.1.4")
def test_closed_loop_with_follow_up_and_overdue_follow_up_sweep(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_reply(
        actor=actor_of(agent), ticket_id=ticket.pk, body="您好，正在处理", now=sh(2026, 3, 2, 10, 3)
    )
    services.ticket_note(
        actor=actor_of(agent), ticket_id=ticket.pk, body="仓库确认漏发", now=sh(2026, 3, 2, 10, 30)
    )
    services.ticket_resolve(
        actor=actor_of(agent), ticket_id=ticket.pk, summary="已补发", now=sh(2026, 3, 2, 16, 0)
    )
    ticket.refresh_from_db()
    assert ticket.followup_due_at == sh(2026, 3, 5, 23, 59, 59)
    services.ticket_followup(
        actor=actor_of(agent), ticket_id=ticket.pk, note="回访：已收到", now=sh(2026, 3, 4, 10, 0)
    )
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.followup_due_at is None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "assigned", "reply", "note", "resolved", "followed_up"]
    # a resolved ticket whose visit is forgotten opens a task when the due time passes
    late = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_resolve(actor=actor_of(agent), ticket_id=late.pk, summary="ok", now=sh(2026, 3, 2, 16, 0))
    assert run_all(sh(2026, 3, 6, 0, 0))["service.followup_due"] == 1
    assert ServiceTask.objects.filter(ticket=late, kind="followup_overdue").exists()


@pytest.mark.req("R5.4.1")
def test_routing_by_skill_then_load():
    buyer = make_buyer()
    logistics = make_agent("logistics")
    generalist = make_agent("product", "service")
    busy_logistics = make_agent("logistics")
    for _ in range(2):
        _ticket(busy_logistics, buyer, sh(2026, 3, 2, 9, 0), category="complaint")  # may go anywhere
    Ticket.objects.unscoped(reason="test").update(assignee=busy_logistics)
    first = _ticket(generalist, buyer, sh(2026, 3, 2, 10, 0), category="logistics")
    assert first.assignee == logistics  # skill first, then the lighter load
    second = _ticket(generalist, buyer, sh(2026, 3, 2, 10, 0), category="product")
    assert second.assignee == generalist
    third = _ticket(generalist, buyer, sh(2026, 3, 2, 10, 0), category="logistics")
    assert third.assignee == logistics  # 1 open vs 2 open


@pytest.mark.req("R5.4.1")
def test_store_matters_go_to_the_stores_own_cs(agent, buyer):
    merchant, _owner = make_merchant()
    store_cs = make_member(merchant, role="merchant_cs")
    make_agent("product", merchant=merchant, user=store_cs.user)
    product = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0), category="product", merchant_id=merchant.pk)
    assert product.assignee == store_cs.user
    complaint = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0), category="complaint", merchant_id=merchant.pk)
    assert complaint.assignee == agent  # complaints about a store stay with the platform


@pytest.mark.req("R5.1.2")
def test_a_late_answer_counts_as_a_breach_even_before_the_sweep_runs(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_reply(actor=actor_of(agent), ticket_id=ticket.pk, body="您好", now=sh(2026, 3, 2, 10, 40))
    row = TicketSla.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)
    assert row.met_at == sh(2026, 3, 2, 10, 40) and row.breached_at == sh(2026, 3, 2, 10, 15)
