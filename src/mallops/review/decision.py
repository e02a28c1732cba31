"""What a reviewer needs beside the findings to decide (issue 14, item 5): the merchant, the submitted
images, the SKUs with their prices and reference prices, the attributes against the category's schema,
and the certificates that cover the product (required kinds marked present or missing).

Everything comes from the version's immutable snapshot (what the merchant submitted), except the merchant
and the certificates, which are read now (their state at decision time is what matters). Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from mallops.catalogue import selectors as catalogue
from mallops.core.words import label
from mallops.review.labels import ANGLES
from mallops.review.models import Listing


@dataclass(frozen=True)
class SkuRow:
    code: str
    spec: str
    price_fen: int
    reference_price_fen: int | None
    stock: int | None
    below_reference: bool  # a "was" price shown above the price: the reviewer checks it against history


@dataclass(frozen=True)
class AttributeRow:
    key: str
    name: str
    value: str
    required: bool
    missing: bool


@dataclass(frozen=True)
class CertificateRow:
    kind: str
    name: str
    number: str
    expires_on: Any
    expired: bool
    scope: str  # "product" | "store"


def _spec(values: dict[str, Any]) -> str:
    return "；".join(f"{k}：{v}" for k, v in (values or {}).items())


def _skus(snapshot: dict[str, Any]) -> list[SkuRow]:
    rows = []
    for sku in snapshot.get("skus") or []:
        reference = sku.get("reference_price_fen")
        rows.append(
            SkuRow(
                code=str(sku.get("code", "")),
                spec=_spec(sku.get("spec_values") or {}),
                price_fen=int(sku.get("price_fen") or 0),
                reference_price_fen=int(reference) if reference is not None else None,
                stock=sku.get("stock"),
                below_reference=reference is not None and int(sku.get("price_fen") or 0) < int(reference),
            )
        )
    return rows


def _attributes(listing: Listing, snapshot: dict[str, Any]) -> list[AttributeRow]:
    given = dict(snapshot.get("attributes") or {})
    schema, _certificates = listing.product.category.effective_schema()
    rows = []
    for spec in schema:
        key = str(spec["key"])
        value = given.pop(key, None)
        if value is None and spec.get("label"):
            value = given.pop(str(spec["label"]), None)
        unit = str(spec.get("unit") or "")
        shown = "" if value in (None, "") else f"{value}{unit}"
        rows.append(AttributeRow(key, str(spec.get("label") or key), shown, True, shown == ""))
    for key, value in given.items():
        rows.append(AttributeRow(str(key), str(key), str(value), False, False))
    return rows


def _certificates(listing: Listing) -> tuple[list[CertificateRow], list[dict[str, Any]]]:
    """Certificates covering the product (its own and the store-wide ones), and the category's required
    kinds each marked present (an unexpired certificate of that kind covers the product) or missing."""
    _schema, required = listing.product.category.effective_schema()
    rows = [
        CertificateRow(
            kind=c.kind,
            name=label(c.kind, "catalogue.certificate_kind"),
            number=c.number,
            expires_on=c.expires_on,
            expired=c.expired,
            scope="product" if c.product_id else "store",
        )
        for c in catalogue.certificate_list(merchant_id=listing.merchant_id)
        if c.product_id in (None, listing.product_id)
    ]
    valid = {
        c.kind
        for c in catalogue.valid_certificates(
            merchant_id=listing.merchant_id, product_id=listing.product_id, at=timezone.now()
        )
    }
    needed = [
        {"kind": kind, "name": label(kind, "catalogue.certificate_kind"), "present": kind in valid}
        for kind in required
    ]
    return rows, needed


def decision_context(listing: Listing, snapshot: dict[str, Any] | None, *, viewer: Any) -> dict[str, Any]:
    """The template context of ``review/_decision_context.html`` for the version ``snapshot`` (the pending
    one when there is one, else the latest)."""
    snapshot = snapshot or {}
    merchant = listing.merchant
    certificates, required = _certificates(listing)
    images = [
        {
            "url": str(image.get("url", "")),
            "width": image.get("width"),
            "height": image.get("height"),
            "angle": str(ANGLES.get(str(image.get("angle") or ""), image.get("angle") or "")),
        }
        for image in snapshot.get("images") or []
    ]
    return {
        "merchant": merchant,
        "merchant_url": reverse("console:merchant", args=[merchant.pk])
        if viewer.has_perm("merchant.view")
        else "",
        "category": snapshot.get("category_name") or listing.product.category.name,
        "images": images,
        "skus": _skus(snapshot),
        "attributes": _attributes(listing, snapshot),
        "certificates": certificates,
        "required_certificates": required,
    }
