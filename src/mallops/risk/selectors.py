"""Risk control reads: the analysts' queue and one decision (``risk.view``: analysts, compliance auditors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.privacy.masking import mask_address
from mallops.risk.engine.normalize import normalise
from mallops.risk.models import ReviewStatus, RiskDecision, RiskEventLog, RiskProfileVersion
from mallops.risk.services import VIEW_PERMISSION

BEIJING = ZoneInfo("Asia/Shanghai")


def decision_queue(actor: Actor, *, status: str = "open", rule: str = "") -> QuerySet[RiskDecision]:
    """Decisions by status (``open`` first-in first-out; others newest first), optionally by rule."""
    require_permission(actor, VIEW_PERMISSION)
    if status and status not in ReviewStatus.values:
        raise validation_error(
            [FieldError(("query", "status"), "open, confirmed or cleared", "invalid_choice")]
        )
    qs = RiskDecision.objects.select_related("analyst", "event")
    if status:
        qs = qs.filter(status=status)
    if rule:
        # rules is a short JSON list; a LIKE on the quoted name works on SQLite and PostgreSQL alike
        qs = qs.filter(rules__icontains=f'"{rule}"')
    return (
        qs.order_by("created_at", "pk") if status == ReviewStatus.OPEN else qs.order_by("-created_at", "-pk")
    )


def decision_get(actor: Actor, decision_id: int) -> RiskDecision:
    require_permission(actor, VIEW_PERMISSION)
    row = RiskDecision.objects.select_related("analyst", "event").filter(pk=decision_id).first()
    if row is None:
        raise not_found("risk decision")
    return row


def profile_versions(actor: Actor) -> QuerySet[RiskProfileVersion]:
    require_permission(actor, VIEW_PERMISSION)
    return RiskProfileVersion.objects.select_related("created_by").order_by("-version")


def decision_trend(actor: Actor, *, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Review and block decisions per day (Beijing time) and rule over the last ``days`` days.

    Returns ``{"days": [date, ...], "series": {rule: [count per day, ...]}, "outcomes": {outcome: [...]}}``;
    a decision that fired two rules counts once under each rule and once under its outcome.
    """
    require_permission(actor, VIEW_PERMISSION)
    now = now or timezone.now()
    today = timezone.localtime(now, BEIJING).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, tzinfo=BEIJING)
    index = {first + timedelta(days=i): i for i in range(days)}
    series: dict[str, list[int]] = {}
    outcomes: dict[str, list[int]] = {"review": [0] * days, "block": [0] * days}
    rows = RiskDecision.objects.filter(created_at__gte=since).values_list("created_at", "rules", "outcome")
    for created_at, rules, outcome in rows.iterator(chunk_size=2000):
        slot = index.get(timezone.localtime(created_at, BEIJING).date())
        if slot is None:
            continue
        outcomes.setdefault(outcome, [0] * days)[slot] += 1
        for rule in rules:
            series.setdefault(rule, [0] * days)[slot] += 1
    return {"days": list(index), "series": dict(sorted(series.items())), "outcomes": outcomes}


@dataclass(frozen=True)
class LinkRow:
    """One shared device or address of a cluster and the accounts that used it."""

    kind: str  # "device" | "address"
    value: str  # the device id, or the address cut to its district (never the full address)
    buyers: list[str]


LINKAGE_EVENT_LIMIT = 5000


def decision_linkage(actor: Actor, row: RiskDecision) -> list[LinkRow]:
    """Which accounts of the decision's cluster share which device or delivery address, read from the
    event log of the linked buyers (the evidence keeps at most 50 of each). Addresses are matched
    normalised and shown cut to the district; a device or address used by one account only is left out.
    One query over at most the latest 5,000 events of those buyers."""
    require_permission(actor, VIEW_PERMISSION)
    linked = (row.evidence or {}).get("linked") or {}
    buyers = [str(b) for b in linked.get("buyers") or [row.buyer]]
    devices: dict[str, set[str]] = {}
    addresses: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    events = (
        RiskEventLog.objects.filter(buyer__in=buyers, at__lte=row.created_at)
        .order_by("-pk")
        .values_list("buyer", "payload")[:LINKAGE_EVENT_LIMIT]
    )
    for buyer, payload in events:
        device = (payload or {}).get("device")
        if device:
            devices.setdefault(device, set()).add(buyer)
        address = (payload or {}).get("address")
        key = normalise(address) if address else ""
        if key:
            addresses.setdefault(key, set()).add(buyer)
            shown.setdefault(key, mask_address(address) or "***")
    rows = [LinkRow("device", d, sorted(b)) for d, b in sorted(devices.items()) if len(b) > 1]
    rows += [LinkRow("address", shown[a], sorted(b)) for a, b in sorted(addresses.items()) if len(b) > 1]
    return rows


def open_count(actor: Actor) -> int:
    """Open decisions (the menu badge; 0 without ``risk.view``)."""
    if not actor.has_perm(VIEW_PERMISSION):
        return 0
    return RiskDecision.objects.filter(status=ReviewStatus.OPEN).count()


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
def workbench_counts(*, actor: Actor) -> dict[str, int]:
    """To-dos of a risk analyst (one query): open decisions waiting for a confirm or clear
    (``?status=open`` on the decision queue)."""
    return {"open": decision_queue(actor, status=ReviewStatus.OPEN).order_by().count()}
