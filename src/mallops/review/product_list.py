"""The platform's product list (``listing.view``): every store's products with their listing status.

One queryset serves the console page (search, filters, date range, sort, export through ``DataTable``) and
``GET /api/v1/platform/products`` (the same filters as query parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from mallops.catalogue import selectors as catalogue_selectors
from mallops.core.actors import Actor
from mallops.core.timeutil import SHANGHAI
from mallops.review.models import Listing, ListingStatus

# a product without a listing has never been submitted: it shows as a draft
STATUSES = ("draft", *(s for s in ListingStatus.values if s != ListingStatus.DRAFT))
SORTS = {
    "id": "pk",
    "title": "title",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "status": "status",
}


def platform_products(*, actor: Actor) -> QuerySet[Any]:
    """Every store's products, annotated with ``listing_id``, ``status`` (the listing's, ``draft``
    without one) and ``is_visible`` (taken-down and never-approved listings are not). 403 without
    ``listing.view``."""
    listings = Listing.objects.for_platform(actor, "listing.view").filter(product_id=OuterRef("pk"))
    visible = listings.filter(live_version__isnull=False, taken_down_at__isnull=True)
    products: QuerySet[Any] = catalogue_selectors.platform_products(
        actor=actor, permission="listing.view"
    ).annotate(
        listing_id=Subquery(listings.values("pk")[:1]),
        status=Coalesce(Subquery(listings.values("status")[:1]), Value("draft")),
        visible_listing=Subquery(visible.values("pk")[:1]),
        merchant_name=F("merchant__name"),
    )
    return products


def store_choices(products: QuerySet[Any], limit: int = 500) -> list[tuple[str, str]]:
    """``(merchant id, store name)`` of the stores that have products, by name (the store filter)."""
    rows = products.order_by().values_list("merchant_id", "merchant__name").distinct()
    return sorted(((str(pk), name) for pk, name in rows[:limit]), key=lambda row: row[1])


@dataclass(frozen=True)
class ProductQuery:
    q: str = ""
    status: str = ""
    category: str = ""
    merchant_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-id"


def filtered(products: QuerySet[Any], query: ProductQuery) -> QuerySet[Any]:
    """The API's filters: title search, status, category code (and its subcategories), store, creation
    dates (Beijing days, both included), sort (``id``, ``title``, ``created_at``, ``updated_at``,
    ``status``, ``-`` for descending). Unknown values are ignored, as on the console page."""
    if query.q.strip():
        products = products.filter(title__icontains=query.q.strip()[:100])
    if query.status in STATUSES:
        products = products.filter(status=query.status)
    if query.category:
        products = products.filter(
            Q(category__code=query.category) | Q(category__parent__code=query.category)
        )
    if query.merchant_id:
        products = products.filter(merchant_id=query.merchant_id)
    if query.date_from:
        products = products.filter(created_at__gte=datetime.combine(query.date_from, time(), tzinfo=SHANGHAI))
    if query.date_to:
        end = datetime.combine(query.date_to + timedelta(days=1), time(), tzinfo=SHANGHAI)
        products = products.filter(created_at__lt=end)
    field = SORTS.get(query.sort.lstrip("-"), "pk")
    descending = query.sort.startswith("-") or query.sort.lstrip("-") not in SORTS
    return products.order_by(f"-{field}" if descending else field, "-pk" if descending else "pk")


def product_row(product: Any) -> dict[str, Any]:
    return {
        "id": product.pk,
        "title": product.title,
        "merchant_id": product.merchant_id,
        "merchant_name": product.merchant_name,
        "category_code": product.category.code,
        "category_name": product.category.name,
        "listing_id": product.listing_id,
        "status": product.status,
        "is_visible": product.visible_listing is not None,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
