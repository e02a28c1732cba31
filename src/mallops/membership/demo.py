"""Demo membership: three tiers (白银, 黄金 with a monthly coupon, 铂金), the demo buyers placed by the
nightly recompute from their paid orders, and this month's tier coupons handed out.

So that the shipping and inbox features show in a demo (issue 21; never needed by the app): two stores
charge shipping with a 满额包邮 threshold (the others ship free), set before the tiers so 会员包邮 has
something to waive; and buyer00001 has a delivered order that makes them a 黄金会员 (the recompute's
notice) and a birthday today, so their 我的 → 消息 holds the tier notice and the birthday gift.

Through the services only (tier create, coupon batch create, recompute, benefit grant). Idempotent: a tier
whose code exists is not made again, the recompute writes nothing when nothing changed, and the coupons are
granted once per month.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.membership.benefits import members_coupons_grant
from mallops.membership.models import Member, Tier
from mallops.membership.services import TierInput, members_recompute, tier_create, tier_update
from mallops.pricing import coupons
from mallops.pricing import selectors as pricing_selectors

BATCH_NAME = "黄金会员每月专享券"
TIERS = [
    TierInput(code="silver", name="白银会员", rank=1, min_growth=200, discount_percent=2),
    TierInput(
        code="gold",
        name="黄金会员",
        rank=2,
        min_growth=800,
        discount_percent=5,
        free_shipping=True,
        birthday_gift="生日积分",
        gift_points=200,
    ),
    TierInput(
        code="platinum",
        name="铂金会员",
        rank=3,
        min_growth=2500,
        discount_percent=8,
        free_shipping=True,
        birthday_gift="生日积分",
        gift_points=500,
    ),
]


def _batch(actor: User) -> int:
    """The id of the demo's platform batch for gold members (made once)."""
    found = pricing_selectors.platform_batch_id_named(name=BATCH_NAME)
    if found is not None:
        return found
    now = timezone.now()
    batch = coupons.coupon_batch_create(
        actor=actor_of(actor),
        merchant_id=None,
        data=coupons.BatchInput(
            name=BATCH_NAME,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=365),
            total_quantity=20_000,
            min_fen=9_900,
            off_fen=1_000,
            per_buyer_limit=24,
            valid_days=31,
        ),
    )
    return batch.pk


# store owner, fee and 满额包邮 threshold in fen (the other demo stores ship free)
SHIPPING = [("merchant1", 1_200, 9_900), ("merchant4", 600, 5_900)]
FIRST_BUYER = "buyer00001"
FIRST_BUYER_SKU = "D2-02"  # 羊毛大衣 ¥1,299: enough growth for 黄金会员


def _shipping(lines: list[str]) -> None:
    from mallops.orders.shipping import shipping_rule_set

    made = []
    for owner, fee_fen, free_over_fen in SHIPPING:
        user = User.objects.filter(username=owner).first()
        if user is not None:
            rule = shipping_rule_set(actor=actor_of(user), fee_fen=fee_fen, free_over_fen=free_over_fen)
            made.append(f"store {rule.merchant_id} ¥{fee_fen // 100} (满 ¥{free_over_fen // 100} 包邮)")
    lines.append(f"Shipping: {', '.join(made) or 'none'}; the other stores ship free.")


def _first_buyer_order(buyer: User) -> None:
    """A delivered order of buyer00001 ten days ago (once: a fixed idempotency key)."""
    from mallops.core.errors import DomainError
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition

    at = timezone.now() - timedelta(days=10)
    try:
        checkout, created = checkout_create(
            actor=actor_of(buyer),
            idempotency_key="demo-inbox-first-buyer",
            req=CheckoutRequest(lines=[CartLine(FIRST_BUYER_SKU, 1)]),
            now=at,
        )
    except DomainError:  # no such demo SKU or no stock: the inbox stays as the rest of the demo left it
        return
    if not created:
        return
    for order in checkout.orders.unscoped(reason="demo").order_by("pk"):
        for step, event in enumerate((Event.PAY, Event.SHIP, Event.DELIVER)):
            order_transition(
                actor=None,
                order_id=order.pk,
                event=event,
                now=at + timedelta(hours=2 + 20 * step),
                carrier="SF" if event is Event.SHIP else "",
                tracking_number="SF1000000001" if event is Event.SHIP else "",
            )


def _first_buyer_birthday(buyer: User, now: datetime) -> int:
    """buyer00001 gives today's (Beijing) date as birthday and receives the tier's gift; 0 or 1 gift."""
    from mallops.core.errors import DomainError
    from mallops.core.timeutil import SHANGHAI
    from mallops.membership.birthday import birthday_gift_grant, member_birthday_set

    today = now.astimezone(SHANGHAI).date()
    try:
        # given the day before (a birthday given on the day itself pays only from next year)
        member_birthday_set(
            actor=actor_of(buyer), month=today.month, day=today.day, now=now - timedelta(days=1)
        )
    except DomainError:  # not a member, or the birthday was set on an earlier run (once per 365 days)
        return 0
    return 1 if birthday_gift_grant(buyer_id=buyer.pk, now=now) is not None else 0


def load(*, lines: list[str], rng: random.Random) -> None:
    actor = User.objects.get(username="product-ops")
    _shipping(lines)
    first = User.objects.filter(username=FIRST_BUYER).first()
    if first is not None:
        _first_buyer_order(first)
    batch_id = _batch(actor)
    for data in TIERS:
        if Tier.objects.filter(code=data.code).exists():
            continue
        row = tier_create(actor=actor_of(actor), data=data)
        if row.code == "gold":
            gold = TierInput(**{**data.__dict__, "coupon_batch_id": batch_id, "coupons_per_period": 2})
            tier_update(actor=actor_of(actor), tier_id=row.pk, data=gold)
    now = timezone.now()
    events = members_recompute(now=now)
    granted = members_coupons_grant(now=now)
    gifts = _first_buyer_birthday(first, now) if first is not None else 0
    members = Member.objects.filter(tier__isnull=False).count()
    lines.append(
        f"Membership: {Tier.objects.count()} tiers, {members} members ({events} tier changes now), "
        f"{granted} tier coupons granted this month, {gifts} birthday gift to {FIRST_BUYER} "
        "(我的 → 消息). Console /membership/members/."
    )
