"""Catalogue reads, scoped to a merchant (or to a job with a stated reason)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from mallops.catalogue.contracts import ExpiredCertificate, ImageContent, ProductContent, SkuContent
from mallops.catalogue.models import (
    Category,
    CategoryStamp,
    Certificate,
    MerchantNotification,
    PriceHistory,
    Product,
    ProductImage,
    Sku,
)
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.core.timeutil import SHANGHAI


def categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("code")


_STAMP_SQL = f"SELECT stamp FROM {CategoryStamp._meta.db_table} WHERE id = 1"


def category_stamp() -> str | None:
    """The value every write to the category table changes (``CategoryStamp``; one indexed read, SQL
    fixed); None when the row is missing (after a flush, until the next category write): keep no copy."""
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL)
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def category_tree(*, active_only: bool = False) -> list[tuple[Category, int]]:
    """Categories depth-first (each under its parent, siblings by code) with their depth."""
    rows = list(categories())
    children: dict[int | None, list[Category]] = {}
    for category in rows:
        children.setdefault(category.parent_id, []).append(category)
    out: list[tuple[Category, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in sorted(children.get(parent_id, []), key=lambda c: c.code):
            if category.is_active or not active_only:
                out.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return out


def product_list(*, merchant_id: int) -> QuerySet[Product]:
    products: QuerySet[Product] = (
        Product.objects.for_merchant(merchant_id).select_related("category").order_by("-pk")
    )
    return products


def product_get(*, merchant_id: int, product_id: int) -> Product:
    product: Product | None = (
        Product.objects.for_merchant(merchant_id).select_related("category").filter(pk=product_id).first()
    )
    if product is None:
        raise not_found("product")
    return product


def product_skus(product: Product, *, active_only: bool = True) -> list[Sku]:
    qs = Sku.objects.for_merchant(product.merchant_id).filter(product_id=product.pk)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("pk"))


def product_images(product: Product) -> list[ProductImage]:
    return list(ProductImage.objects.for_merchant(product.merchant_id).filter(product_id=product.pk))


def certificate_list(*, merchant_id: int) -> QuerySet[Certificate]:
    certificates: QuerySet[Certificate] = Certificate.objects.for_merchant(merchant_id).order_by("-pk")
    return certificates


def valid_certificates(*, merchant_id: int, product_id: int, at: datetime | None = None) -> list[Certificate]:
    """Unexpired certificates covering the product: its own and the store-wide ones."""
    from mallops.catalogue.services import expiry_instant

    at = at or timezone.now()
    rows = (
        Certificate.objects.for_merchant(merchant_id)
        .filter(Q(product_id=product_id) | Q(product__isnull=True), expired=False)
        .order_by("pk")
    )
    return [row for row in rows if expiry_instant(row.expires_on) > at]


def lowest_price_since(sku_id: int, since: datetime) -> int | None:
    """The lowest price (fen) the SKU has had at any moment from ``since`` until now, or None when it
    has no price history. The price in force at ``since`` counts (the last change before it)."""
    history = PriceHistory.objects.unscoped(reason="price reference check").filter(sku_id=sku_id)
    in_force = history.filter(changed_at__lte=since).order_by("-changed_at", "-pk").first()
    later = history.filter(changed_at__gt=since).aggregate(low=Min("price_fen"))["low"]
    candidates = [p for p in (in_force.price_fen if in_force else None, later) if p is not None]
    return min(candidates) if candidates else None


def notification_list(*, merchant_id: int) -> QuerySet[MerchantNotification]:
    rows: QuerySet[MerchantNotification] = MerchantNotification.objects.for_merchant(merchant_id)
    return rows


def product_exists(*, merchant_id: int, product_id: int) -> bool:
    return bool(Product.objects.for_merchant(merchant_id).filter(pk=product_id).exists())


def sku_exists(*, merchant_id: int, sku_id: int) -> bool:
    return bool(Sku.objects.for_merchant(merchant_id).filter(pk=sku_id).exists())


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
# A certificate valid through a day this close (Beijing date) is "expiring": renew it before listings stop.
CERTIFICATE_EXPIRING_WITHIN = timedelta(days=30)


def certificates_expiring(*, merchant_id: int, now: datetime) -> QuerySet[Certificate]:
    """The store's unexpired certificates valid through at most ``CERTIFICATE_EXPIRING_WITHIN`` from today
    (the certificates page's ``?expiring=1``)."""
    last_day = now.astimezone(SHANGHAI).date() + CERTIFICATE_EXPIRING_WITHIN
    return certificate_list(merchant_id=merchant_id).filter(expired=False, expires_on__lte=last_day)


def workbench_counts(*, actor: Actor, now: datetime) -> dict[str, int]:
    """To-dos of the signed-in merchant's listing staff (one query, this store only; fails closed without a
    membership): certificates about to expire."""
    from mallops.accounts.selectors import user_merchant
    from mallops.accounts.services import require_permission

    require_permission(actor, "store.listing.manage")
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    return {"certificates_expiring": certificates_expiring(merchant_id=member.merchant_id, now=now).count()}


def sku_return_terms(*, merchant_id: int, sku_codes: list[str]) -> dict[str, dict[str, str]]:
    """The after-sales terms of each SKU's product as the buyer sees them now (the orders app copies them
    onto order lines). A code without a SKU of this store gets ``{}`` (no exclusion)."""
    rows = (
        Sku.objects.for_merchant(merchant_id)
        .filter(code__in=sku_codes)
        .values_list("code", "product__return_policy", "product__return_exclusion")
    )
    terms: dict[str, dict[str, str]] = {code: {} for code in sku_codes}
    for code, policy, exclusion in rows:
        terms[code] = {"return_policy": policy, "return_exclusion": exclusion or ""}
    return terms


def store_certificates(
    *, actor: Actor, permission: str, merchant_id: int, limit: int = 20
) -> list[Certificate]:
    """A store's own certificates (not a product's), soonest expiry first, for staff holding
    ``permission`` (the fail-closed platform scope)."""
    return list(
        Certificate.objects.for_platform(actor, permission)
        .filter(merchant_id=merchant_id, product__isnull=True)
        .order_by("expires_on", "pk")[:limit]
    )


# ---- reads of other apps (issue 16: the review app reads products and certificates through these) --------


def category_by_code(code: str) -> Category | None:
    """The category with this code in any state (the caller decides what an inactive one means), or None."""
    return Category.objects.filter(code=code).first()


def category_certificate_kinds(*, code: str) -> list[str]:
    """The certificate kinds a product of the category needs, inherited ones included; 404 ``not_found``
    for an unknown code."""
    category = category_by_code(code)
    if category is None:
        raise not_found("category")
    return category.effective_schema()[1]


def product_external_codes(*, merchant_id: int, codes: list[str] | None = None) -> set[str]:
    """The store's products' non-empty external codes (one query), only among ``codes`` when given."""
    products = Product.objects.for_merchant(merchant_id).exclude(external_code="")
    if codes is not None:
        products = products.filter(external_code__in=codes)
    return set(products.values_list("external_code", flat=True))


def platform_products(*, actor: Actor | None, permission: str) -> QuerySet[Product]:
    """Every store's products for staff holding ``permission`` (the fail-closed platform scope), with
    category and store joined."""
    products: QuerySet[Product] = Product.objects.for_platform(actor, permission).select_related(
        "category", "merchant"
    )
    return products


def related_product_count(*, merchant_id: int, product_id: int, category_id: int) -> int:
    """How many other products of the store share the category (one count query)."""
    return int(
        Product.objects.for_merchant(merchant_id)
        .filter(category_id=category_id)
        .exclude(pk=product_id)
        .count()
    )


def certificates_past_expiry(now: datetime) -> QuerySet[Certificate]:
    """Every store's certificates whose expiry instant has come (the expiry sweep's batch; unscoped: a job)."""
    due: QuerySet[Certificate] = Certificate.objects.unscoped(reason="certificate expiry sweep").filter(
        expiry_due_at__lte=now
    )
    return due


def products_needing_certificate(*, certificate: ExpiredCertificate) -> list[int]:
    """The ids of the products an expired certificate covers whose category requires its kind (the store's
    products, or only its product for a product certificate; one query, plus the categories' ancestors)."""
    products = Product.objects.for_merchant(certificate.merchant_id).select_related("category")
    if certificate.product_id is not None:
        products = products.filter(pk=certificate.product_id)
    return [p.pk for p in products if certificate.kind in p.category.effective_schema()[1]]


def product_content(*, merchant_id: int, product_id: int, with_schema: bool = False) -> ProductContent:
    """The product's current content (``catalogue.contracts.ProductContent``): the product and its category
    (one query), its active SKUs (one) and images (one); ``with_schema`` adds the category's required
    attributes and certificate kinds, ancestors included (one query per ancestor). 404 ``not_found``."""
    product = product_get(merchant_id=merchant_id, product_id=product_id)
    category = product.category
    schema = category.effective_schema() if with_schema else None
    return ProductContent(
        id=product.pk,
        merchant_id=product.merchant_id,
        category_id=category.pk,
        category_code=category.code,
        category_name=category.name,
        compliance_category=category.compliance_category,
        required_attributes=None if schema is None else schema[0],
        required_certificates=None if schema is None else schema[1],
        title=product.title,
        selling_points=list(product.selling_points),
        description=dict(product.description),
        attributes=dict(product.attributes),
        return_policy=product.return_policy,
        return_exclusion=product.return_exclusion,
        skus=tuple(
            SkuContent(
                id=sku.pk,
                code=sku.code,
                spec_values=dict(sku.spec_values),
                price_fen=sku.price_fen,
                reference_price_fen=sku.reference_price_fen,
                stock=sku.stock,
            )
            for sku in product_skus(product)
        ),
        images=tuple(
            ImageContent(
                url=image.url,
                width=image.width,
                height=image.height,
                size_bytes=image.size_bytes,
                angle=image.angle,
            )
            for image in product_images(product)
        ),
    )
