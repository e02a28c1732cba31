"""Reads of the storefront pages, assembled from the other apps' selectors (never their models).

The product page shows the listing's approved snapshot (title, pictures, specs), the live price and stock
of each SKU from its stock row (the price checkout charges), the reference price only where it is lawful
(above the live price; the disclosure of 明码标价和禁止价格欺诈规定第十六条 next to it), the rules text of
every live offer that covers the product, and the visible reviews and Q&A.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mallops.orders.checkout import CartLine as OrderCartLine
from mallops.orders.checkout import cart_quote
from mallops.orders.public.selectors import SkuOffer, sku_offers
from mallops.pricing import selectors as pricing
from mallops.pricing.citations import REFERENCE_PRICE
from mallops.pricing.rulestext import REFERENCE_NOTE
from mallops.product_reviews import selectors as reviews
from mallops.product_reviews.contracts import ProductScore
from mallops.review import selectors as listings
from mallops.storefront.models import CartLine

# at most this many units left: the page says "仅剩 N 件"
LOW_STOCK = 5
LATEST_REVIEWS = 3
LATEST_QUESTIONS = 3


@dataclass(frozen=True)
class SkuView:
    code: str
    spec_text: str
    price_fen: int
    # shown struck through only when it is above the live price (a lawful reference price)
    reference_price_fen: int | None
    available: int
    is_on_sale: bool

    @property
    def stock_state(self) -> str:
        """``in_stock``, ``low`` (≤ LOW_STOCK units) or ``sold_out`` (also when the SKU does not sell)."""
        if not self.is_on_sale or self.available <= 0:
            return "sold_out"
        return "low" if self.available <= LOW_STOCK else "in_stock"


@dataclass(frozen=True)
class OfferView:
    name: str
    rules_text: str


@dataclass(frozen=True)
class ProductPage:
    product_id: int
    merchant_id: int
    title: str
    category_code: str
    category_name: str
    selling_points: list[str]
    images: list[dict[str, Any]]
    skus: list[SkuView]
    offers: list[OfferView]
    score: ProductScore
    # visible reviews with at least one picture
    review_pictures: int
    latest_reviews: list[Any] = field(default_factory=list)
    questions: list[Any] = field(default_factory=list)
    reference_note: str = REFERENCE_NOTE.rstrip("；") + "。"
    reference_citation: str = REFERENCE_PRICE.text

    @property
    def price_range(self) -> tuple[int, int] | None:
        prices = [sku.price_fen for sku in self.skus if sku.is_on_sale]
        return (min(prices), max(prices)) if prices else None

    @property
    def has_reference_price(self) -> bool:
        return any(sku.reference_price_fen is not None for sku in self.skus)

    @property
    def is_buyable(self) -> bool:
        return any(sku.stock_state != "sold_out" for sku in self.skus)


def _spec_text(spec_values: dict[str, Any]) -> str:
    return " / ".join(f"{name}：{value}" for name, value in spec_values.items()) or "默认"


def _sku_view(row: dict[str, Any], offer: SkuOffer | None) -> SkuView:
    price = offer.price_fen if offer is not None else int(row["price_fen"])
    reference = row.get("reference_price_fen")
    lawful_reference = int(reference) if reference is not None and int(reference) > price else None
    return SkuView(
        code=str(row["code"]),
        spec_text=_spec_text(dict(row.get("spec_values") or {})),
        price_fen=price,
        reference_price_fen=lawful_reference,
        available=offer.available if offer is not None else 0,
        is_on_sale=offer is not None and offer.is_on_sale,
    )


def _covers(promotion: Any, *, merchant_id: int, category_code: str, sku_codes: set[str]) -> bool:
    """Whether a live promotion's scope includes this product (the pricing adapter's scope rule)."""
    merchants = {int(m) for m in promotion.merchants}
    if merchants and merchant_id not in merchants:
        return False
    if promotion.skus or promotion.categories:
        return bool(sku_codes & set(promotion.skus)) or category_code in promotion.categories
    return True


def product_offers(*, merchant_id: int, category_code: str, sku_codes: set[str]) -> list[OfferView]:
    """The live promotions (the store's and the platform's) that cover the product, with their rules."""
    return [
        OfferView(name=row.name, rules_text=row.rules_text or row.description)
        for row in pricing.live_promotions(merchant_id=merchant_id)
        if _covers(row, merchant_id=merchant_id, category_code=category_code, sku_codes=sku_codes)
    ]


@dataclass(frozen=True)
class ProductPublic:
    """The part of a product page that is the same for every buyer and changes only with the listing, its
    offers and its reviews (cached by ``pagecache``): the page without live SKU rows, and the snapshot's SKU
    rows the live part is built from."""

    page: ProductPage
    sku_rows: list[dict[str, Any]]


def product_public(*, product_id: int) -> ProductPublic | None:
    """Everything of the page but price and stock; None when the product is unknown or not live."""
    listing = listings.live_listing(product_id=product_id)
    if listing is None or listing.live_version is None:
        return None
    snapshot: dict[str, Any] = listing.live_version.snapshot
    rows = [dict(row) for row in snapshot.get("skus") or []]
    category_code = str(snapshot.get("category", ""))
    visible = reviews.product_reviews(product_id=product_id)
    page = ProductPage(
        product_id=product_id,
        merchant_id=listing.merchant_id,
        title=str(snapshot.get("title", "")),
        category_code=category_code,
        category_name=str(snapshot.get("category_name", "")),
        selling_points=[str(p) for p in snapshot.get("selling_points") or []],
        images=list(snapshot.get("images") or []),
        skus=[],
        offers=product_offers(
            merchant_id=listing.merchant_id,
            category_code=category_code,
            sku_codes={str(row["code"]) for row in rows},
        ),
        score=reviews.product_score(product_id=product_id),
        review_pictures=visible.filter(pictures__isnull=False).values("pk").distinct().count(),
        latest_reviews=list(visible[:LATEST_REVIEWS]),
        questions=list(reviews.product_questions(product_id=product_id)[:LATEST_QUESTIONS]),
    )
    return ProductPublic(page=page, sku_rows=rows)


def with_live_skus(public: ProductPublic) -> ProductPage:
    """The page with each SKU's live price and stock (its stock row, read now: never cached, so an order,
    a restock or a price change shows on the next view)."""
    offers = sku_offers(sku_codes=[str(row["code"]) for row in public.sku_rows])
    skus = [_sku_view(row, offers.get(str(row["code"]))) for row in public.sku_rows]
    return replace(public.page, skus=skus)


def product_page(*, product_id: int, fresh: bool = False) -> ProductPage | None:
    """The page of a live product; None when the product is unknown or not live.

    The public part comes from the cache (``pagecache``: keyed by the product's search entry, which every
    listing, offer and review change rewrites); ``fresh`` builds it from the rows (the indexer uses it)."""
    if not fresh:
        from mallops.storefront import pagecache

        return pagecache.product_page(product_id=product_id)
    public = product_public(product_id=product_id)
    return None if public is None else with_live_skus(public)


# ---------------------------------------------------------------- cart


@dataclass(frozen=True)
class CartLineView:
    line_id: int
    sku_code: str
    title: str
    qty: int
    unit_price_fen: int
    amount_fen: int
    discount_fen: int
    paid_fen: int
    available: int
    is_on_sale: bool


@dataclass(frozen=True)
class DiscountView:
    kind: str  # "promotion" or "coupon"
    name: str
    amount_fen: int


@dataclass(frozen=True)
class CartView:
    lines: list[CartLineView]
    discounts: list[DiscountView]
    subtotal_fen: int
    discount_fen: int
    payable_fen: int
    # how much more to spend for the next threshold offer, and what it takes off (None: no next tier)
    next_threshold: tuple[int, int] | None = None
    # 运费 of the orders this cart becomes (decided by the server: orders.shipping), outside payable_fen
    shipping_fen: int = 0
    # why it is free: "member" (会员包邮), "threshold" (满额包邮), "" (charged, or the stores ship free)
    shipping_waiver: str = ""
    # how much more goods payable would make a charged store's shipping free (None: no such threshold)
    free_shipping_needed: int | None = None

    @property
    def pay_fen(self) -> int:
        """What the buyer pays before points: goods payable + shipping."""
        return self.payable_fen + self.shipping_fen

    @property
    def sellable_lines(self) -> list[CartLineView]:
        return [line for line in self.lines if line.is_on_sale]


def cart_view(*, buyer: Any, coupon_ids: list[int] | None = None, only_sku: str = "") -> CartView:
    """The buyer's cart priced by the checkout quote (the best combination of live promotions and held
    coupons, exactly what checkout charges); lines that no longer sell are listed but not priced.

    ``coupon_ids``: None lets the quote choose among every held coupon, ``[]`` uses none. ``only_sku``:
    the one line of 立即购买 (buy now) instead of the whole cart.
    """
    lines_qs = CartLine.objects.filter(buyer=buyer)
    if only_sku:
        lines_qs = lines_qs.filter(sku_code=only_sku)
    rows = list(lines_qs.order_by("added_at", "pk"))
    # one read of the stock rows and the offers for the page's lines, the quote and the offers' names
    read = cart_quote(
        actor=buyer,
        lines=[OrderCartLine(sku=row.sku_code, qty=row.qty) for row in rows],
        coupon_ids=coupon_ids,
    )
    priced: dict[str, dict[str, int]] = {}
    discounts: list[DiscountView] = []
    subtotal = discount = payable = shipping_fen = 0
    next_threshold = None
    waiver, needed = "", None
    quote = read.quote
    if quote is not None:
        for i, qline in enumerate(quote["lines"]):
            priced[read.sellable[i].sku] = qline
        names = read.names
        for applied in quote["applied"]:
            if applied["amount"] > 0:
                kind, name = names.get(applied["id"], ("promotion", "优惠"))
                discounts.append(DiscountView(kind=kind, name=name, amount_fen=int(applied["amount"])))
        subtotal, discount, payable = int(quote["subtotal"]), int(quote["discount"]), int(quote["total"])
        if "next_threshold" in quote:
            nt = quote["next_threshold"]
            next_threshold = (int(nt["needed"]), int(nt["off"]))
        shipping_fen, waiver, needed = _shipping(quote["shipping"]["orders"])
    lines = []
    for row in rows:
        item = read.rows.items.get(row.sku_code)
        qline = priced.get(row.sku_code, {})
        lines.append(
            CartLineView(
                line_id=row.pk,
                sku_code=row.sku_code,
                title=item.title if item is not None else "已下架的商品",
                qty=row.qty,
                unit_price_fen=item.price_fen if item is not None else 0,
                amount_fen=int(qline.get("amount", 0)),
                discount_fen=int(qline.get("discount", 0)),
                paid_fen=int(qline.get("paid", 0)),
                available=item.available if item is not None else 0,
                is_on_sale=row.sku_code in priced,
            )
        )
    return CartView(
        lines=lines,
        discounts=discounts,
        subtotal_fen=subtotal,
        discount_fen=discount,
        payable_fen=payable,
        next_threshold=next_threshold,
        shipping_fen=shipping_fen,
        shipping_waiver=waiver,
        free_shipping_needed=needed,
    )


def _shipping(orders: list[dict[str, Any]]) -> tuple[int, str, int | None]:
    """(shipping fen, the waiver shown, fen still needed for 满额包邮) over the cart's merchant orders."""
    total = sum(int(o["shipping_fen"]) for o in orders)
    waivers = {str(o["waiver"]) for o in orders if not o["shipping_fen"]}
    waiver = (
        "member" if "member" in waivers else ("threshold" if total == 0 and "threshold" in waivers else "")
    )
    needed = [
        int(o["free_over_fen"]) - int(o["goods_fen"])
        for o in orders
        if o["shipping_fen"] and o["free_over_fen"] is not None
    ]
    return total, waiver, min(needed) if needed else None


# ---------------------------------------------------------------- checkout, orders


def usable_coupons(*, buyer: Any) -> list[Any]:
    """The buyer's unused coupons, soonest to expire first (the checkout's coupon choice)."""
    return list(pricing.buyer_coupons(buyer=buyer, status="unused"))


def addresses(*, buyer: Any) -> list[Any]:
    """The buyer's address book (default first), as /me/addresses lists it."""
    from mallops.accounts.profile import address_list

    return sorted(address_list(actor=buyer), key=lambda a: (not a.is_default, a.pk))


def my_orders(*, buyer: Any) -> list[Any]:
    from mallops.orders import selectors as orders

    return list(orders.buyer_orders(actor=buyer).order_by("-created_at", "-pk")[:50])


def my_order(*, buyer: Any, order_id: int) -> Any:
    from mallops.orders import selectors as orders

    return orders.buyer_order_get(actor=buyer, order_id=order_id)


def checkout_orders(*, buyer: Any, checkout_id: int) -> list[Any]:
    """The buyer's orders of one checkout (empty for another buyer's checkout)."""
    from mallops.orders import selectors as orders

    return list(orders.buyer_orders(actor=buyer).filter(checkout_id=checkout_id).order_by("pk"))


def categories() -> list[Any]:
    """Active categories (the filter and the category pages); cached (``pagecache.categories``)."""
    from mallops.catalogue import selectors as catalogue
    from mallops.storefront import pagecache

    return pagecache.categories(
        lambda: [category for category, _depth in catalogue.category_tree(active_only=True)]
    )


def campaigns(limit: int = 8) -> list[OfferView]:
    """Live platform and store promotions, soonest to end first (the home page's 活动 strip)."""
    return [
        OfferView(name=row.name, rules_text=row.rules_text or row.description)
        for row in pricing.live_promotions()[:limit]
    ]


def tracking(*, user: Any, page: str, **extra: Any) -> dict[str, Any] | None:
    """The page's event settings for ``track.js``, or None when nothing may be sent: only for a signed-in
    buyer whose analytics consent stands (signed out or withdrawn: no script, no events)."""
    from mallops.accounts.roles import Kind
    from mallops.dsr.consent_selectors import consent_allows
    from mallops.dsr.contracts import Purpose

    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", None) != Kind.BUYER:
        return None
    if not consent_allows(user.pk, Purpose.ANALYTICS):
        return None
    return {"endpoint": "/api/v1/events", "distinct_id": user.username, "page": page, **extra}
