"""Factories for tests and benchmarks: promotion and coupon rows made through the models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mallops.accounts.models import Merchant, User
from mallops.accounts.roles import Kind
from mallops.pricing.models import CouponBatch, Promotion


def _creator() -> User:
    user, _ = User.objects.get_or_create(username="pricing-factory", defaults={"kind": Kind.STAFF})
    return user


def make_promotion(merchant: Merchant | None, **fields: Any) -> Promotion:
    """A draft store 满减 (platform 跨店满减 when ``merchant`` is None) running from now for 7 days."""
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "满100减20",
        "kind": "threshold",
        "layer": "store" if merchant is not None else "platform",
        "tiers": [{"min": 10000, "off": 2000}],
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=7),
        "created_by": _creator(),
    }
    values.update(fields)
    row: Promotion = Promotion.objects.create(merchant=merchant, **values)
    return row


def make_batch(merchant: Merchant | None, **fields: Any) -> CouponBatch:
    """An active coupon batch (满199减30 store coupon, or a platform one when ``merchant`` is None)."""
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "满199减30",
        "layer": "store" if merchant is not None else "platform",
        "min_fen": 19900,
        "off_fen": 3000,
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=30),
        "total_quantity": 100,
        "created_by": _creator(),
    }
    values.update(fields)
    batch: CouponBatch = CouponBatch.objects.create(merchant=merchant, **values)
    return batch


def catalogue_sku(merchant: Merchant, code: str, price_fen: int, category: str = "general") -> int:
    """An active catalogue SKU of ``merchant`` (a product in ``category`` with one SKU); returns its id.

    The live cart quote prices only catalogue SKUs, so tests that quote a cart make them first."""
    from mallops.catalogue.models import Category, Product, Sku

    product = Product.objects.create(
        merchant=merchant, category=Category.objects.get(code=category), title=f"测试商品 {code}"
    )
    sku: Sku = Sku.objects.create(
        merchant=merchant, product=product, code=code, price_fen=price_fen, stock=100
    )
    return int(sku.pk)


def make_buyer(username: str) -> User:
    from mallops.testing.factories import _password_hash

    user: User = User.objects.create(username=username, kind=Kind.BUYER, password=_password_hash())
    return user


def walk_rows(a: Merchant, b: Merchant, *, avoid: int) -> dict[str, int]:
    """Rows for the tenancy walk: a promotion and a coupon batch of each merchant and a membership of B's
    store; returns B's ids. (The paid order per store for the campaign report is
    ``mallops.testing.orders.paid_campaign_order``: pricing does not import orders, ADR 0006.)

    The walk's list check looks for ``avoid`` (B's member id) among the ids A sees, so A's rows never take
    that id (on PostgreSQL sequences are not reset between tests, so ids can coincide).
    """
    for make in (make_promotion, make_batch):
        row = make(a)
        if row.pk == avoid:
            make(a)
            row.delete()
    from mallops.pricing.models import Membership

    def membership(merchant: Merchant, name: str) -> Membership:
        row: Membership = Membership.objects.create(
            merchant=merchant,
            buyer=make_buyer(name),
            level="walk",
            valid_from=timezone.now(),
            granted_by=_creator(),
        )
        return row

    own = membership(a, f"walk-member-{a.pk}")
    if own.pk == avoid:
        membership(a, f"walk-member-{a.pk}-2")
        own.delete()
    member = membership(b, f"walk-member-{b.pk}")
    return {
        "promotion_id": make_promotion(b).pk,
        "batch_id": make_batch(b).pk,
        "membership_id": member.pk,
    }
