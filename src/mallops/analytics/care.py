"""The buyer-care list of user operations (R4.3; issue 15 "user operations get real duties").

Who needs care, and why (the reason is decided here, from the platform's own rows, never by the client):

* ``high_value_trouble``: an RFM ``high_value`` buyer with a complaint ticket or a refund/return request in
  the last ``RECENT_DAYS`` days (service and after-sales selectors);
* ``sleeping_high_value``: an RFM ``at_risk`` buyer (bought much and often, not lately);
* ``first_order_waiting``: a buyer whose only order has been paid for more than ``WAITING_DAYS`` days and
  is not shipped yet (orders selector).

The first two come from RFM profiling, so they list only buyers whose consent allows marketing now (as a
segment coupon issue does); the others are counted in ``no_consent``. The third is order fulfilment (a
contract purpose) and needs no consent. Names are masked as on the CRM page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.accounts.models import User
from mallops.accounts.roles import Kind as UserKind
from mallops.aftersales.selectors import refund_counts_since
from mallops.analytics.models import SegmentMember
from mallops.analytics.rfm import Tag
from mallops.core.actors import Actor
from mallops.dsr.consent_selectors import consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.orders.selectors import first_orders_waiting
from mallops.privacy.masking import mask
from mallops.service.selectors import complaint_counts_since
from mallops.tasks.selectors import open_task_ids_for_sources

RECENT_DAYS = 30
WAITING_DAYS = 3
SOURCE_TYPE = "analytics.buyer_care"
REASONS = {
    "high_value_trouble": _("High-value buyer with a recent complaint or refund"),
    "sleeping_high_value": _("High-value buyer gone quiet (churn risk)"),
    "first_order_waiting": _("First order paid but not shipped for over 3 days"),
}


@dataclass(frozen=True)
class CareRow:
    buyer_id: int
    name: str  # masked
    reason: str  # a key of REASONS
    detail: str
    since: datetime | None
    open_task_id: int | None = None

    @property
    def source_id(self) -> str:
        return f"{self.buyer_id}:{self.reason}"

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


@dataclass
class CareList:
    rows: list[CareRow] = field(default_factory=list)
    no_consent: int = 0  # profiled buyers left out for want of marketing consent


def _masked(user: Any) -> str:
    return mask("name", user.display_name) or mask("redact", user.username) or ""


def care_list(*, now: datetime) -> CareList:
    """Every buyer who needs care now, one row per (buyer, reason); about eight queries."""
    tags = dict(
        SegmentMember.objects.filter(tag__in=[Tag.HIGH_VALUE, Tag.AT_RISK]).values_list("distinct_id", "tag")
    )
    profiled = {
        u.pk: u for u in User.objects.filter(username__in=list(tags), kind=UserKind.BUYER, is_active=True)
    }
    allowed = consenting_user_ids(list(profiled), Purpose.MARKETING)
    result = CareList(no_consent=len(set(profiled) - allowed))
    buyers = {pk: u for pk, u in profiled.items() if pk in allowed}
    high = [pk for pk, u in buyers.items() if tags[u.username] == Tag.HIGH_VALUE]
    since = now - timedelta(days=RECENT_DAYS)
    complaints = complaint_counts_since(buyer_ids=high, since=since)
    refunds = refund_counts_since(buyer_ids=high, since=since)
    rows: list[CareRow] = []
    for pk in high:
        n_c, n_r = complaints.get(pk, 0), refunds.get(pk, 0)
        if n_c or n_r:
            detail = str(_("%(complaints)d complaints, %(refunds)d refunds or returns in %(days)d days")) % {
                "complaints": n_c,
                "refunds": n_r,
                "days": RECENT_DAYS,
            }
            rows.append(CareRow(pk, _masked(buyers[pk]), "high_value_trouble", detail, None))
    for pk, user in buyers.items():
        if tags[user.username] == Tag.AT_RISK:
            rows.append(CareRow(pk, _masked(user), "sleeping_high_value", "", None))
    waiting = first_orders_waiting(paid_before=now - timedelta(days=WAITING_DAYS))
    names = {u.pk: u for u in User.objects.filter(pk__in=[w[0] for w in waiting])}
    for buyer_id, number, paid_at in waiting:
        detail = str(_("Order %(number)s")) % {"number": number}
        rows.append(CareRow(buyer_id, _masked(names[buyer_id]), "first_order_waiting", detail, paid_at))
    open_tasks = open_task_ids_for_sources(source_type=SOURCE_TYPE, source_ids=[r.source_id for r in rows])
    result.rows = [
        CareRow(r.buyer_id, r.name, r.reason, r.detail, r.since, open_tasks.get(r.source_id)) for r in rows
    ]
    return result


def care_task_open(
    *, actor: Actor, buyer_id: int, reason: str, assignee_id: int | None, now: datetime
) -> Any:
    """Open a user-operations task for one row of the care list (the row must still be on it: the server
    decides the reason). Returns the task, or None when an open task for the same row exists already.
    Errors: 422 ``care_not_needed`` when the buyer is no longer on the list for that reason; the task
    service's 403/422 (not a user-operations manager, assignee not on the team)."""
    from mallops.core.errors import FieldError, validation_error
    from mallops.tasks.contracts import Kind as TaskKind
    from mallops.tasks.contracts import Team
    from mallops.tasks.services import task_open_once

    row = next((r for r in care_list(now=now).rows if r.buyer_id == buyer_id and r.reason == reason), None)
    if row is None:
        raise validation_error(
            [
                FieldError(
                    ("body", "buyer_id"),
                    "this buyer is not on the care list for this reason",
                    "care_not_needed",
                )
            ]
        )
    title = f"关怀买家 {row.name}：{row.reason_label}"
    detail = "；".join(x for x in (row.detail, f"买家编号 {row.buyer_id}") if x)
    return task_open_once(
        source_type=SOURCE_TYPE,
        source_id=row.source_id,
        kind=TaskKind.FOLLOW_UP,
        actor=actor,
        team=Team.USER_OPS,
        title=title,
        detail=detail,
        assignee_id=assignee_id,
        due_at=now + timedelta(days=2),
        now=now,
    )
