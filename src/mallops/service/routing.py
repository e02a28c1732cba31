"""Automatic assignment (R5.4.1): merchant first for store matters, then skill, then load.

* A ticket about a store (merchant set) in a store category (product, logistics, service) goes to that
  store's customer-service agents when the store has an available one.
* Otherwise platform agents (profiles without a merchant) take it.
* Among the candidates, agents whose skills include the ticket's category come first; then the one
  with the fewest open tickets; agents at capacity are used only when everyone is; ties go to the
  longest-registered profile. No available agent: the ticket waits unassigned in the queue.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from mallops.service.models import OPEN_STATUSES, AgentProfile, Category, Ticket

STORE_CATEGORIES = frozenset({Category.PRODUCT, Category.LOGISTICS, Category.SERVICE})


def open_load(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Ticket.objects.unscoped(reason="routing load")
        .filter(assignee_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {r["assignee_id"]: r["n"] for r in rows}


def choose_agent(ticket: Ticket) -> Any | None:
    profiles = AgentProfile.objects.filter(is_available=True, user__is_active=True).select_related("user")
    candidates: list[AgentProfile] = []
    if ticket.merchant_id is not None and ticket.category in STORE_CATEGORIES:
        candidates = list(profiles.filter(merchant_id=ticket.merchant_id))
    if not candidates:
        candidates = list(profiles.filter(merchant__isnull=True))
    if not candidates:
        return None
    load = open_load([p.user_id for p in candidates])

    def rank(profile: AgentProfile) -> tuple[int, int, int, int]:
        n = load.get(profile.user_id, 0)
        return (n >= profile.max_open, ticket.category not in profile.skills, n, profile.pk)

    return min(candidates, key=rank).user
