"""预估到手价 of a product page: what one unit of the chosen SKU would cost the signed-in buyer after the
best combination of offers that buyer can get now (live promotions and the coupons the buyer holds).

The figure is the checkout quote's own (``orders.checkout.cart_quote``, the same engine and rows that
checkout charges), never a client figure. It is labelled an estimate with the offers it assumes
(明码标价和禁止价格欺诈规定 Art. 19-20: no misleading price display, the rules of the offers stated;
规范促销行为暂行规定 Art. 19: conditions prominent): the list price stays the marked price, and checkout
reprices everything. A visitor who is not a signed-in buyer gets no estimate (coupons and member offers
depend on the buyer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mallops.accounts.roles import Kind
from mallops.orders.checkout import CartLine, cart_quote


@dataclass(frozen=True, slots=True)
class Offer:
    kind: str  # "promotion" or "coupon"
    name: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class UnitEstimate:
    """One unit of ``sku_code``: the list price, the offers the quote applies and what is left to pay."""

    sku_code: str
    price_fen: int
    pay_fen: int
    offers: tuple[Offer, ...]
    # 运费 of this one-unit order, outside ``pay_fen`` (0 when it ships free)
    shipping_fen: int


def unit_estimate(*, user: Any, sku_code: str) -> UnitEstimate | None:
    """The 预估到手价 of one unit of ``sku_code`` for ``user``; None for a visitor who is not a signed-in
    buyer, for a SKU that does not sell, or when no offer lowers the price (then the list price says it)."""
    if (
        not sku_code
        or not getattr(user, "is_authenticated", False)
        or getattr(user, "kind", None) != Kind.BUYER
    ):
        return None
    read = cart_quote(actor=user, lines=[CartLine(sku=sku_code, qty=1)])
    quote = read.quote
    if quote is None or int(quote["discount"]) <= 0:
        return None
    offers = []
    for applied in quote["applied"]:
        if int(applied["amount"]) > 0:
            kind, name = read.names.get(applied["id"], ("promotion", ""))
            offers.append(Offer(kind=kind, name=name or "优惠", amount_fen=int(applied["amount"])))
    shipping = sum(int(order["shipping_fen"]) for order in quote.get("shipping", {}).get("orders", []))
    return UnitEstimate(
        sku_code=sku_code,
        price_fen=int(quote["subtotal"]),
        pay_fen=int(quote["total"]),
        offers=tuple(offers),
        shipping_fen=shipping,
    )
