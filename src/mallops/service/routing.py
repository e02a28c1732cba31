"""Automatic assignment (R5.4.1, R5.1.5): merchant first for store matters, then skill, then load —
among agents trained on the ticket's procedure.

* A ticket about a store (merchant set) in a store category (product, logistics, service, returns,
  order queries) goes to that store's customer-service agents when the store has an available one.
* Otherwise platform agents (profiles without a merchant) take it.
* A ticket that follows a standard procedure goes only to agents trained on the procedure's current
  version (a passed assessment). When available agents exist but none is trained, the ticket waits for
  the supervisor with the reason recorded (``routing_hold_reason``, timeline ``routing_held``).
* Among the candidates, agents whose skills include the ticket's category come first; then the one
  with the fewest open tickets; agents at capacity are used only when everyone is; ties go to the
  longest-registered profile. No available agent: the ticket waits unassigned in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from mallops.service import procedures, training
from mallops.service.models import OPEN_STATUSES, AgentProfile, Category, Ticket

STORE_CATEGORIES = frozenset(
    {Category.PRODUCT, Category.LOGISTICS, Category.SERVICE, Category.RETURN, Category.ORDER_QUERY}
)


@dataclass(frozen=True)
class Routing:
    agent: Any | None
    hold_reason: str = ""


def open_load(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Ticket.objects.unscoped(reason="routing load")
        .filter(assignee_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {r["assignee_id"]: r["n"] for r in rows}


def route(ticket: Ticket) -> Routing:
    """Pick the agent for ``ticket`` (or say why the supervisor must)."""
    profiles = AgentProfile.objects.filter(is_available=True, user__is_active=True).select_related("user")
    pools: list[list[AgentProfile]] = []
    if ticket.merchant_id is not None and ticket.category in STORE_CATEGORIES:
        pools.append(list(profiles.filter(merchant_id=ticket.merchant_id)))
    pools.append(list(profiles.filter(merchant__isnull=True)))
    pools = [pool for pool in pools if pool]
    if not pools:
        return Routing(None)
    version = None
    if ticket.procedure_version is not None:
        version = procedures.current_version(ticket.procedure_version.procedure)
    if version is not None:
        trained = training.trained_user_ids(version)
        pools = [kept for pool in pools if (kept := [p for p in pool if p.user_id in trained])]
        if not pools:
            name = version.procedure.name
            return Routing(None, f"nobody available is trained on {name} v{version.number}")
    candidates = pools[0]
    load = open_load([p.user_id for p in candidates])

    def rank(profile: AgentProfile) -> tuple[int, int, int, int]:
        n = load.get(profile.user_id, 0)
        return (n >= profile.max_open, ticket.category not in profile.skills, n, profile.pk)

    return Routing(min(candidates, key=rank).user)


def choose_agent(ticket: Ticket) -> Any | None:
    return route(ticket).agent
