"""Factories for tests and benchmarks: real rows made through the models, sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.hashers import make_password

from mallops.accounts.models import Merchant, MerchantMember, RoleGrant, User
from mallops.accounts.roles import Kind

PASSWORD = "a-long-test-password"
_HASH: list[str] = []
_seq = itertools.count(1)


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(make_password(PASSWORD))
    return _HASH[0]


def make_staff(*roles: str, username: str | None = None) -> User:
    user = User.objects.create(
        username=username or f"staff{next(_seq)}",
        kind=Kind.STAFF,
        password=_password_hash(),
        is_staff="platform_admin" in roles,
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    return user


def _valid_uscc(body: str) -> str:
    from mallops.accounts.uscc import check_character

    return body + check_character(body)


def make_merchant(name: str | None = None, *, owner: str | None = None) -> tuple[Merchant, User]:
    n = next(_seq)
    merchant = Merchant.objects.create(
        name=name or f"测试店铺{n}",
        licence_number=_valid_uscc(f"91310000MA{n:07d}"),
        contact_name="王小明",
        contact_phone="13800138000",
    )
    user = User.objects.create(username=owner or f"owner{n}", kind=Kind.MERCHANT, password=_password_hash())
    MerchantMember.objects.create(merchant=merchant, user=user, role="merchant_owner")
    return merchant, user


def make_member(
    merchant: Merchant, role: str = "merchant_operator", username: str | None = None
) -> MerchantMember:
    user = User.objects.create(
        username=username or f"member{next(_seq)}", kind=Kind.MERCHANT, password=_password_hash()
    )
    member: MerchantMember = MerchantMember.objects.create(merchant=merchant, user=user, role=role)
    return member


def token_for(user: User) -> str:
    from mallops.accounts.services import token_issue

    return token_issue(username=user.username, password=PASSWORD).token


def approved_sku(merchant: Merchant, *, code: str, price_fen: int, title: str = "测试商品") -> Any:
    """A catalogue SKU of ``merchant`` whose product's listing is live, written straight to the rows (a
    test shortcut past review: product, SKU, its first price-history row, a live listing)."""
    from django.utils import timezone

    from mallops.catalogue.models import Category, PriceHistory, Product, Sku
    from mallops.review.models import Listing, ListingStatus

    # seeded by a data migration; a transactional test's flush removes it, so make it again there
    category, _ = Category.objects.get_or_create(code="general", defaults={"name": "综合"})
    product = Product.objects.create(merchant=merchant, category=category, title=title)
    sku = Sku.objects.create(merchant=merchant, product=product, code=code, price_fen=price_fen)
    PriceHistory.objects.create(merchant=merchant, sku=sku, price_fen=price_fen, changed_at=timezone.now())
    Listing.objects.create(merchant=merchant, product=product, status=ListingStatus.LIVE)
    return sku
