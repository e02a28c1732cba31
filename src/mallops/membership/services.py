"""Membership writes: tier rules (``promotion.manage``, audited) and the tier recompute of one member.

Growth value counts the buyer's paid orders of the last 365 days, net of refunds (``engine``). Upgrades
apply at once and start a new 365-day period; a drop below the tier is announced (notice) and applied
when the period ends. Each change writes a lifecycle event, a notice to the buyer and an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.membership import engine
from mallops.membership.models import Member, MemberEvent, MemberNotice, Tier
from mallops.orders import selectors as orders_selectors
from mallops.orders.contracts import OrderStatus
from mallops.pricing import selectors as pricing_selectors
from mallops.pricing import services as pricing_services

PERIOD = timedelta(days=365)
GROWTH_WINDOW = timedelta(days=365)
_COUNTED: list[str] = [
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDING,
]


@dataclass(frozen=True)
class TierInput:
    code: str
    name: str
    rank: int
    min_growth: int
    discount_percent: int = 0
    free_shipping: bool = False
    birthday_gift: str = ""
    coupon_batch_id: int | None = None
    coupons_per_period: int = 0
    active: bool = True
    gift_points: int = 0
    gift_coupon_batch_id: int | None = None


def _tier_snapshot(row: Tier) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "rank": row.rank,
        "min_growth": row.min_growth,
        "discount_percent": row.discount_percent,
        "free_shipping": row.free_shipping,
        "birthday_gift": row.birthday_gift,
        "coupon_batch": row.coupon_batch_id,
        "coupons_per_period": row.coupons_per_period,
        "active": row.active,
        "gift_points": row.gift_points,
        "gift_coupon_batch": row.gift_coupon_batch_id,
    }


def _platform_batch(batch_id: int) -> bool:
    return pricing_selectors.platform_batch_exists(batch_id=batch_id)


def _check_tier(data: TierInput, *, exclude_pk: int | None) -> None:
    errors: list[FieldError] = []
    others = Tier.objects.exclude(pk=exclude_pk) if exclude_pk else Tier.objects.all()
    if not data.code or len(data.code) > 20:
        errors.append(FieldError(loc=("body", "code"), msg="1-20 characters"))
    elif others.filter(code=data.code).exists():
        errors.append(FieldError(loc=("body", "code"), msg="already used", code="duplicate"))
    if not data.name.strip() or len(data.name) > 30:
        errors.append(FieldError(loc=("body", "name"), msg="1-30 characters"))
    if data.rank < 0 or others.filter(rank=data.rank).exists():
        errors.append(FieldError(loc=("body", "rank"), msg="one tier per rank", code="duplicate"))
    if data.min_growth < 0:
        errors.append(FieldError(loc=("body", "min_growth"), msg="must not be negative"))
    elif (
        others.filter(rank__lt=data.rank, min_growth__gte=data.min_growth).exists()
        or others.filter(rank__gt=data.rank, min_growth__lte=data.min_growth).exists()
    ):
        errors.append(
            FieldError(
                loc=("body", "min_growth"),
                msg="a higher rank needs a higher threshold",
                code="threshold_order",
            )
        )
    if not 0 <= data.discount_percent <= 99:
        errors.append(FieldError(loc=("body", "discount_percent"), msg="0-99"))
    if data.coupons_per_period < 0:
        errors.append(FieldError(loc=("body", "coupons_per_period"), msg="must not be negative"))
    if not 0 <= data.gift_points <= 1_000_000:
        errors.append(FieldError(loc=("body", "gift_points"), msg="0-1000000"))
    if data.gift_coupon_batch_id is not None and not _platform_batch(data.gift_coupon_batch_id):
        errors.append(
            FieldError(
                loc=("body", "gift_coupon_batch_id"), msg="Not a platform coupon batch.", code="invalid"
            )
        )
    if data.coupon_batch_id is not None and not _platform_batch(data.coupon_batch_id):
        errors.append(
            FieldError(loc=("body", "coupon_batch_id"), msg="Not a platform coupon batch.", code="invalid")
        )
    elif data.coupon_batch_id is None and data.coupons_per_period > 0:
        errors.append(
            FieldError(
                loc=("body", "coupon_batch_id"),
                msg="Choose the coupon batch the tier gives.",
                code="invalid",
            )
        )
    if errors:
        raise validation_error(errors)


def _apply(row: Tier, data: TierInput) -> None:
    row.code, row.name, row.rank, row.min_growth = data.code, data.name.strip(), data.rank, data.min_growth
    row.discount_percent, row.free_shipping = data.discount_percent, data.free_shipping
    row.birthday_gift, row.coupon_batch_id = data.birthday_gift.strip(), data.coupon_batch_id
    row.coupons_per_period, row.active = data.coupons_per_period, data.active
    row.gift_points, row.gift_coupon_batch_id = data.gift_points, data.gift_coupon_batch_id


@transaction.atomic
def tier_create(*, actor: Actor, data: TierInput) -> Tier:
    require_permission(actor, "promotion.manage")
    _check_tier(data, exclude_pk=None)
    row = Tier()
    _apply(row, data)
    row.save()
    audit_record(actor=actor, action="membership.tier_create", obj=row, after=_tier_snapshot(row))
    return row


@transaction.atomic
def tier_update(*, actor: Actor, tier_id: int, data: TierInput) -> Tier:
    require_permission(actor, "promotion.manage")
    row = Tier.objects.select_for_update().filter(pk=tier_id).first()
    if row is None:
        raise not_found("tier")
    _check_tier(data, exclude_pk=row.pk)
    before = _tier_snapshot(row)
    _apply(row, data)
    row.save()
    audit_record(
        actor=actor,
        action="membership.tier_update",
        obj=row,
        before=before,
        after=_tier_snapshot(row),
    )
    return row


def _rule(row: Tier | None) -> engine.TierRule | None:
    return None if row is None else engine.TierRule(row.code, row.rank, row.min_growth)


def buyer_growth(buyer_id: int, now: datetime) -> tuple[int, int]:
    """(net paid fen, paid orders) of the buyer's orders paid in the growth window before ``now``."""
    return orders_selectors.buyer_paid_growth(
        buyer_id=buyer_id, statuses=_COUNTED, paid_after=now - GROWTH_WINDOW, paid_until=now
    )


# notice titles, stored in the platform's language (settings.LANGUAGE_CODE) when the event is written
_NOTICES = {
    MemberEvent.Kind.JOINED: gettext_noop("You are now a %(to)s member"),
    MemberEvent.Kind.UPGRADED: gettext_noop("Upgraded to %(to)s"),
    MemberEvent.Kind.DOWNGRADE_SCHEDULED: gettext_noop(
        "Your %(from_)s tier ends on %(when)s; you will be %(to)s"
    ),
    MemberEvent.Kind.DOWNGRADED: gettext_noop("Your tier is now %(to)s"),
}


def _snapshot(m: Member) -> dict[str, Any]:
    return {
        "tier": m.tier.code if m.tier else None,
        "growth": m.growth,
        "downgrade_pending": m.downgrade_pending,
        "pending_tier": m.pending_tier.code if m.pending_tier else None,
        "period_ends_at": m.period_ends_at.isoformat() if m.period_ends_at else None,
    }


@transaction.atomic
def member_recompute(*, buyer_id: int, now: datetime) -> MemberEvent | None:
    """Recompute one buyer's growth and tier (the sweep's unit of work); returns the event written."""
    tiers = list(Tier.objects.filter(active=True))
    by_code = {t.code: t for t in tiers}
    paid_fen, orders = buyer_growth(buyer_id, now)
    growth = engine.growth_value(paid_fen, orders)
    member = Member.objects.select_for_update().filter(buyer_id=buyer_id).first()
    target = engine.tier_for(growth, [r for t in tiers if (r := _rule(t)) is not None])
    if member is None:
        if target is None:
            return None
        member = Member(buyer_id=buyer_id, joined_at=now)
    before = _snapshot(member) if member.pk else None
    decision = engine.decide(
        current=_rule(member.tier),
        pending=_rule(member.pending_tier),
        has_pending=member.downgrade_pending,
        target=target,
        now=now,
        period_ends_at=member.period_ends_at,
    )
    member.growth, member.paid_fen, member.orders = growth, paid_fen, orders
    from_code = member.tier.code if member.tier else ""
    new_tier = by_code.get(decision.tier.code) if decision.tier else None
    kind: MemberEvent.Kind | None = None
    effective = now
    if decision.action in (engine.Action.JOIN, engine.Action.UPGRADE, engine.Action.DOWNGRADE):
        kind = {
            engine.Action.JOIN: MemberEvent.Kind.JOINED,
            engine.Action.UPGRADE: MemberEvent.Kind.UPGRADED,
            engine.Action.DOWNGRADE: MemberEvent.Kind.DOWNGRADED,
        }[decision.action]
        member.tier, member.downgrade_pending, member.pending_tier = new_tier, False, None
        member.period_started_at, member.period_ends_at = now, now + PERIOD
    elif decision.action == engine.Action.SCHEDULE_DOWNGRADE:
        kind = MemberEvent.Kind.DOWNGRADE_SCHEDULED
        member.downgrade_pending, member.pending_tier = True, new_tier
        effective = member.period_ends_at or now
    elif decision.action == engine.Action.CANCEL_DOWNGRADE:
        kind = MemberEvent.Kind.DOWNGRADE_CANCELLED
        member.downgrade_pending, member.pending_tier = False, None
    member.save()
    if decision.action in (engine.Action.JOIN, engine.Action.UPGRADE, engine.Action.DOWNGRADE):
        _sync_platform_membership(buyer_id, new_tier, now)
    if kind is None:
        return None
    to_code = new_tier.code if new_tier else ""
    event = MemberEvent.objects.create(
        member=member,
        kind=kind,
        from_tier=from_code,
        to_tier=to_code,
        growth=growth,
        effective_at=effective,
        at=now,
    )
    template = _NOTICES.get(kind)
    if template is not None:
        with translation.override(settings.LANGUAGE_CODE):
            title = translation.gettext(template) % {
                "to": new_tier.name if new_tier else translation.gettext("no tier"),
                "from_": by_code[from_code].name if from_code in by_code else from_code,
                "when": effective.date().isoformat(),
            }
        MemberNotice.objects.create(buyer_id=buyer_id, event=event, title=title[:200], created_at=now)
    audit_record(
        actor=None,
        action=f"membership.{kind}",
        obj=member,
        before=before,
        after=_snapshot(member),
    )
    return event


def _sync_platform_membership(buyer_id: int, tier: Tier | None, now: datetime) -> None:
    """The tier is the level of the buyer's platform membership (pricing's membership path: the quote
    reads it there). A buyer with no tier keeps a membership granted by hand (free-text level)."""
    pricing_services.platform_membership_level_sync(
        buyer_id=buyer_id,
        level=None if tier is None else tier.code,
        is_managed=lambda level: Tier.objects.filter(code=level).exists(),
        now=now,
    )


def members_recompute(*, now: datetime) -> int:
    """The scheduled pass: every buyer with a paid order in the window or a member row; returns the
    number of lifecycle events written. One transaction per buyer."""
    buyers = orders_selectors.buyers_paid_between(
        statuses=_COUNTED, paid_after=now - GROWTH_WINDOW, paid_until=now
    )
    buyers |= set(Member.objects.values_list("buyer_id", flat=True))
    written = 0
    for buyer_id in sorted(buyers):
        if member_recompute(buyer_id=buyer_id, now=now) is not None:
            written += 1
    return written
