"""Benefits handed out to members (R4.3.1): the tier's coupons, once per Beijing calendar month.

A tier with a coupon batch and ``coupons_per_period`` > 0 gives each of its members that many coupons of
the batch per grant period (the Beijing calendar month). The grant is idempotent per period: it locks the
member row, counts the coupons of the batch the buyer received in this period and issues only the
shortfall (through ``pricing.coupons.coupons_grant_benefit``), so a sweep that runs twice, or a worker that
was down and catches up, never gives more. No marketing consent is asked: the coupon is a benefit the
member holds, not a marketing message.

Not handed out here: the birthday gift (``membership.birthday``) and free shipping, which checkout applies
to each order's shipping line (``membership.shipping``, registered with ``orders.shipping``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from mallops.audit.services import audit_record
from mallops.membership.models import Member
from mallops.pricing import selectors as pricing_selectors
from mallops.pricing.coupons import coupons_grant_benefit

BEIJING = ZoneInfo("Asia/Shanghai")


def grant_period(now: datetime) -> tuple[datetime, datetime]:
    """The grant period holding ``now``: its Beijing calendar month, as [start, end)."""
    day = now.astimezone(BEIJING).date()
    first = date(day.year, day.month, 1)
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return (
        datetime.combine(first, time.min, tzinfo=BEIJING),
        datetime.combine(following, time.min, tzinfo=BEIJING),
    )


@dataclass(frozen=True)
class Grant:
    buyer_id: int
    tier: str
    issued: int  # coupons issued by this call
    held: int  # coupons of the batch received in this period, this call's included
    due: int  # what the tier gives per period


@transaction.atomic
def member_coupons_grant(*, buyer_id: int, now: datetime) -> Grant | None:
    """Give the member the tier's coupons still due for the period holding ``now``.

    Locks the member row (so two sweeps cannot both issue). None when the buyer is no member, or the tier
    gives no coupons. Issues at most the shortfall; a batch that has ended, is used up or hits its per-buyer
    limit stops the issue (the shortfall is tried again by the next sweep). Writes the audit event
    ``membership.benefit_coupons`` (system actor) when anything was issued.
    """
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("tier")
        .filter(buyer_id=buyer_id)
        .first()
    )
    if member is None or member.tier is None or not member.tier.active:
        return None
    tier = member.tier
    if tier.coupon_batch_id is None or tier.coupons_per_period < 1:
        return None
    start, end = grant_period(now)
    held = pricing_selectors.buyer_batch_coupon_count(
        buyer_id=buyer_id, batch_id=tier.coupon_batch_id, claimed_from=start, claimed_to=end
    )
    issued: list[int] = []
    if held < tier.coupons_per_period:
        issued = coupons_grant_benefit(
            batch_id=tier.coupon_batch_id,
            buyer_id=buyer_id,
            count=tier.coupons_per_period - held,
            now=now,
        )
    if issued:
        audit_record(
            actor=None,
            action="membership.benefit_coupons",
            obj=member,
            after={
                "tier": tier.code,
                "coupon_batch": tier.coupon_batch_id,
                "issued": len(issued),
                "period_start": start.date().isoformat(),
            },
        )
    return Grant(buyer_id, tier.code, len(issued), held + len(issued), tier.coupons_per_period)


def members_coupons_grant(*, now: datetime) -> int:
    """The scheduled pass: every member of a tier that gives coupons; returns the coupons issued.
    One transaction per member."""
    buyers = (
        Member.objects.filter(
            tier__active=True, tier__coupon_batch__isnull=False, tier__coupons_per_period__gt=0
        )
        .order_by("buyer_id")
        .values_list("buyer_id", flat=True)
    )
    issued = 0
    for buyer_id in list(buyers):
        grant = member_coupons_grant(buyer_id=buyer_id, now=now)
        issued += grant.issued if grant else 0
    return issued
