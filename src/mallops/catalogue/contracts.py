"""Typed inputs of the catalogue services (shared by the API, bulk import and demo data), and the frozen
rows other apps read (``ProductContent``: what listing review snapshots and checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mallops.catalogue.schema import AttributeSpec


@dataclass(frozen=True)
class SkuInput:
    code: str
    price_fen: int
    stock: int
    spec_values: dict[str, str] = field(default_factory=dict)
    reference_price_fen: int | None = None


@dataclass(frozen=True)
class ImageInput:
    url: str
    width: int
    height: int
    size_bytes: int
    angle: str = ""


@dataclass(frozen=True)
class ProductInput:
    category_code: str
    title: str
    skus: list[SkuInput]
    selling_points: list[str] = field(default_factory=list)
    description: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    images: list[ImageInput] = field(default_factory=list)
    return_policy: str = "eligible"
    return_exclusion: str = ""
    external_code: str = ""


@dataclass(frozen=True)
class CategoryInput:
    """A category as the platform edits it; ``attributes`` are the category's own schema entries
    (inherited ones come from the ancestors)."""

    code: str
    name: str
    parent_id: int | None = None
    compliance_category: str = "general"
    attributes: list[AttributeSpec] = field(default_factory=list)
    required_certificates: list[str] = field(default_factory=list)
    default_return_exclusion: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class SkuContent:
    """One active SKU of a product as a listing snapshot records it."""

    id: int
    code: str
    spec_values: dict[str, str]
    price_fen: int
    reference_price_fen: int | None
    stock: int


@dataclass(frozen=True)
class ImageContent:
    url: str
    width: int
    height: int
    size_bytes: int
    angle: str


@dataclass(frozen=True)
class ProductContent:
    """A product's current content with its category's schema (``catalogue.selectors.product_content``):
    what the review app snapshots, checks and scores, without reading catalogue rows itself."""

    id: int
    merchant_id: int
    category_id: int
    category_code: str
    category_name: str
    compliance_category: str
    required_attributes: list[dict[str, Any]] | None  # None: not asked for (``with_schema``)
    required_certificates: list[str] | None
    title: str
    selling_points: list[str]
    description: dict[str, str]
    attributes: dict[str, Any]
    return_policy: str
    return_exclusion: str
    skus: tuple[SkuContent, ...]
    images: tuple[ImageContent, ...]


@dataclass(frozen=True)
class ExpiredCertificate:
    """A certificate the expiry sweep has just marked expired (``catalogue.services.certificate_mark_expired``)."""

    id: int
    merchant_id: int
    product_id: int | None  # None: a store-wide certificate
    kind: str
    kind_label: str
    number: str
    expires_on: date
