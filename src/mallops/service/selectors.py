"""Reads of tickets, always through the actor's scope (``services.tickets_for``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from mallops.accounts.models import MerchantMember, User
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.privacy.masking import mask
from mallops.service.models import OPEN_STATUSES, ServiceTask, SlaPolicy, Ticket, TicketEvent, TicketSla
from mallops.service.services import tickets_for
from mallops.workdays.engine import fallback_warning

FILTERS = ("status", "category", "priority", "channel", "assignee_id", "merchant_id", "order_ref")


def ticket_list(
    *,
    actor: Actor,
    filters: dict[str, Any] | None = None,
    q: str = "",
    mine: bool = False,
    breached: bool = False,
    held: bool = False,
) -> QuerySet[Ticket]:
    rows = tickets_for(actor).select_related("assignee", "buyer")
    for name, value in (filters or {}).items():
        if name in FILTERS and value not in (None, ""):
            rows = rows.filter(**{name: value})
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(subject__icontains=q) | Q(order_ref__icontains=q))
    if mine:
        rows = rows.filter(assignee_id=actor.pk)
    if breached:
        rows = rows.filter(slas__breached_at__isnull=False).distinct()
    if held:  # open, unassigned, and routing said why (e.g. nobody trained on the procedure)
        rows = rows.filter(assignee__isnull=True, status__in=OPEN_STATUSES).exclude(routing_hold_reason="")
    return rows.order_by(*TICKET_ORDER)


TICKET_ORDER = ("-created_at", "-pk")  # newest first (service.list_reads reads the same order)


# The API's ``TicketOut`` fields in order, ``calendar_warnings`` (from ``calendar_fallback_years``) next to last
TICKET_HEAD: tuple[str, ...] = (
    "id",
    "number",
    "channel",
    "category",
    "priority",
    "status",
    "subject",
    "description",
)
TICKET_HEAD += ("buyer_id", "merchant_id", "order_ref", "assignee_id", "is_complex", "is_special")
TICKET_HEAD += ("is_serious", "escalation_level", "flagged_for_regulators", "created_at", "first_response_at")
TICKET_HEAD += ("resolved_at", "closed_at", "first_response_due_at", "initial_answer_due_at")
TICKET_HEAD += ("resolution_due_at", "followup_due_at")


def ticket_rows(tickets: QuerySet[Ticket]) -> list[dict[str, Any]]:
    """``ticket_list`` rows as the API's ``TicketOut`` (plain dicts, one query, no model instances)."""
    return [ticket_row(found) for found in tickets.select_related(None).values(*TICKET_VALUES)]


TICKET_VALUES = (*TICKET_HEAD, "calendar_fallback_years", "routing_hold_reason")


def ticket_row(found: dict[str, Any]) -> dict[str, Any]:
    """One ``TicketOut`` row from a ``.values(*TICKET_VALUES)`` row."""
    row = {name: found[name] for name in TICKET_HEAD}
    row["calendar_warnings"] = [fallback_warning(y) for y in found["calendar_fallback_years"]]
    row["routing_hold_reason"] = found["routing_hold_reason"]
    return row


def ticket_get(*, actor: Actor, ticket_id: int) -> Ticket:
    ticket = tickets_for(actor).select_related("assignee", "buyer", "merchant").filter(pk=ticket_id).first()
    if ticket is None:
        raise not_found("ticket")
    return ticket


def ticket_events(ticket: Ticket, *, include_internal: bool) -> list[TicketEvent]:
    rows = ticket.events.select_related("actor").order_by("at", "pk")
    if not include_internal:
        rows = rows.filter(internal=False)
    return list(rows)


def ticket_events_for_store(ticket: Ticket) -> list[TicketEvent]:
    """What store CS sees: customer-facing steps and internal notes written by the store's own people
    (platform notes, escalations and regulator flags stay with the platform)."""
    member_ids = MerchantMember.objects.for_merchant(ticket.merchant_id).values_list("user_id", flat=True)
    rows = ticket.events.select_related("actor").filter(Q(internal=False) | Q(actor_id__in=list(member_ids)))
    return list(rows.order_by("at", "pk"))


def calendar_warnings(ticket: Ticket) -> list[str]:
    return [fallback_warning(y) for y in ticket.calendar_fallback_years]


def fallback_years_in_use() -> list[int]:
    """Years without holiday data that open tickets' clocks had to count as Monday-Friday."""
    years: set[int] = set()
    rows = (
        Ticket.objects.unscoped(reason="calendar alert for staff")
        .filter(status__in=OPEN_STATUSES)
        .exclude(calendar_fallback_years=[])
        .values_list("calendar_fallback_years", flat=True)
    )
    for value in rows:
        years.update(int(y) for y in value or [])
    return sorted(years)


@dataclass(frozen=True)
class CustomerView:
    """The CRM view of the buyer for an agent (R5.4.1): masked identity, history and lifecycle."""

    display_name: str
    phone: str
    member_since: datetime
    tickets: int
    open_tickets: int
    average_rating: float | None
    lifecycle: str
    history: list[Ticket]


def customer_view(*, actor: Actor, ticket: Ticket) -> CustomerView:
    """The ticket page's customer panel: the buyer's profile, history without this ticket."""
    return customer_profile(actor=actor, buyer=ticket.buyer, exclude_ticket_id=ticket.pk)


def customer_profile(*, actor: Actor, buyer: User, exclude_ticket_id: int | None = None) -> CustomerView:
    """The buyer as the actor's tickets know them (two queries): masked identity, ticket counts, average
    rating, the service lifecycle stage and the last ten tickets (without ``exclude_ticket_id``)."""
    history = tickets_for(actor).filter(buyer_id=buyer.pk).order_by("-created_at")
    if exclude_ticket_id is not None:
        history = history.exclude(pk=exclude_ticket_id)
    stats = (
        tickets_for(actor)
        .filter(buyer_id=buyer.pk)
        .aggregate(
            n=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)), rating=Avg("rating__score")
        )
    )
    n = stats["n"] or 0
    lifecycle = "new" if n <= 1 else ("repeat" if n < 5 else "frequent")
    if stats["rating"] is not None and stats["rating"] < 3:
        lifecycle = "at risk"
    return CustomerView(
        display_name=mask("name", buyer.display_name) or mask("redact", buyer.username) or "",
        phone=mask("phone", buyer.phone) or "",
        member_since=buyer.date_joined,
        tickets=n,
        open_tickets=stats["open"] or 0,
        average_rating=None if stats["rating"] is None else float(stats["rating"]),
        lifecycle=lifecycle,
        history=list(history[:10]),
    )


def customer_buyer(*, buyer_id: int) -> User:
    """The buyer whose CRM page is opened (404 for anybody else: staff and merchants have no CRM page)."""
    from mallops.accounts.roles import Kind

    buyer = User.objects.filter(pk=buyer_id, kind=Kind.BUYER).first()
    if buyer is None:
        raise not_found("buyer")
    return buyer


def customer_tickets(*, actor: Actor, buyer_id: int, now: datetime, limit: int = 20) -> list[Ticket]:
    """The buyer's tickets in the actor's scope, newest first (one query), each annotated with ``sla_due_at``
    (the earliest running clock's due instant, None when no clock runs) and ``sla_state``
    (``with_sla_state``)."""
    running = TicketSla.objects.filter(
        ticket_id=OuterRef("pk"),
        met_at__isnull=True,
        breached_at__isnull=True,
        superseded=False,
        due_at__isnull=False,
    ).order_by("due_at")
    rows = with_sla_state(tickets_for(actor).filter(buyer_id=buyer_id), now=now).annotate(
        sla_due_at=Subquery(running.values("due_at")[:1])
    )
    return list(rows.order_by("-created_at", "-pk")[:limit])


def sla_policies() -> list[SlaPolicy]:
    return list(SlaPolicy.objects.order_by("target", "code"))


def task_list(*, kind: str = "", open_only: bool = True) -> QuerySet[ServiceTask]:
    rows = ServiceTask.objects.select_related("ticket", "assignee", "problem_group")
    if kind:
        rows = rows.filter(kind=kind)
    if open_only:
        rows = rows.filter(is_done=False)
    return rows.order_by("-created_at", "-pk")


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
# A running SLA clock this close to its due instant (or past its warning instant) is "near breach".
SLA_NEAR_BREACH_WITHIN = timedelta(hours=1)
SLA_NEAR = "sla_near"
SLA_BREACHED = "sla_breached"


def with_sla_state(rows: QuerySet[Ticket], *, now: datetime) -> QuerySet[Ticket]:
    """Annotate ``sla_state`` on open tickets: ``"sla_breached"`` when a clock has breached, else
    ``"sla_near"`` when a running clock is past its warning instant or due within ``SLA_NEAR_BREACH_WITHIN``,
    else ``""`` (closed tickets always ``""``).

    The workbench counts and the ticket queue's ``?scope=sla_near`` / ``?scope=sla_breached`` read this.
    """
    clocks = TicketSla.objects.filter(ticket_id=OuterRef("pk"))
    breached = clocks.filter(breached_at__isnull=False)
    near = clocks.filter(met_at__isnull=True, breached_at__isnull=True, superseded=False).filter(
        Q(warn_at__lte=now) | Q(due_at__lte=now + SLA_NEAR_BREACH_WITHIN)
    )
    is_open = Q(status__in=OPEN_STATUSES)
    return rows.annotate(
        sla_state=Case(
            When(is_open & Exists(breached), then=Value(SLA_BREACHED)),
            When(is_open & Exists(near), then=Value(SLA_NEAR)),
            default=Value(""),
            output_field=CharField(),
        )
    )


def workbench_counts(*, actor: Actor, now: datetime) -> dict[str, int]:
    """To-dos of a CS agent or supervisor (one query): open tickets near an SLA breach and open tickets
    whose SLA has breached."""
    counts = with_sla_state(tickets_for(actor), now=now).aggregate(
        sla_near=Count("pk", filter=Q(sla_state=SLA_NEAR)),
        sla_breached=Count("pk", filter=Q(sla_state=SLA_BREACHED)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def workbench_kpis(*, now: datetime, days: int = 14) -> dict[str, Any]:
    """The CS team's figures from ``service.kpis.compute`` for the last ``days`` days and the ``days``
    before: SLA attainment over every policy (met / (met + breached), percent), CSAT, tickets received,
    and tickets received per Beijing day of the last ``days`` days."""
    from mallops.service import kpis

    def attainment(data: kpis.Kpis) -> float | None:
        rate = kpis._rate(sum(p.met for p in data.policies), sum(p.breached for p in data.policies))
        return None if rate is None else round(rate * 100, 1)

    current = kpis.compute(days=days, now=now)
    previous = kpis.compute(days=days, now=now - timedelta(days=days))
    return {
        "sla_attainment_pct": attainment(current),
        "sla_attainment_pct_previous": attainment(previous),
        "csat": current.csat,
        "csat_previous": previous.csat,
        "tickets": current.tickets,
        "tickets_previous": previous.tickets,
        "daily": [(d["day"], d["created"]) for d in current.daily[-days:]],
    }


def agent_period_facts(*, since: datetime, until: datetime) -> dict[int, dict[str, Any]]:
    """Per agent (the ticket's assignee id), for the scorecards (R8.1.2), over ``[since, until)``:
    ``sla_met`` / ``sla_breached``: first-response clocks (not superseded) that ended in the period, met
    in time or breached (as in ``service.kpis``: a clock with ``breached_at`` is breached);
    ``scores``: the CSAT scores of ratings given in the period; ``resolved``: tickets resolved in the
    period. A platform read for the scorecards job: unscoped."""
    from mallops.service.models import Target, TicketRating

    out: dict[int, dict[str, Any]] = {}

    def facts(agent_id: int) -> dict[str, Any]:
        return out.setdefault(agent_id, {"sla_met": 0, "sla_breached": 0, "scores": [], "resolved": 0})

    clocks = TicketSla.objects.filter(
        target=Target.FIRST_RESPONSE, superseded=False, ticket__assignee__isnull=False
    ).filter(
        Q(breached_at__gte=since, breached_at__lt=until)
        | Q(breached_at__isnull=True, met_at__gte=since, met_at__lt=until)
    )
    for agent_id, breached_at in clocks.values_list("ticket__assignee_id", "breached_at"):
        facts(agent_id)["sla_breached" if breached_at else "sla_met"] += 1
    ratings = TicketRating.objects.filter(
        rated_at__gte=since, rated_at__lt=until, ticket__assignee__isnull=False
    ).values_list("ticket__assignee_id", "score")
    for agent_id, score in ratings:
        facts(agent_id)["scores"].append(float(score))
    resolved = (
        Ticket.objects.unscoped(reason="agent scorecards")
        .filter(resolved_at__gte=since, resolved_at__lt=until, assignee__isnull=False)
        .values_list("assignee_id", flat=True)
    )
    for agent_id in resolved:
        facts(agent_id)["resolved"] += 1
    return out


def live_reply_templates() -> QuerySet[Any]:
    """The reply library's templates in use (active, not retired), for the compliance self-inspection
    (R7.1.2): their titles and bodies are sent to buyers."""
    from mallops.service.models import ReplyTemplate

    return ReplyTemplate.objects.filter(is_active=True, retired_at__isnull=True).order_by("pk")


def complaint_counts_since(*, buyer_ids: list[int], since: datetime) -> dict[int, int]:
    """Complaint tickets opened since ``since`` per buyer (the user-operations care list; one query)."""
    rows = (
        Ticket.objects.unscoped(reason="buyer care list (user operations, platform-wide)")
        .filter(buyer_id__in=buyer_ids, category="complaint", created_at__gte=since)
        .values("buyer_id")
        .annotate(n=Count("id"))
    )
    return {row["buyer_id"]: row["n"] for row in rows}
