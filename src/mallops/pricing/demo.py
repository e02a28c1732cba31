"""Demo promotions and coupons: store promotions per demo merchant, a platform 跨店满减, coupon batches and
coupons issued to some buyers. Everything goes through the services (checks, launch, audit).

Idempotent: a promotion or batch whose name already exists for its owner is not made again.
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, MerchantMember, User
from mallops.accounts.roles import Kind
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.pricing import coupons, services
from mallops.pricing.models import CouponBatch, PriceObservation, Promotion

# (merchant username, SKU prefix, SKU list prices in fen)
STORE_SKUS = {
    "merchant1": ("FRUIT", [5990, 8800, 12900, 3990]),
    "merchant2": ("WEAR", [19900, 29900, 15900, 45900]),
    "merchant3": ("TECH", [9900, 39900, 129900, 5900]),
    "merchant4": ("BABY", [8900, 16800, 25900, 4500]),
    "merchant5": ("BEAUTY", [13900, 26900, 9900, 35900]),
}


def _skus(username: str, merchant_id: int) -> list[tuple[str, int, str]]:
    """``(code, price, title)`` of four SKUs the store sells: the demo order SKUs (``D<n>-01`` …, made by
    the review demo with their catalogue products) when present, else made-up codes with the prefix."""
    from mallops.catalogue import selectors as catalogue

    found: list[tuple[str, int, str]] = []
    for product in catalogue.product_list(merchant_id=merchant_id).order_by("pk"):
        for sku in catalogue.product_skus(product):
            if sku.code.startswith("D") and "-" in sku.code and sku.code[1:].split("-")[0].isdigit():
                found.append((sku.code, sku.price_fen, product.title))
    if len(found) >= 4:
        return sorted(found)[:4]
    prefix, prices = STORE_SKUS[username]
    return [(f"{prefix}-{i + 1:02d}", price, f"{prefix}-{i + 1:02d}") for i, price in enumerate(prices)]


def _seed_history(merchant: Merchant, skus: list[tuple[str, int, str]], now: datetime) -> None:
    """Thirty days of steady prices, so honest reference prices pass the 7-day check."""
    for sku, price, _title in skus:
        rows = PriceObservation.objects.for_merchant(merchant.pk).filter(sku=sku)
        if not rows.exists():
            PriceObservation.objects.create(
                merchant=merchant,
                sku=sku,
                price_fen=price,
                observed_at=now - timedelta(days=30),
                source="demo",
            )


def _promotion(actor: Actor, merchant_id: int | None, spec: dict[str, Any], launch: bool) -> bool:
    if merchant_id is None:
        existing = Promotion.objects.unscoped(reason="demo idempotency").filter(merchant__isnull=True)
    else:
        existing = Promotion.objects.for_merchant(merchant_id)
    if existing.filter(name=spec["name"]).exists():
        return False
    row = services.promotion_create(
        actor=actor, merchant_id=merchant_id, data=services.PromotionInput(**spec)
    )
    if launch:
        # a refused launch leaves a draft: the console shows its findings
        with contextlib.suppress(DomainError):
            services.promotion_launch(actor=actor, merchant_id=merchant_id, promotion_id=row.pk)
    return True


def _batch(actor: Actor, merchant_id: int | None, spec: dict[str, Any]) -> CouponBatch:
    if merchant_id is None:
        existing = CouponBatch.objects.unscoped(reason="demo idempotency").filter(merchant__isnull=True)
    else:
        existing = CouponBatch.objects.for_merchant(merchant_id)
    found: CouponBatch | None = existing.filter(name=spec["name"]).first()
    if found is not None:
        return found
    return coupons.coupon_batch_create(actor=actor, merchant_id=merchant_id, data=coupons.BatchInput(**spec))


@transaction.atomic
def load(*, lines: list[str], rng: random.Random) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    start, end = now - timedelta(days=1), now + timedelta(days=13)
    made = 0
    batches: list[CouponBatch] = []
    owners = {u.username: u for u in User.objects.filter(username__in=list(STORE_SKUS), kind=Kind.MERCHANT)}
    for n, (username, user) in enumerate(sorted(owners.items()), start=1):
        member = MerchantMember.objects.unscoped(reason="demo").filter(user=user).first()
        if member is None:
            continue
        merchant = member.merchant
        skus = _skus(username, merchant.pk)
        _seed_history(merchant, skus, now)
        specs = [
            (
                {
                    "name": f"{merchant.name} 满100减20 满200减50",
                    "kind": "threshold",
                    "tiers": [{"min": 10000, "off": 2000}, {"min": 20000, "off": 5000}],
                    "starts_at": start,
                    "ends_at": end,
                    "per_buyer_limit": 3,
                },
                True,
            ),
            (
                {
                    "name": f"{skus[0][2]} 限时85折",
                    "kind": "percent_off",
                    "percent": 15,
                    "time_limited": True,
                    "skus": [skus[0][0]],
                    "sku_prices": [
                        {"sku": skus[0][0], "price_fen": skus[0][1], "reference_price_fen": skus[0][1]}
                    ],
                    "description": "限时特惠，到点恢复",
                    "starts_at": start,
                    "ends_at": end,
                },
                True,
            ),
            (
                {
                    "name": "第二件半价",
                    "kind": "nth_item",
                    "n": 2,
                    "percent": 50,
                    "skus": [skus[1][0], skus[3][0]],
                    "starts_at": now + timedelta(days=3),
                    "ends_at": now + timedelta(days=10),
                },
                True,
            ),
        ]
        if n <= 2:
            # drafts the checks refuse: an inflated 原价 and an unreal 限量 claim
            specs.append(
                (
                    {
                        "name": "双12预热 原价直降",
                        "kind": "amount_off",
                        "amount_fen": 1000,
                        "skus": [skus[2][0]],
                        "sku_prices": [
                            {
                                "sku": skus[2][0],
                                "price_fen": skus[2][1],
                                "reference_price_fen": skus[2][1] * 2,
                            }
                        ],
                        "description": "限量100件，手慢无",
                        "starts_at": now + timedelta(days=12),
                        "ends_at": now + timedelta(days=14),
                    },
                    True,
                )
            )
        acting = actor_of(user)
        for spec, launch in specs:
            made += _promotion(acting, merchant.pk, spec, launch)
        batches.append(
            _batch(
                acting,
                merchant.pk,
                {
                    "name": "满199减30 店铺券",
                    "min_fen": 19900,
                    "off_fen": 3000,
                    "starts_at": start,
                    "ends_at": end,
                    "total_quantity": 500,
                    "valid_days": 7,
                    "claim_code": f"{STORE_SKUS[username][0]}30",
                },
            )
        )
    ops = User.objects.filter(username="product-ops").first() or User.objects.filter(username="admin").first()
    if ops is not None:
        ops_actor = actor_of(ops)
        made += _promotion(
            ops_actor,
            None,
            {
                "name": "跨店满减 每满300减50",
                "kind": "threshold",
                "tiers": [{"min": 30000, "off": 5000}],
                "repeat": True,
                "cap_fen": 20000,
                "starts_at": start,
                "ends_at": end,
                "budget_fen": 50_000_00,
            },
            True,
        )
        batches.append(
            _batch(
                ops_actor,
                None,
                {
                    "name": "新人红包 5元",
                    "style": "red_packet",
                    "off_fen": 500,
                    "starts_at": start,
                    "ends_at": end,
                    "total_quantity": 5000,
                    "claim_code": "NEWBIE5",
                },
            )
        )
        batches.append(
            _batch(
                ops_actor,
                None,
                {
                    "name": "平台9折券 最高减20元",
                    "percent": 10,
                    "max_off_fen": 2000,
                    "min_fen": 9900,
                    "starts_at": start,
                    "ends_at": end,
                    "total_quantity": 2000,
                    "claim_code": "PLAT10",
                },
            )
        )
        buyers = list(
            User.objects.filter(kind=Kind.BUYER, username__startswith="buyer").order_by("username")[:40]
        )
        platform_batches = [b for b in batches if b.merchant_id is None]
        for batch in platform_batches:
            if batch.issued_count:
                continue
            chosen = [b.username for b in buyers if rng.random() < 0.5]
            if chosen:
                coupons.coupons_issue(actor=ops_actor, merchant_id=None, batch_id=batch.pk, usernames=chosen)
    issued = sum(
        CouponBatch.objects.unscoped(reason="demo summary")
        .filter(pk=b.pk)
        .values_list("issued_count", flat=True)[0]
        for b in batches
    )
    lines.append(
        f"Promotions: {made} new ({Promotion.objects.unscoped(reason='demo summary').count()} in all), "
        f"{len(batches)} coupon batches, {issued} coupons issued; claim codes NEWBIE5, PLAT10, FRUIT30 …"
    )
