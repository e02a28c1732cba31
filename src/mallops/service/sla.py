"""SLA clocks of tickets on the database calendar: start, recompute (pauses), meet; timer columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mallops.service.models import SlaPolicy, Target, Ticket, TicketSla
from mallops.workdays.engine import Pause, SlaClock
from mallops.workdays.selectors import calendar_data

_TIMER_FIELDS = {
    Target.FIRST_RESPONSE: "first_response_due_at",
    Target.INITIAL_ANSWER: "initial_answer_due_at",
    Target.RESOLUTION: "resolution_due_at",
    Target.FOLLOW_UP: "followup_due_at",
}
TIMER_FIELDS = (*_TIMER_FIELDS.values(), "warn_due_at", "calendar_fallback_years")


def clock() -> SlaClock:
    return SlaClock(calendar_data())


def pick_policy(
    target: str, *, category: str, priority: str, channel: str = "", special: bool = False
) -> SlaPolicy | None:
    """The most specific active policy: category before priority before channel (each set beats "any"),
    then the oldest."""
    candidates = SlaPolicy.objects.filter(
        is_active=True,
        target=target,
        special=special,
        category__in=[category, ""],
        priority__in=[priority, ""],
        channel__in=[channel, ""],
    )
    ranked = sorted(candidates, key=lambda p: (p.category == "", p.priority == "", p.channel == "", p.pk))
    return ranked[0] if ranked else None


def pauses_of(ticket: Ticket) -> list[Pause]:
    return [Pause(p.started_at, p.ended_at) for p in ticket.pauses.all()]


def start(ticket: Ticket, target: str, started_at: datetime, *, special: bool = False) -> TicketSla | None:
    policy = pick_policy(
        target, category=ticket.category, priority=ticket.priority, channel=ticket.channel, special=special
    )
    if policy is None:
        return None
    return TicketSla.objects.create(ticket=ticket, policy=policy, target=target, started_at=started_at)


def pending(ticket: Ticket, target: str | None = None) -> list[TicketSla]:
    rows = ticket.slas.select_related("policy").filter(met_at=None, breached_at=None, superseded=False)
    if target is not None:
        rows = rows.filter(target=target)
    return list(rows)


def meet(ticket: Ticket, target: str, at: datetime) -> list[TicketSla]:
    """Stop the clocks of ``target``; one met after its due time counts as breached at the due time
    (even when the breach sweep has not run yet, e.g. after a worker outage)."""
    met = pending(ticket, target)
    for row in met:
        row.met_at = at
        if row.due_at is not None and at > row.due_at:
            row.breached_at = row.due_at
            row.detected_at = at
        row.save(update_fields=["met_at", "breached_at", "detected_at"])
    return met


def refresh(ticket: Ticket) -> None:
    """Recompute every pending clock (pauses, calendar) and the ticket's timer columns; saves them."""
    sla_clock = clock()
    pauses = pauses_of(ticket)
    uncovered: set[int] = set()
    dues: dict[str, datetime | None] = dict.fromkeys(_TIMER_FIELDS.values())
    warn: datetime | None = None
    for row in pending(ticket):
        policy = row.policy.engine_policy()
        due = sla_clock.due_at(policy, row.started_at, pauses)
        warn_result = sla_clock.warn_at(policy, row.started_at, pauses)
        row.due_at = None if due is None else due.at
        row.warn_at = None if warn_result is None else warn_result.at
        row.save(update_fields=["due_at", "warn_at"])
        for result in (due, warn_result):
            if result is not None:
                uncovered |= result.uncovered_years
        field = _TIMER_FIELDS[Target(row.target)]
        if row.due_at is not None and (dues[field] is None or row.due_at < dues[field]):  # type: ignore[operator]
            dues[field] = row.due_at
        if row.warn_at is not None and row.warned_at is None and (warn is None or row.warn_at < warn):
            warn = row.warn_at
    for field, value in dues.items():
        setattr(ticket, field, value)
    ticket.warn_due_at = warn
    ticket.calendar_fallback_years = sorted(uncovered)
    ticket.save(update_fields=list(TIMER_FIELDS))


def refresh_for_years(sender: Any = None, *, years: list[int], **kwargs: Any) -> int:
    """Recompute the clocks of tickets that counted ``years`` as Monday-Friday (a year was imported)."""
    wanted = set(years)
    rows = Ticket.objects.unscoped(reason="calendar changed").exclude(calendar_fallback_years=[])
    changed = 0
    for ticket in rows.select_for_update():
        if wanted & set(ticket.calendar_fallback_years):
            refresh(ticket)
            changed += 1
    return changed
