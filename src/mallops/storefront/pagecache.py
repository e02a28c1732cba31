"""What the storefront caches: the parts of its pages that are the same for every buyer (docs/storefront.md,
缓存). Per-buyer parts (the cart, the personalised order, tracking) and a SKU's live price and stock are
never cached.

Invalidation works across server processes without a shared cache (the embedded default's cache is in
each process's memory): every key carries a stamp read from the database, and a write that changes what a
key holds changes its stamp.

- A product's public part (snapshot, offers' rules text, review score, latest reviews, Q&A) is keyed by the
  product's search entry (``SearchDoc.indexed_at``): one indexed read per view. The entry is rewritten
  after a listing change (approval, take-down), a price change of its stock rows, a review or Q&A change
  (``apps``: after commit), and touched for every product a changed promotion may cover.
- A non-personalised result list is keyed by its matching entries' ``(id, indexed_at)``, the query and
  the filters (``search_selectors.search``), and its rendered HTML by the same key (the template's ``cache`` tag).
- A product page's public HTML (``views_hot``: cut at its per-request slots, ``pagehtml``) is keyed by the
  entry's stamp too, and its 相关商品 section by the stamps of the category's entries
  (``product_stamps``: both read in one query per view).
- The category tree is keyed by nothing but is dropped by any category write in this process, and lives
  ``CATEGORY_SECONDS`` at most (categories are staff data that change a few times a year).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from mallops.core.fixedsql import FixedQuery
from mallops.storefront.models import SearchDoc

if TYPE_CHECKING:
    from mallops.storefront.selectors import ProductPage, ProductPublic

T = TypeVar("T")

SECONDS = 600
CATEGORY_SECONDS = 300
CATEGORY_KEY = "storefront:categories"
# objects kept unpickled in this process as well (a stamped key's value never changes, so a copy per
# process is safe; unpickling a result list of 40 hits cost more than building its page)
LOCAL_ENTRIES = 512

_local: OrderedDict[str, tuple[float, Any]] = OrderedDict()
_local_lock = threading.Lock()


def get(key: str) -> Any:
    """The value under ``key`` (this process's copy first, then Django's cache); None when absent."""
    now = time.monotonic()
    with _local_lock:
        entry = _local.get(key)
        if entry is not None and entry[0] > now:
            _local.move_to_end(key)
            return entry[1]
    value = cache.get(key)
    if value is not None:
        _remember(key, value, SECONDS, now)
    return value


def put(key: str, value: Any, seconds: int = SECONDS) -> None:
    cache.set(key, value, seconds)
    _remember(key, value, seconds, time.monotonic())


def _remember(key: str, value: Any, seconds: int, now: float) -> None:
    with _local_lock:
        _local[key] = (now + seconds, value)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def forget(key: str) -> None:
    cache.delete(key)
    with _local_lock:
        _local.pop(key, None)


def stamp(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def product_page(*, product_id: int) -> ProductPage | None:
    """The product page: its public part from the cache (built on a miss), its SKUs' price and stock live."""
    from mallops.storefront import selectors

    found = product_public(product_id=product_id)
    return None if found is None else selectors.with_live_skus(found[0])


@dataclass(frozen=True, slots=True)
class ProductStamps:
    """What a product page's cached parts are keyed by, read in one query per view."""

    # the public part: the product's search entry and its indexed_at
    key: str
    category_code: str
    # 相关商品: the entries of the product's category, "<count>:<latest indexed_at>" (an entry that is
    # re-indexed, added or removed changes it)
    peers: str


def _stamps_of(*, product_id: int) -> QuerySet[Any]:
    peers = (
        SearchDoc.objects.filter(category_code=OuterRef("category_code")).order_by().values("category_code")
    )
    rows: QuerySet[Any] = (
        SearchDoc.objects.filter(product_id=product_id)
        .annotate(
            peer_count=Subquery(peers.annotate(n=Count("pk")).values("n")),
            peer_latest=Subquery(peers.annotate(latest=Max("indexed_at")).values("latest")),
        )
        .order_by()
        .values("pk", "indexed_at", "category_code", "peer_count", "peer_latest")
    )
    return rows


# compiled once per connection: the ORM's compiling cost more than SQLite's running it (core.fixedsql)
_STAMPS = FixedQuery("storefront.product_stamps", _stamps_of)


def product_stamps(*, product_id: int) -> ProductStamps | None:
    """The stamps of a product's page (None without a search entry: not live, or not indexed yet)."""
    found = _STAMPS.rows(product_id=product_id, limit=1)
    if not found:
        return None
    row = found[0]
    return ProductStamps(
        key=f"storefront:product:{product_id}:{row['pk']}:{stamp(row['indexed_at'])}",
        category_code=row["category_code"],
        peers=f"{row['peer_count']}:{stamp(row['peer_latest'])}",
    )


def product_public(*, product_id: int) -> tuple[ProductPublic, ProductStamps | None] | None:
    """The public part of a product page (from the cache; built on a miss) and its stamps, or None when
    the product is unknown or not live. One query (the stamps) on a hit. A product without a search entry
    (not indexed yet) is built from the rows and not kept (stamps None)."""
    from mallops.storefront import selectors

    stamps = product_stamps(product_id=product_id)
    if stamps is None:
        built = selectors.product_public(product_id=product_id)
        return None if built is None else (built, None)
    public = get(stamps.key)
    if not isinstance(public, selectors.ProductPublic):
        public = selectors.product_public(product_id=product_id)
        if public is None:
            return None
        put(stamps.key, public)
    return public, stamps


# one builder per key at a time in this process: the threads that miss the same key wait for the first
# one's value instead of all building it on two cores (the cold-start tail); other keys are not held up.
# One lock per key being built, never shared between keys: a build may call ``remembered`` for another key
# (the related list builds a search), and locks shared by stripes of keys deadlocked a thread on itself
# when the two keys fell in one stripe (and could deadlock two threads in opposite order).
_building_guard = threading.Lock()
_building: dict[str, tuple[threading.Lock, list[int]]] = {}


@contextmanager
def _one_builder(key: str) -> Iterator[None]:
    with _building_guard:
        lock, users = _building.setdefault(key, (threading.Lock(), [0]))
        users[0] += 1
    try:
        with lock:
            yield
    finally:
        with _building_guard:
            users[0] -= 1
            if not users[0]:
                del _building[key]


def remembered(key: str, build: Callable[[], T], kind: type[T], seconds: int = SECONDS) -> T:
    """The ``kind`` value under ``key`` (a stamped key: its value never changes), built and kept on a miss
    (one builder per key in this process); built and not kept when ``key`` is empty."""
    if not key:
        return build()
    value = get(key)
    if isinstance(value, kind):
        return value
    with _one_builder(key):
        value = get(key)
        if isinstance(value, kind):
            return value
        value = build()
        put(key, value, seconds)
    return value


def categories(build: Callable[[], list[Any]]) -> list[Any]:
    rows = get(CATEGORY_KEY)
    if rows is None:
        rows = build()
        put(CATEGORY_KEY, rows, CATEGORY_SECONDS)
    return list(rows)


def categories_changed() -> None:
    forget(CATEGORY_KEY)


def touch_products(*, merchant_id: int | None) -> int:
    """Give the entries a changed promotion may cover a new stamp (the store's, or every store's for a
    platform promotion): their cached pages and result lists are read again. One UPDATE."""
    entries = SearchDoc.objects.all()
    if merchant_id is not None:
        entries = entries.filter(merchant_id=merchant_id)
    return entries.update(indexed_at=timezone.now())
