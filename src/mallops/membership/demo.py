"""Demo membership: three tiers (白银, 黄金 with a monthly coupon, 铂金), the demo buyers placed by the
nightly recompute from their paid orders, and this month's tier coupons handed out.

Through the services only (tier create, coupon batch create, recompute, benefit grant). Idempotent: a tier
whose code exists is not made again, the recompute writes nothing when nothing changed, and the coupons are
granted once per month.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.membership.benefits import members_coupons_grant
from mallops.membership.models import Member, Tier
from mallops.membership.services import TierInput, members_recompute, tier_create, tier_update
from mallops.pricing import coupons
from mallops.pricing.models import CouponBatch

BATCH_NAME = "黄金会员每月专享券"
TIERS = [
    TierInput(code="silver", name="白银会员", rank=1, min_growth=200, discount_percent=2),
    TierInput(code="gold", name="黄金会员", rank=2, min_growth=800, discount_percent=5, free_shipping=True),
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


def _batch(actor: User) -> CouponBatch:
    found: CouponBatch | None = (
        CouponBatch.objects.unscoped(reason="demo idempotency")
        .filter(merchant__isnull=True, name=BATCH_NAME)
        .first()
    )
    if found is not None:
        return found
    now = timezone.now()
    return coupons.coupon_batch_create(
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


def load(*, lines: list[str], rng: random.Random) -> None:
    actor = User.objects.get(username="product-ops")
    batch = _batch(actor)
    for data in TIERS:
        if Tier.objects.filter(code=data.code).exists():
            continue
        row = tier_create(actor=actor_of(actor), data=data)
        if row.code == "gold":
            gold = TierInput(**{**data.__dict__, "coupon_batch_id": batch.pk, "coupons_per_period": 2})
            tier_update(actor=actor_of(actor), tier_id=row.pk, data=gold)
    now = timezone.now()
    events = members_recompute(now=now)
    granted = members_coupons_grant(now=now)
    members = Member.objects.filter(tier__isnull=False).count()
    lines.append(
        f"Membership: {Tier.objects.count()} tiers, {members} members ({events} tier changes now), "
        f"{granted} tier coupons granted this month. Console /membership/members/."
    )
