"""Tier rules: growth value, upgrades at once, downgrades at period end with a notice, member price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.core.errors import DomainError
from mallops.membership import engine
from mallops.membership.models import Member, MemberEvent, MemberNotice, Tier, TierSkuPrice
from mallops.membership.selectors import member_lifecycle
from mallops.membership.services import TierInput, member_recompute, members_recompute, tier_create
from mallops.orders.models import Order, OrderStatus
from mallops.pricing.cart import LineIn, cart_quote, resolve_lines
from mallops.pricing.models import Membership as PlatformMembership
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_order
from mallops.testing.pricing import catalogue_sku, make_buyer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = [engine.TierRule("silver", 1, 100), engine.TierRule("gold", 2, 1000)]


def test_growth_value_counts_whole_yuan_and_orders() -> None:
    assert engine.growth_value(12_399, 2) == 123 + 20
    assert engine.growth_value(-500, 0) == 0


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=3000))
def test_tier_for_is_the_highest_threshold_reached(growth: int) -> None:
    reached = [r for r in RULES if r.min_growth <= growth]
    expected = max(reached, key=lambda r: r.rank) if reached else None
    assert engine.tier_for(growth, RULES) == expected


def _decide(
    current: engine.TierRule | None,
    target: engine.TierRule | None,
    *,
    now: datetime = T0,
    pending: engine.TierRule | None = None,
) -> engine.Decision:
    return engine.decide(
        current=current,
        pending=pending,
        has_pending=pending is not None,
        target=target,
        now=now,
        period_ends_at=T0 + timedelta(days=30),
    )


def test_decide_upgrades_now_and_downgrades_at_period_end() -> None:
    silver, gold = RULES
    end = T0 + timedelta(days=30)
    assert _decide(None, silver) == engine.Decision(engine.Action.JOIN, silver)
    assert _decide(silver, gold).action == engine.Action.UPGRADE
    assert _decide(gold, silver) == engine.Decision(engine.Action.SCHEDULE_DOWNGRADE, silver)
    assert _decide(gold, silver, pending=silver).action == engine.Action.NONE
    assert _decide(gold, gold, pending=silver).action == engine.Action.CANCEL_DOWNGRADE
    assert _decide(gold, silver, now=end, pending=silver) == engine.Decision(engine.Action.DOWNGRADE, silver)
    assert _decide(gold, None, now=end, pending=silver) == engine.Decision(engine.Action.DOWNGRADE, None)


def _tiers() -> tuple[Tier, Tier]:
    staff = make_staff("product_ops")
    silver = tier_create(
        actor=actor_of(staff),
        data=TierInput(code="silver", name="白银会员", rank=1, min_growth=100, discount_percent=5),
    )
    gold = tier_create(
        actor=actor_of(staff),
        data=TierInput(
            code="gold", name="黄金会员", rank=2, min_growth=1000, discount_percent=5, free_shipping=True
        ),
    )
    return silver, gold


def _pay(order: Order, *, paid_fen: int, at: datetime) -> None:
    Order.objects.unscoped(reason="test").filter(pk=order.pk).update(
        status=OrderStatus.PAID, paid_fen=paid_fen, paid_at=at
    )


@pytest.mark.django_db
def test_tier_thresholds_must_rise_with_rank() -> None:
    _tiers()
    with pytest.raises(DomainError) as err:
        tier_create(
            actor=actor_of(make_staff("product_ops")),
            data=TierInput(code="plat", name="铂金会员", rank=3, min_growth=900),
        )
    assert [(e.loc, e.code) for e in err.value.errors] == [(("body", "min_growth"), "threshold_order")]


@pytest.mark.django_db
@pytest.mark.req("R4.3.1")
def test_tier_upgrade_applies_the_member_price_in_the_next_quote() -> None:
    _, gold = _tiers()
    merchant, _ = make_merchant()
    sku_id = catalogue_sku(merchant, "TEA-1", 10_000)
    TierSkuPrice.objects.create(tier=gold, merchant=merchant, sku="TEA-1", price_fen=8_000)
    buyer = make_buyer("member-a")
    lines, _ = resolve_lines([LineIn(id="L1", merchant_id=merchant.pk, qty=2, sku_id=sku_id)])

    before = cart_quote(buyer=buyer, lines=lines)
    assert (before.quote.subtotal, before.quote.discount) == (20_000, 0)

    now = timezone.now()
    _pay(make_order(merchant, buyer=buyer), paid_fen=99_000, at=now - timedelta(days=1))  # 990 + 10
    event = member_recompute(buyer_id=buyer.pk, now=now)
    assert event is not None and (event.kind, event.to_tier) == (MemberEvent.Kind.JOINED, "gold")
    # the tier is the level of the platform membership the quote reads
    platform = PlatformMembership.objects.for_buyer(buyer.pk).get(merchant__isnull=True)
    assert (platform.level, platform.status) == ("gold", "active")

    after = cart_quote(buyer=buyer, lines=lines)
    # the per-SKU member price (2 x 20.00 元 off) beats the tier's 5 % (2 x 5.00 元): one item offer per line
    assert (after.quote.subtotal, after.quote.discount) == (20_000, 4_000)
    assert [(a.id, a.amount) for a in after.quote.applied] == [("member-gold-L1", 4_000)]
    assert after.labels["member-gold-L1"]["type"] == "member_price"


@pytest.mark.django_db
@pytest.mark.req("R4.3.1")
def test_drop_below_the_tier_is_announced_and_applied_at_period_end() -> None:
    silver, gold = _tiers()
    merchant, _ = make_merchant()
    buyer = make_buyer("member-b")
    big = make_order(merchant, buyer=buyer)
    small = make_order(merchant, buyer=buyer)
    now = timezone.now()
    _pay(big, paid_fen=100_000, at=now - timedelta(days=2))
    _pay(small, paid_fen=20_000, at=now - timedelta(days=2))
    assert members_recompute(now=now) == 1
    member = Member.objects.get(buyer=buyer)
    assert (member.tier, member.growth) == (gold, 1000 + 200 + 20)

    Order.objects.unscoped(reason="test").filter(pk=big.pk).update(status=OrderStatus.REFUNDED)
    later = now + timedelta(days=10)
    event = member_recompute(buyer_id=buyer.pk, now=later)
    assert event is not None and event.kind == MemberEvent.Kind.DOWNGRADE_SCHEDULED
    member.refresh_from_db()
    assert (member.tier, member.pending_tier, member.downgrade_pending) == (gold, silver, True)
    notice = MemberNotice.objects.get(event=event)
    assert notice.buyer_id == buyer.pk and event.effective_at == member.period_ends_at
    assert member_recompute(buyer_id=buyer.pk, now=later + timedelta(days=1)) is None  # announced once

    assert member.period_ends_at is not None
    # a year on, the small order has to be recent again to keep silver (growth counts the last 365 days)
    _pay(small, paid_fen=20_000, at=member.period_ends_at - timedelta(days=1))
    event = member_recompute(buyer_id=buyer.pk, now=member.period_ends_at)
    assert event is not None and (event.kind, event.from_tier, event.to_tier) == (
        MemberEvent.Kind.DOWNGRADED,
        "gold",
        "silver",
    )
    member.refresh_from_db()
    assert (member.tier, member.downgrade_pending) == (silver, False)
    assert MemberNotice.objects.filter(buyer=buyer).count() == 3  # joined, scheduled, downgraded
    lifecycle = member_lifecycle(actor=make_staff("product_ops"), buyer_id=buyer.pk)
    assert [(e.kind, e.from_tier, e.to_tier) for e in lifecycle] == [
        ("joined", "", "gold"),
        ("downgrade_scheduled", "gold", "silver"),
        ("downgraded", "gold", "silver"),
    ]
