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
from mallops.storefront import ranking
from mallops.storefront.models import CartLine, SearchDoc

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


# ---------------------------------------------------------------- search and ranking

SORTS = ("default", "sales", "price_asc", "price_desc")
PAGE_SIZE = 40


@dataclass(frozen=True)
class SearchHit:
    product_id: int
    title: str
    image_url: str
    min_price_fen: int
    sales_units: int
    review_count: int
    score: float
    explanation: list[ranking.FactorRow]


@dataclass(frozen=True)
class SearchResult:
    query: str
    words: list[str]
    hits: list[SearchHit]
    total: int
    personalised: bool
    # the key of a result that is the same for everybody (its rendered list is cached under it too); empty
    # for a personalised result, which is never cached
    cache_key: str = ""

    @property
    def cache_seconds(self) -> int:
        """For the template's ``cache`` tag: 0 (do not keep) for a personalised result."""
        from mallops.storefront.rank_inputs import SECONDS

        return SECONDS if self.cache_key else 0


def is_personalised(user: Any) -> bool:
    """The E-Commerce Law Art. 18 switch: personalised results only for a signed-in buyer whose
    个性化推荐 consent (its own purpose, ``personalisation``) stands; signed out is off."""
    from mallops.accounts.roles import Kind
    from mallops.dsr.consent_selectors import consent_allows
    from mallops.dsr.contracts import Purpose

    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", None) != Kind.BUYER:
        return False
    return consent_allows(user.pk, Purpose.PERSONALISATION)


def _affinity_categories(buyer: Any) -> set[str]:
    """Categories of the products the buyer ordered (the personal profile; read only when personalised)."""
    from mallops.orders import selectors as orders

    codes = {line.sku_code for order in orders.buyer_orders(actor=buyer)[:100] for line in order.lines.all()}
    if not codes:
        return set()
    return {
        doc.category_code
        for doc in SearchDoc.objects.only("category_code", "sku_codes")
        if codes.intersection(doc.sku_codes)
    }


_DOC_FIELDS = (
    "pk",
    "product_id",
    "category_code",
    "title",
    "image_url",
    "sku_codes",
    "min_price_fen",
    "sales_units",
    "review_mean",
    "review_count",
    "quality_score",
    "indexed_at",
)


@dataclass(frozen=True)
class Ranked:
    """One entry with its 综合 score and explanation, and its 30-day units (月销 and the 销量 sort)."""

    row: dict[str, Any]
    score: float
    explanation: list[ranking.FactorRow]
    units_30d: int


def _rank(
    rows: list[dict[str, Any]], relevance: dict[int, float], liked: set[str], *, personalised: bool
) -> list[Ranked]:
    from mallops.storefront import pagecache, rank_inputs

    signals = rank_inputs.signals(
        [
            rank_inputs.Product(product_id=row["product_id"], stamp=pagecache.stamp(row["indexed_at"]))
            for row in rows
        ]
    )
    scored = []
    for row in rows:
        signal = signals.get(row["product_id"]) or rank_inputs.RankSignals()
        item = ranking.RankInput(
            product_id=row["product_id"],
            relevance=relevance.get(row["pk"], 1.0),
            sales_units_30d=signal.units_30d,
            sales_units_7d=signal.units_7d,
            conversion=signal.conversion,
            review_mean=row["review_mean"],
            review_count=row["review_count"],
            quality_score=row["quality_score"],
            compliance_findings=signal.compliance_findings,
            refund_rate=signal.refund_rate,
            affinity=1.0 if row["category_code"] in liked else 0.0,
        )
        explained = ranking.explain(item, personalised=personalised)
        scored.append(
            Ranked(row, round(sum(r.contribution for r in explained), 4), explained, signal.units_30d)
        )
    return scored


def ranking_explanation(*, product_id: int) -> list[ranking.FactorRow] | None:
    """The non-personalised 综合 explanation of one live product without a query (relevance 1.0): each
    factor's value, weight and contribution from the inputs search uses (for a console page); None when
    the product has no search entry."""
    row = SearchDoc.objects.filter(product_id=product_id).values(*_DOC_FIELDS).first()
    if row is None:
        return None
    return _rank([row], {}, set(), personalised=False)[0].explanation


def _matching(
    *, query: str, category: str, min_price_fen: int | None = None, max_price_fen: int | None = None
) -> tuple[list[str], dict[int, float], list[dict[str, Any]]]:
    """The query's words, each matching entry's relevance (by entry id) and the matching entries' rows
    (at most 500, by entry id): every query word must match; category and price filter."""
    from mallops.storefront import search as index

    words = index.segment_query(query) if query.strip() else []
    docs = SearchDoc.objects.all()
    relevance: dict[int, float] = {}
    if words:
        relevance = index.match(words)
        docs = docs.filter(pk__in=list(relevance))
    if category:
        docs = docs.filter(category_code=category)
    if min_price_fen is not None:
        docs = docs.filter(min_price_fen__gte=min_price_fen)
    if max_price_fen is not None:
        docs = docs.filter(min_price_fen__lte=max_price_fen)
    return words, relevance, list(docs.order_by("pk").values(*_DOC_FIELDS)[:500])


@dataclass(frozen=True)
class RankVariant:
    """The product's place in one variant of the 综合 order (``position`` 1-based; None: not a match)."""

    position: int | None
    score: float
    explanation: list[ranking.FactorRow]


@dataclass(frozen=True)
class RankingReport:
    """What the console's 搜索排序解释 shows for one product, a query and a category: its place and
    explanation for everybody (non-personalised) and for a buyer who bought in its category (personalised:
    the personal factor at its full value), out of ``total`` matches."""

    product_id: int
    title: str
    category_code: str
    query: str
    category: str
    total: int
    matches: bool
    everyone: RankVariant
    personalised: RankVariant
    # the raw inputs behind the factors (the same for everybody)
    signals: Any = None
    review_mean: float | None = None
    review_count: int = 0
    quality_score: int = 0

    @property
    def rows(self) -> list[tuple[ranking.FactorRow | None, ranking.FactorRow]]:
        """Factor by factor: (non-personalised row or None, personalised row), in the personalised order."""
        plain = {row.factor: row for row in self.everyone.explanation}
        return [(plain.get(row.factor), row) for row in self.personalised.explanation]


def ranking_products(*, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """Live products whose title contains ``text`` (or whose id it is), for the console's product picker:
    (product id, title), newest entries first. Public data: every live product is on the storefront."""
    text = text.strip()
    if not text:
        return []
    docs = SearchDoc.objects.filter(title__icontains=text)
    if text.isdigit():
        docs = SearchDoc.objects.filter(product_id=int(text)) | docs
    return list(docs.order_by("-pk").values_list("product_id", "title")[:limit])


def ranking_report(*, product_id: int, query: str = "", category: str = "") -> RankingReport | None:
    """The product's 综合 rank among the matches of ``query`` in ``category`` (the storefront's order, no
    price filter) with the explanation of each factor, non-personalised and personalised; None when the
    product has no search entry (not live). A product that does not match is explained as if it did with
    relevance 0 (``matches`` False) so the operator sees why. Reads only public data (no buyer)."""
    entry = SearchDoc.objects.filter(product_id=product_id).values(*_DOC_FIELDS).first()
    if entry is None:
        return None
    _words, relevance, rows = _matching(query=query, category=category)
    matches = any(row["product_id"] == product_id for row in rows)
    if not matches:
        relevance = {**relevance, entry["pk"]: 0.0}
        rows = [*rows, entry]
    liked = {entry["category_code"]}
    variants = []
    for personalised in (False, True):
        scored = _rank(rows, relevance, liked if personalised else set(), personalised=personalised)
        scored.sort(key=lambda s: (-s.score, s.row["product_id"]))
        place = next(i for i, s in enumerate(scored) if s.row["product_id"] == product_id)
        mine = scored[place]
        variants.append(RankVariant(place + 1 if matches else None, mine.score, mine.explanation))
    from mallops.storefront import pagecache, rank_inputs

    stamp = pagecache.stamp(entry["indexed_at"])
    signals = rank_inputs.signals([rank_inputs.Product(product_id=product_id, stamp=stamp)])
    return RankingReport(
        signals=signals.get(product_id) or rank_inputs.RankSignals(),
        review_mean=entry["review_mean"],
        review_count=entry["review_count"],
        quality_score=entry["quality_score"],
        product_id=product_id,
        title=entry["title"],
        category_code=entry["category_code"],
        query=query,
        category=category,
        total=len(rows) if matches else len(rows) - 1,
        matches=matches,
        everyone=variants[0],
        personalised=variants[1],
    )


def search(
    *,
    query: str = "",
    category: str = "",
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
    sort: str = "default",
    user: Any = None,
) -> SearchResult:
    """Live products matching every query word (all live products without a query), filtered by category
    and price, sorted by 综合 (the documented ranking), 销量 or 价格. The personal factor is read only when
    ``is_personalised(user)``; otherwise nothing about the user is read.

    A non-personalised result is the same for everybody: it is cached under a key made of the query, the
    filters and the matching entries' ids and ``indexed_at`` (``SearchResult.cache_key``), so any change
    that re-indexes one of them, or a new match, gives a new key. Two queries on a hit (full text, entries).
    """
    import hashlib
    import time

    from mallops.storefront import pagecache, rank_inputs

    words, relevance, rows = _matching(
        query=query, category=category, min_price_fen=min_price_fen, max_price_fen=max_price_fen
    )
    personalised = is_personalised(user)
    key = ""
    if not personalised:
        parts = [
            query,
            category,
            str(min_price_fen),
            str(max_price_fen),
            sort,
            repr(sorted(relevance.items())),
        ]
        parts += [f"{row['pk']}:{pagecache.stamp(row['indexed_at'])}" for row in rows]
        # and the ranking inputs' period: they are cached that long (rank_inputs), so is the list
        parts.append(str(int(time.time() // rank_inputs.SECONDS)))
        key = "storefront:search:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
        cached = pagecache.get(key)
        if isinstance(cached, SearchResult):
            return cached
    liked = _affinity_categories(user) if personalised else set()
    scored = _rank(rows, relevance, liked, personalised=personalised)
    if sort == "sales":
        # 销量: the last 30 days' units, the figure the card shows (月销) and the ranking's sales velocity
        scored.sort(key=lambda s: (-s.units_30d, s.row["product_id"]))
    elif sort == "price_asc":
        scored.sort(key=lambda s: (s.row["min_price_fen"], s.row["product_id"]))
    elif sort == "price_desc":
        scored.sort(key=lambda s: (-s.row["min_price_fen"], s.row["product_id"]))
    else:
        scored.sort(key=lambda s: (-s.score, s.row["product_id"]))
    hits = [
        SearchHit(
            product_id=s.row["product_id"],
            title=s.row["title"],
            image_url=s.row["image_url"],
            min_price_fen=s.row["min_price_fen"],
            sales_units=s.units_30d,
            review_count=s.row["review_count"],
            score=s.score,
            explanation=s.explanation,
        )
        for s in scored[:PAGE_SIZE]
    ]
    result = SearchResult(
        query=query, words=words, hits=hits, total=len(scored), personalised=personalised, cache_key=key
    )
    if key:
        pagecache.put(key, result, rank_inputs.SECONDS)
    return result


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
