"""SLA deadlines of tickets through the service layer on the official calendar (R5.1.2, R5.1.4, R6.3.1)."""

from __future__ import annotations

import pytest
from service_helpers import sh

from mallops.accounts.actors import actor_of
from mallops.service import services
from mallops.service.models import Target, TicketSla
from mallops.workdays.engine import SHANGHAI

pytestmark = pytest.mark.django_db


def _ticket(agent, buyer, at, category="service", **kw):
    return services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="问题",
        description="详细描述",
        category=category,
        channel="phone",
        now=at,
        **kw,
    )


def _local(value):
    return value.astimezone(SHANGHAI).replace(tzinfo=None)


@pytest.mark.req("R5.1.2")
def test_first_response_runs_into_the_spring_festival_make_up_saturday(agent, buyer):
    # Friday 17:55 leaves 5 business minutes; Saturday 2026-02-14 is a make-up workday
    ticket = _ticket(agent, buyer, sh(2026, 2, 13, 17, 55))
    assert _local(ticket.first_response_due_at) == sh(2026, 2, 14, 9, 10).replace(tzinfo=None)
    # resolution counts calendar hours: 48 h later whatever the holiday
    assert _local(ticket.resolution_due_at) == sh(2026, 2, 15, 17, 55).replace(tzinfo=None)


@pytest.mark.req("R5.1.2")
def test_first_response_skips_the_whole_spring_festival(agent, buyer):
    # Saturday 14 Feb 17:50 (make-up day): 10 min left, then 15-23 Feb are holidays
    ticket = _ticket(agent, buyer, sh(2026, 2, 14, 17, 50))
    assert _local(ticket.first_response_due_at) == sh(2026, 2, 24, 9, 5).replace(tzinfo=None)
    assert ticket.calendar_fallback_years == []


@pytest.mark.req("R6.3.1")
def test_technical_support_spans_national_day(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 9, 30, 16, 0), category="technical")
    # 2 h on 30 Sep, 1-7 Oct holidays, 2 h more on Thursday 8 Oct
    assert _local(ticket.first_response_due_at) == sh(2026, 10, 8, 11, 0).replace(tzinfo=None)
    sla = TicketSla.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)
    assert sla.policy.code == "technical_support"
    assert _local(sla.warn_at) == sh(2026, 10, 8, 10, 0).replace(tzinfo=None)
    # the ticket's warning timer is the earliest pending one: resolution (48 h - 8 h, calendar time)
    assert _local(ticket.warn_due_at) == sh(2026, 10, 2, 8, 0).replace(tzinfo=None)


@pytest.mark.req("R6.3.1")
def test_major_fault_counts_calendar_hours(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 10, 1, 23, 0), category="major_fault")
    assert _local(ticket.first_response_due_at) == sh(2026, 10, 2, 1, 0).replace(tzinfo=None)


@pytest.mark.req("R5.1.4")
def test_follow_up_due_three_working_days_after_resolution_over_national_day(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 9, 29, 9, 0))
    ticket = services.ticket_resolve(
        actor=actor_of(agent), ticket_id=ticket.pk, summary="已解决", now=sh(2026, 9, 30, 10, 0)
    )
    # 8 Oct (Thu), 9 Oct (Fri), 10 Oct (make-up Saturday)
    assert _local(ticket.followup_due_at) == sh(2026, 10, 10, 23, 59, 59).replace(tzinfo=None)
    assert ticket.first_response_due_at is None and ticket.resolution_due_at is None


@pytest.mark.req("R5.1.2")
def test_a_pause_spanning_the_spring_festival_stops_the_business_clock(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 2, 13, 9, 0), category="technical")
    assert _local(ticket.first_response_due_at) == sh(2026, 2, 13, 13, 0).replace(tzinfo=None)
    services.ticket_pause(
        actor=actor_of(agent), ticket_id=ticket.pk, reason="等待买家提供截图", now=sh(2026, 2, 13, 10, 0)
    )
    ticket.refresh_from_db()
    assert ticket.status == "waiting_customer"
    assert ticket.first_response_due_at is None  # paused with no end: no deadline
    # the buyer answers on a holiday; the clock restarts at the next opening after the festival
    services.ticket_reply(
        actor=actor_of(buyer), ticket_id=ticket.pk, body="截图已上传", now=sh(2026, 2, 20, 12, 0)
    )
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert _local(ticket.first_response_due_at) == sh(2026, 2, 24, 12, 0).replace(tzinfo=None)
    # the calendar-hours resolution clock moved by exactly the paused time (7 days 2 h)
    assert _local(ticket.resolution_due_at) == sh(2026, 2, 22, 11, 0).replace(tzinfo=None)


@pytest.mark.req("R5.2.3")
def test_complaints_accepted_in_24_hours_and_handled_in_72(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0), category="complaint")
    assert _local(ticket.first_response_due_at) == sh(2026, 3, 3, 10, 0).replace(tzinfo=None)
    assert _local(ticket.resolution_due_at) == sh(2026, 3, 5, 10, 0).replace(tzinfo=None)


@pytest.mark.req("R5.1.2")
def test_special_case_moves_resolution_to_72_hours_and_tells_the_customer(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_extend(
        actor=actor_of(agent),
        ticket_id=ticket.pk,
        message="需要厂家检测，预计三天内答复",
        now=sh(2026, 3, 3, 9, 0),
    )
    ticket.refresh_from_db()
    assert ticket.is_special
    assert _local(ticket.resolution_due_at) == sh(2026, 3, 5, 10, 0).replace(tzinfo=None)
    told = ticket.events.get(kind="extended")
    assert not told.internal and "三天" in told.body


@pytest.mark.req("R5.1.2")
def test_complex_issue_gets_an_initial_answer_clock(agent, buyer):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    services.ticket_reply(
        actor=actor_of(agent),
        ticket_id=ticket.pk,
        body="已收到，正在核实",
        complex_issue=True,
        now=sh(2026, 3, 2, 10, 5),
    )
    ticket.refresh_from_db()
    assert ticket.first_response_due_at is None
    assert _local(ticket.initial_answer_due_at) == sh(2026, 3, 3, 10, 0).replace(tzinfo=None)
    services.ticket_reply(
        actor=actor_of(agent), ticket_id=ticket.pk, body="初步结论如下", now=sh(2026, 3, 2, 15, 0)
    )
    ticket.refresh_from_db()
    assert ticket.initial_answer_due_at is None
    assert TicketSla.objects.get(ticket=ticket, target=Target.INITIAL_ANSWER).met_at is not None
