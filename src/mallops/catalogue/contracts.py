"""Typed inputs of the catalogue services (shared by the API, bulk import and demo data)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
