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
- The category tree is keyed by nothing but is dropped by any category write in this process, and lives
  ``CATEGORY_SECONDS`` at most (categories are staff data that change a few times a year).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils import timezone

from mallops.storefront.models import SearchDoc

if TYPE_CHECKING:
    from mallops.storefront.selectors import ProductPage

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
    """The product page: its public part from the cache (built on a miss), its SKUs' price and stock live.
    A product without a search entry (not live, or not indexed yet) is built from the rows."""
    from mallops.storefront import selectors

    row = SearchDoc.objects.filter(product_id=product_id).values_list("pk", "indexed_at").first()
    if row is None:
        return selectors.product_page(product_id=product_id, fresh=True)
    key = f"storefront:product:{product_id}:{row[0]}:{stamp(row[1])}"
    public = get(key)
    if not isinstance(public, selectors.ProductPublic):
        public = selectors.product_public(product_id=product_id)
        if public is None:
            return None
        put(key, public)
    return selectors.with_live_skus(public)


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
