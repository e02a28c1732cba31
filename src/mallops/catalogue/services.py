"""Catalogue writes: products with SKUs and images, prices (with history), certificates, notifications."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.catalogue.contracts import (
    CategoryInput,
    ExpiredCertificate,
    ImageInput,
    ProductInput,
    SkuInput,
)
from mallops.catalogue.models import (
    COMPLIANCE_CATEGORIES,
    DESCRIPTION_SECTIONS,
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MIN_IMAGE_SIDE,
    Category,
    Certificate,
    CertificateKind,
    MerchantNotification,
    PriceHistory,
    Product,
    ProductImage,
    ReturnExclusion,
    ReturnPolicy,
    Sku,
)
from mallops.catalogue.schema import map_attribute_names, spec_of, validate_schema
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.core.timeutil import SHANGHAI

SKU_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_PRICE_FEN = 100_000_000_00  # CNY 100 million
MAX_SELLING_POINTS = 5

# What an app above the catalogue keeps per SKU follows each write of SKUs: the orders app registers the
# sync of each SKU's stock row (``orders.stock.catalogue_sync``) when it starts, so the catalogue calls it
# without importing orders (ADR 0006: catalogue sits below orders). Called in the writing transaction.
SKUS_WRITTEN_HOOKS: list[Callable[[Sequence[Sku]], object]] = []


def register_skus_written_hook(hook: Callable[[Sequence[Sku]], object]) -> None:
    """Call ``hook`` with the SKUs of every product write and price change (once; from an app's ``ready``)."""
    if hook not in SKUS_WRITTEN_HOOKS:
        SKUS_WRITTEN_HOOKS.append(hook)


def _skus_written(skus: Sequence[Sku]) -> None:
    for hook in SKUS_WRITTEN_HOOKS:
        hook(skus)


def validate_product_input(data: ProductInput, loc: tuple[str | int, ...] = ("body",)) -> list[FieldError]:
    """Hard errors that stop a product from being stored (completeness is checked at submission)."""
    errors: list[FieldError] = []

    def err(where: tuple[str | int, ...], msg: str, code: str = "invalid") -> None:
        errors.append(FieldError(loc=loc + where, msg=msg, code=code))

    category = Category.objects.filter(code=data.category_code).first()
    if category is None:
        err(("category_code",), f"unknown category {data.category_code!r}", "unknown_category")
    else:
        errors.extend(resolve_attributes(data, category, loc=loc)[1])
    title = data.title.strip()
    if not title:
        err(("title",), "the title is required", "required")
    elif len(title) > 120:
        err(("title",), "the title is at most 120 characters", "too_long")
    if len(data.selling_points) > MAX_SELLING_POINTS:
        err(("selling_points",), f"at most {MAX_SELLING_POINTS} selling points", "too_many")
    for index, point in enumerate(data.selling_points):
        if not point.strip() or len(point) > 60:
            err(("selling_points", index), "a selling point has 1 to 60 characters")
    for key in data.description:
        if key not in DESCRIPTION_SECTIONS:
            err(("description", key), f"sections are {', '.join(DESCRIPTION_SECTIONS)}", "unknown_section")
    if data.return_policy not in ReturnPolicy.values:
        err(("return_policy",), "eligible or excluded", "invalid_choice")
    elif data.return_policy == ReturnPolicy.EXCLUDED and data.return_exclusion not in ReturnExclusion.values:
        err(
            ("return_exclusion",),
            "an exclusion from 7-day return needs a statutory reason: " + ", ".join(ReturnExclusion.values),
            "statutory_reason_required",
        )
    elif data.return_policy == ReturnPolicy.ELIGIBLE and data.return_exclusion:
        err(("return_exclusion",), "an eligible product has no exclusion reason")
    if not data.skus:
        err(("skus",), "at least one SKU", "required")
    seen: set[str] = set()
    for index, sku in enumerate(data.skus):
        errors.extend(_validate_sku(sku, (*loc, "skus", index)))
        if sku.code in seen:
            err(("skus", index, "code"), f"duplicate SKU code {sku.code!r}", "duplicate")
        seen.add(sku.code)
    if len(data.images) > MAX_IMAGES:
        err(("images",), f"at most {MAX_IMAGES} images", "too_many")
    for index, image in enumerate(data.images):
        errors.extend(_validate_image(image, (*loc, "images", index)))
    return errors


def resolve_attributes(
    data: ProductInput, category: Category, loc: tuple[str | int, ...] = ("body",)
) -> tuple[ProductInput, list[FieldError]]:
    """The input with attributes keyed by their Chinese name (保质期) moved to the schema key
    (``shelf_life``) and typed values checked; errors name the attribute as the merchant typed it."""
    mapped, problems = map_attribute_names(data.attributes, category.attribute_specs())
    errors = [FieldError(loc=(*loc, "attributes", *p.where), msg=p.message, code=p.code) for p in problems]
    return replace(data, attributes=mapped), errors


def _validate_sku(sku: SkuInput, loc: tuple[str | int, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not SKU_CODE_RE.match(sku.code):
        errors.append(FieldError((*loc, "code"), "letters, digits, '.', '_' or '-', up to 64", "invalid"))
    if not 0 <= sku.price_fen <= MAX_PRICE_FEN:
        errors.append(FieldError((*loc, "price_fen"), "price in fen between 0 and 10^10", "out_of_range"))
    if sku.reference_price_fen is not None and not 0 < sku.reference_price_fen <= MAX_PRICE_FEN:
        errors.append(FieldError((*loc, "reference_price_fen"), "a positive price in fen", "out_of_range"))
    if sku.stock < 0:
        errors.append(FieldError((*loc, "stock"), "stock cannot be negative", "out_of_range"))
    for key, value in sku.spec_values.items():
        if not key.strip() or not str(value).strip():
            errors.append(FieldError((*loc, "spec_values"), "spec names and values are non-empty", "invalid"))
            break
    return errors


def _validate_image(image: ImageInput, loc: tuple[str | int, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not image.url.strip():
        errors.append(FieldError((*loc, "url"), "the image url is required", "required"))
    if image.size_bytes <= 0 or image.size_bytes > MAX_IMAGE_BYTES:
        errors.append(FieldError((*loc, "size_bytes"), "an image is at most 5 MB", "too_large"))
    if min(image.width, image.height) < MIN_IMAGE_SIDE:
        errors.append(FieldError((*loc, "width"), f"each side is at least {MIN_IMAGE_SIDE} px", "too_small"))
    return errors


def _snapshot(product: Product) -> dict[str, Any]:
    return {
        "title": product.title,
        "category_id": product.category_id,
        "attributes": product.attributes,
        "return_policy": product.return_policy,
    }


def _write_price(*, actor: Actor, sku: Sku, price_fen: int, at: datetime) -> None:
    PriceHistory.objects.create(
        merchant_id=sku.merchant_id,
        sku=sku,
        price_fen=price_fen,
        changed_at=at,
        changed_by_id=actor.user_id,
    )


def _apply(
    *, actor: Actor, merchant_id: int, product: Product, data: ProductInput, now: datetime
) -> list[str]:
    """Write the product's fields, SKUs (matched by code) and images; returns codes of repriced SKUs."""
    product.category = Category.objects.get(code=data.category_code)
    data = resolve_attributes(data, product.category)[0]
    product.title = data.title.strip()
    product.selling_points = [p.strip() for p in data.selling_points]
    product.description = {k: v for k, v in data.description.items() if v.strip()}
    product.attributes = {k: str(v).strip() for k, v in data.attributes.items() if str(v).strip()}
    product.return_policy = data.return_policy
    product.return_exclusion = data.return_exclusion
    product.external_code = data.external_code
    product.save()
    existing = {sku.code: sku for sku in Sku.objects.for_merchant(merchant_id).filter(product=product)}
    repriced: list[str] = []
    written: list[Sku] = []
    for item in data.skus:
        sku = existing.pop(item.code, None)
        if sku is None:
            sku = Sku.objects.create(
                merchant_id=merchant_id,
                product=product,
                code=item.code,
                spec_values=item.spec_values,
                price_fen=item.price_fen,
                reference_price_fen=item.reference_price_fen,
                stock=item.stock,
            )
            _write_price(actor=actor, sku=sku, price_fen=item.price_fen, at=now)
            written.append(sku)
            continue
        if sku.price_fen != item.price_fen:
            _write_price(actor=actor, sku=sku, price_fen=item.price_fen, at=now)
            repriced.append(sku.code)
        sku.spec_values = item.spec_values
        sku.price_fen = item.price_fen
        sku.reference_price_fen = item.reference_price_fen
        sku.stock = item.stock
        sku.is_active = True
        sku.save()
        written.append(sku)
    for stale in existing.values():
        stale.is_active = False
        stale.save(update_fields=["is_active"])
    # hook: each SKU's stock row in the orders app (created, linked, title and price kept equal)
    _skus_written(written)
    # images given by URL are replaced; uploaded files stay (catalogue.uploads adds and deletes them)
    ProductImage.objects.for_merchant(merchant_id).filter(product=product, file="").delete()
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                merchant_id=merchant_id,
                product=product,
                url=image.url,
                width=image.width,
                height=image.height,
                size_bytes=image.size_bytes,
                angle=image.angle,
                position=position,
            )
            for position, image in enumerate(data.images)
        ]
    )
    return repriced


@transaction.atomic
def product_create(*, actor: Actor, merchant_id: int, data: ProductInput) -> Product:
    errors = validate_product_input(data)
    if data.external_code and (
        Product.objects.for_merchant(merchant_id).filter(external_code=data.external_code).exists()
    ):
        errors.append(FieldError(("body", "external_code"), "this code is already used", "duplicate"))
    if not Category.objects.filter(code=data.category_code, is_active=True).exists():
        errors.append(
            FieldError(("body", "category_code"), "this category takes no new products", "category_inactive")
        )
    if errors:
        raise validation_error(errors)
    product = Product(merchant_id=merchant_id)
    _apply(actor=actor, merchant_id=merchant_id, product=product, data=data, now=timezone.now())
    audit_record(actor=actor, action="catalogue.product_create", obj=product, after=_snapshot(product))
    return product


@transaction.atomic
def product_update(*, actor: Actor, merchant_id: int, product_id: int, data: ProductInput) -> Product:
    """Replace the product's content. A live listing keeps showing its approved version until a new
    version is submitted and approved (review app)."""
    product: Product | None = (
        Product.objects.for_merchant(merchant_id).select_for_update().filter(pk=product_id).first()
    )
    if product is None:
        raise not_found("product")
    errors = validate_product_input(data)
    if data.external_code and (
        Product.objects.for_merchant(merchant_id)
        .filter(external_code=data.external_code)
        .exclude(pk=product_id)
        .exists()
    ):
        errors.append(FieldError(("body", "external_code"), "this code is already used", "duplicate"))
    if (
        data.category_code != product.category.code
        and not Category.objects.filter(code=data.category_code, is_active=True).exists()
    ):
        errors.append(
            FieldError(("body", "category_code"), "this category takes no new products", "category_inactive")
        )
    uploaded = ProductImage.objects.for_merchant(merchant_id).filter(product=product).exclude(file="").count()
    if data.images and uploaded + len(data.images) > MAX_IMAGES:
        errors.append(
            FieldError(
                ("body", "images"), f"at most {MAX_IMAGES} images with the {uploaded} uploaded", "too_many"
            )
        )
    if errors:
        raise validation_error(errors)
    before = _snapshot(product)
    _apply(actor=actor, merchant_id=merchant_id, product=product, data=data, now=timezone.now())
    audit_record(
        actor=actor,
        action="catalogue.product_update",
        obj=product,
        before=before,
        after=_snapshot(product),
    )
    return product


@transaction.atomic
def sku_price_set(*, actor: Actor, merchant_id: int, sku_id: int, price_fen: int) -> Sku:
    sku: Sku | None = Sku.objects.for_merchant(merchant_id).select_for_update().filter(pk=sku_id).first()
    if sku is None:
        raise not_found("sku")
    if not 0 <= price_fen <= MAX_PRICE_FEN:
        raise validation_error(
            [FieldError(("body", "price_fen"), "price in fen between 0 and 10^10", "out_of_range")]
        )
    before = sku.price_fen
    if before != price_fen:
        sku.price_fen = price_fen
        sku.save(update_fields=["price_fen"])
        _write_price(actor=actor, sku=sku, price_fen=price_fen, at=timezone.now())
        _skus_written([sku])  # hook: the stock row's price follows
        audit_record(
            actor=actor,
            action="catalogue.sku_price_set",
            obj=sku,
            before={"price_fen": before},
            after={"price_fen": price_fen},
        )
    return sku


def expiry_instant(expires_on: date) -> datetime:
    """A certificate valid through ``expires_on`` (Beijing time) stops at the next local midnight."""
    return datetime.combine(expires_on + timedelta(days=1), time.min, tzinfo=SHANGHAI).astimezone(UTC)


@transaction.atomic
def certificate_create(
    *,
    actor: Actor,
    merchant_id: int,
    kind: str,
    number: str,
    expires_on: date,
    product_id: int | None = None,
) -> Certificate:
    errors: list[FieldError] = []
    if kind not in CertificateKind.values:
        errors.append(
            FieldError(("body", "kind"), "one of " + ", ".join(CertificateKind.values), "invalid_choice")
        )
    if not number.strip() or len(number) > 100:
        errors.append(FieldError(("body", "number"), "the certificate number is required", "required"))
    now = timezone.now()
    if expiry_instant(expires_on) <= now:
        errors.append(FieldError(("body", "expires_on"), "the certificate has already expired", "expired"))
    if (
        product_id is not None
        and not Product.objects.for_merchant(merchant_id).filter(pk=product_id).exists()
    ):
        raise not_found("product")
    if errors:
        raise validation_error(errors)
    certificate: Certificate = Certificate.objects.create(
        merchant_id=merchant_id,
        product_id=product_id,
        kind=kind,
        number=number.strip(),
        expires_on=expires_on,
        expiry_due_at=expiry_instant(expires_on),
    )
    audit_record(
        actor=actor,
        action="catalogue.certificate_create",
        obj=certificate,
        after={"kind": kind, "number": certificate.number, "expires_on": expires_on.isoformat()},
    )
    return certificate


def notification_create(
    *, merchant_id: int, kind: str, subject: str, data: dict[str, Any]
) -> MerchantNotification:
    """Record a message for the merchant (called inside the caller's transaction)."""
    row: MerchantNotification = MerchantNotification.objects.create(
        merchant_id=merchant_id, kind=kind, subject=subject, data=data
    )
    return row


def certificate_mark_expired(certificate: Model) -> ExpiredCertificate:
    """Take the certificate (a row of the expiry sweep's batch, ``selectors.certificates_past_expiry``)
    out of the sweep's due set; the sweep handler (review) goes on with the returned row."""
    if not isinstance(certificate, Certificate):
        raise TypeError(f"not a certificate: {certificate!r}")
    certificate.expired = True
    certificate.expiry_due_at = None
    certificate.save(update_fields=["expired", "expiry_due_at"])
    return ExpiredCertificate(
        id=certificate.pk,
        merchant_id=certificate.merchant_id,
        product_id=certificate.product_id,
        kind=certificate.kind,
        kind_label=str(certificate.get_kind_display()),
        number=certificate.number,
        expires_on=certificate.expires_on,
    )


CATEGORY_CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def _category_state(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "parent_id": category.parent_id,
        "compliance_category": category.compliance_category,
        "attributes": list(category.required_attributes),
        "required_certificates": list(category.required_certificates),
        "default_return_exclusion": category.default_return_exclusion,
        "is_active": category.is_active,
    }


def _descendants(category: Category) -> list[Category]:
    found: list[Category] = []
    frontier = [category.pk]
    while frontier:
        children = list(Category.objects.filter(parent_id__in=frontier))
        found.extend(children)
        frontier = [c.pk for c in children]
    return found


def _validate_category(
    data: CategoryInput, current: Category | None
) -> tuple[Category | None, list[FieldError]]:
    errors: list[FieldError] = []

    def err(where: tuple[str | int, ...], msg: str, code: str = "invalid") -> None:
        errors.append(FieldError(loc=("body", *where), msg=msg, code=code))

    if not CATEGORY_CODE_RE.match(data.code):
        err(("code",), "lower-case letters, digits, '-' and '_', starting with a letter", "invalid")
    elif Category.objects.filter(code=data.code).exclude(pk=current.pk if current else 0).exists():
        err(("code",), f"the code {data.code!r} is already used", "duplicate")
    name = data.name.strip()
    if not name or len(name) > 64:
        err(("name",), "a name of 1 to 64 characters", "required")
    parent: Category | None = None
    descendants = _descendants(current) if current is not None else []
    if data.parent_id is not None:
        parent = Category.objects.filter(pk=data.parent_id).first()
        if parent is None:
            err(("parent_id",), "no such category", "unknown_category")
        elif current is not None and (parent.pk == current.pk or parent in descendants):
            err(("parent_id",), "a category cannot sit under itself or its own subcategory", "cycle")
            parent = None
    if data.compliance_category not in COMPLIANCE_CATEGORIES:
        err(("compliance_category",), "one of " + ", ".join(COMPLIANCE_CATEGORIES), "invalid_choice")
    unknown = [k for k in data.required_certificates if k not in CertificateKind.values]
    if unknown:
        err(("required_certificates",), f"unknown certificate kinds {unknown}", "invalid_choice")
    if len(set(data.required_certificates)) != len(data.required_certificates):
        err(("required_certificates",), "each certificate kind once", "duplicate")
    if data.default_return_exclusion and data.default_return_exclusion not in ReturnExclusion.values:
        err(("default_return_exclusion",), "one of " + ", ".join(ReturnExclusion.values), "invalid_choice")
    # keys and names must stay unique along every path of the tree: the ancestors' entries and the
    # subcategories' own entries
    around = parent.attribute_specs() if parent is not None else []
    around += [spec_of(raw) for child in descendants for raw in child.required_attributes]
    for problem in validate_schema(list(data.attributes), around):
        errors.append(
            FieldError(loc=("body", "attributes", *problem.where), msg=problem.message, code=problem.code)
        )
    return parent, errors


def _write_category(category: Category, data: CategoryInput, parent: Category | None) -> None:
    category.code = data.code
    category.name = data.name.strip()
    category.parent = parent
    category.compliance_category = data.compliance_category
    category.required_attributes = [
        replace(
            spec,
            label=spec.label.strip(),
            unit=spec.unit.strip(),
            choices=tuple(c.strip() for c in spec.choices),
        ).as_dict()
        for spec in data.attributes
    ]
    category.required_certificates = list(data.required_certificates)
    category.default_return_exclusion = data.default_return_exclusion
    category.is_active = data.is_active
    category.full_clean()
    category.save()


@transaction.atomic
def category_create(*, actor: Actor, data: CategoryInput) -> Category:
    """A new category with its attribute schema and required certificate kinds (``catalogue.manage``).

    Errors: 403 without the permission; 422 with field paths (``body.attributes.0.key``)."""
    require_permission(actor, "catalogue.manage")
    parent, errors = _validate_category(data, None)
    if errors:
        raise validation_error(errors)
    category = Category()
    _write_category(category, data, parent)
    audit_record(
        actor=actor,
        action="catalogue.category_create",
        obj=category,
        after=_category_state(category),
    )
    return category


@transaction.atomic
def category_update(*, actor: Actor, category_id: int, data: CategoryInput) -> Category:
    """Replace a category's fields and own schema (``catalogue.manage``). Existing products keep their
    attribute values; a newly required attribute is demanded at their next submission. Locks the row."""
    require_permission(actor, "catalogue.manage")
    category: Category | None = Category.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise not_found("category")
    parent, errors = _validate_category(data, category)
    if errors:
        raise validation_error(errors)
    before = _category_state(category)
    _write_category(category, data, parent)
    audit_record(
        actor=actor,
        action="catalogue.category_update",
        obj=category,
        before=before,
        after=_category_state(category),
    )
    return category
