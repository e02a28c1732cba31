"""Search and ranking reads of the storefront (split from ``selectors``): the ranked search with its filters
and sorts, the E-Commerce Law Art. 18 switch (personalised only with the buyer's consent), and the ranking
explained per product for the console (R2.1.1 step 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from mallops.core.fixedsql import FixedQuery
from mallops.core.inputs import is_ascii_digits
from mallops.storefront import ranking
from mallops.storefront.models import SearchDoc

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


def _entry_stamps(**values: Any) -> QuerySet[Any]:
    """The builder of ``_STAMPS``: the filters of ``_matching`` (each one present when its value is given:
    ``pks`` the full-text matches, ``category``, ``min_price_fen``, ``max_price_fen``), only the columns of
    the result's key."""
    docs = SearchDoc.objects.all()
    if "pks" in values:
        docs = docs.filter(pk__in=values["pks"])
    if "category" in values:
        docs = docs.filter(category_code=values["category"])
    if "min_price_fen" in values:
        docs = docs.filter(min_price_fen__gte=values["min_price_fen"])
    if "max_price_fen" in values:
        docs = docs.filter(min_price_fen__lte=values["max_price_fen"])
    rows: QuerySet[Any] = docs.order_by("pk").values("pk", "indexed_at")
    return rows


_STAMPS = FixedQuery("storefront.search_stamps", _entry_stamps)


def _matching_stamps(
    *, query: str, category: str, min_price_fen: int | None = None, max_price_fen: int | None = None
) -> tuple[list[str], dict[int, float], list[dict[str, Any]]]:
    """``_matching`` with only each matching entry's ``pk`` and ``indexed_at`` (the result's key), by a
    statement compiled once per connection; the entries' rows are read on a miss (``_entries``)."""
    from mallops.storefront import search as index

    words = index.segment_query(query) if query.strip() else []
    relevance: dict[int, float] = {}
    values: dict[str, Any] = {}
    if words:
        relevance = index.match(words)
        if not relevance:
            return words, relevance, []
        values["pks"] = sorted(relevance)
    if category:
        values["category"] = category
    if min_price_fen is not None:
        values["min_price_fen"] = int(min_price_fen)
    if max_price_fen is not None:
        values["max_price_fen"] = int(max_price_fen)
    return words, relevance, _STAMPS.rows(limit=500, **values)


def _entries(stamps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the entries ``_matching_stamps`` found, by entry id (as ``_matching`` reads them)."""
    if not stamps:
        return []
    pks = [row["pk"] for row in stamps]
    return list(SearchDoc.objects.filter(pk__in=pks).order_by("pk").values(*_DOC_FIELDS))


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
    if is_ascii_digits(text):  # "²" passes str.isdigit, and int() refuses it
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
    that re-indexes one of them, or a new match, gives a new key. Two queries on a hit: the full text and
    the entries' ids and stamps (a statement compiled once per connection); the entries' rows are read only
    when the key is not kept yet.
    """
    import hashlib
    import time

    from mallops.storefront import pagecache, rank_inputs

    personalised = is_personalised(user)
    key = ""
    if personalised:  # never kept: the entries' rows at once
        words, relevance, rows = _matching(
            query=query, category=category, min_price_fen=min_price_fen, max_price_fen=max_price_fen
        )
    else:  # the key from the entries' stamps only; their rows are read when the key is not kept yet
        words, relevance, rows = _matching_stamps(
            query=query, category=category, min_price_fen=min_price_fen, max_price_fen=max_price_fen
        )
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

    def build() -> SearchResult:
        entries = rows if personalised else _entries(rows)
        return _ranked_result(
            query, words, relevance, entries, sort=sort, user=user, personalised=personalised, key=key
        )

    return pagecache.remembered(key, build, SearchResult, rank_inputs.SECONDS)


def _ranked_result(
    query: str,
    words: list[str],
    relevance: dict[int, float],
    rows: list[dict[str, Any]],
    *,
    sort: str,
    user: Any,
    personalised: bool,
    key: str,
) -> SearchResult:
    """``search``'s result list from the matching entries (ranked, sorted, the first page)."""
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
    return SearchResult(
        query=query, words=words, hits=hits, total=len(scored), personalised=personalised, cache_key=key
    )
