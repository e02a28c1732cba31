"""The merchant centre's product form: read the posted fields into a :class:`ProductInput` and back.

The category is chosen first; its attribute schema then becomes one field per attribute
(``attr-<key>``, labelled with the Chinese name, marked when required). SKUs arrive as numbered rows (``sku-<n>-code``, ``-spec`` as ``颜色=红;尺码=M``, ``-price`` and
``-reference`` in yuan, ``-stock``); further attributes and selling points one per line. Parse errors carry the
same field paths as the API (``body.skus.0.price_fen``) so the page shows them next to the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from mallops.catalogue import selectors
from mallops.catalogue.contracts import ImageInput, ProductInput, SkuInput
from mallops.catalogue.models import DESCRIPTION_SECTIONS, Product
from mallops.core.errors import FieldError
from mallops.core.money import format_fen, parse_yuan

BLANK_SKU_ROWS = 3
ATTR_PREFIX = "attr-"
SKU_KEYS = ("code", "spec", "price", "reference", "stock")
MAX_SKU_ROWS = 200


@dataclass
class ProductForm:
    """What the template renders: the values as typed and the errors by field path."""

    values: dict[str, Any]
    skus: list[dict[str, str]]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            parts = [str(p) for p in error.loc if p != "body"]
            self.errors.setdefault(".".join(parts) or "form", []).append(error.msg)


def _spec_values(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in text.replace("；", ";").split(";"):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(pair)
        values[key.strip()] = value.strip()
    return values


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _attributes(text: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for line in _lines(text):
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(line)
        attributes[key.strip()] = value.strip()
    return attributes


def _sku_rows(post: QueryDict) -> list[dict[str, str]]:
    rows = []
    for index in range(MAX_SKU_ROWS):
        if f"sku-{index}-code" not in post:
            break
        rows.append({key: str(post.get(f"sku-{index}-{key}", "")).strip() for key in SKU_KEYS})
    return rows


def _schema_values(post: QueryDict) -> dict[str, str]:
    """The attribute fields generated from the category's schema (``attr-<key>``), as typed."""
    return {
        name[len(ATTR_PREFIX) :]: str(post.get(name, "")).strip()
        for name in post
        if name.startswith(ATTR_PREFIX) and len(name) > len(ATTR_PREFIX)
    }


def parse_post(post: QueryDict, *, keep_images: list[ImageInput]) -> tuple[ProductInput | None, ProductForm]:
    """The product input the form describes, or None with the form's errors. The schema's attribute
    fields come first; the free ``name=value`` lines add to them (a name given twice is refused by the
    service, which also maps names typed in Chinese to their key)."""
    values: dict[str, Any] = {
        key: str(post.get(key, "")) for key in ("category_code", "title", "selling_points", "attributes")
    }
    values["attr"] = _schema_values(post)
    values.update({f"description_{s}": str(post.get(f"description_{s}", "")) for s in DESCRIPTION_SECTIONS})
    values["return_policy"] = str(post.get("return_policy", "eligible"))
    values["return_exclusion"] = str(post.get("return_exclusion", ""))
    rows = [row for row in _sku_rows(post) if any(row.values())]
    form = ProductForm(values=values, skus=rows)
    errors: list[FieldError] = []
    attributes = {key: value for key, value in values["attr"].items() if value}
    try:
        extra = _attributes(values["attributes"])
    except ValueError:
        extra = {}
        errors.append(FieldError(("body", "attributes"), "one 'name=value' per line", "invalid"))
    for key, value in extra.items():
        if key in attributes:
            errors.append(FieldError(("body", "attributes", key), "given twice", "duplicate"))
        attributes[key] = value
    skus: list[SkuInput] = []
    for index, row in enumerate(rows):
        loc = ("body", "skus", index)
        try:
            price = parse_yuan(row["price"])
        except ValueError:
            price = -1
            errors.append(FieldError((*loc, "price_fen"), "a price in yuan such as 59.90", "invalid"))
        reference: int | None = None
        if row["reference"]:
            try:
                reference = parse_yuan(row["reference"])
            except ValueError:
                errors.append(FieldError((*loc, "reference_price_fen"), "a price in yuan", "invalid"))
        try:
            stock = int(row["stock"] or "0")
        except ValueError:
            stock = -1
            errors.append(FieldError((*loc, "stock"), "a whole number", "invalid"))
        try:
            spec = _spec_values(row["spec"])
        except ValueError:
            spec = {}
            errors.append(FieldError((*loc, "spec_values"), "pairs like 颜色=红;尺码=M", "invalid"))
        skus.append(
            SkuInput(
                code=row["code"],
                price_fen=price,
                stock=stock,
                spec_values=spec,
                reference_price_fen=reference,
            )
        )
    form.skus = rows + [dict.fromkeys(SKU_KEYS, "") for _ in range(BLANK_SKU_ROWS)]
    if errors:
        form.add_errors(errors)
        return None, form
    data = ProductInput(
        category_code=values["category_code"],
        title=values["title"],
        skus=skus,
        selling_points=_lines(values["selling_points"]),
        description={s: values[f"description_{s}"].strip() for s in DESCRIPTION_SECTIONS},
        attributes=attributes,
        images=keep_images,
        return_policy=values["return_policy"],
        return_exclusion=values["return_exclusion"] if values["return_policy"] == "excluded" else "",
    )
    return data, form


def url_images(product: Product) -> list[ImageInput]:
    """The product's images given by URL (kept as they are when the form saves)."""
    return [
        ImageInput(url=i.url, width=i.width, height=i.height, size_bytes=i.size_bytes, angle=i.angle)
        for i in selectors.product_images(product)
        if not i.file.name
    ]


def _yuan(fen: int | None) -> str:
    return "" if fen is None else format_fen(fen, symbol="").replace(",", "")


def form_for(product: Product | None) -> ProductForm:
    """The form filled with a product's current content (empty for a new product)."""
    blank = dict.fromkeys(SKU_KEYS, "")
    if product is None:
        empty: dict[str, Any] = {"return_policy": "eligible", "return_exclusion": "", "attr": {}}
        return ProductForm(values=empty, skus=[dict(blank) for _ in range(BLANK_SKU_ROWS)])
    schema_keys = {spec.key for spec in product.category.attribute_specs()}
    values: dict[str, Any] = {
        "category_code": product.category.code,
        "title": product.title,
        "selling_points": "\n".join(product.selling_points),
        "attr": {k: v for k, v in product.attributes.items() if k in schema_keys},
        "attributes": "\n".join(f"{k}={v}" for k, v in product.attributes.items() if k not in schema_keys),
        "return_policy": product.return_policy,
        "return_exclusion": product.return_exclusion,
    }
    values.update({f"description_{s}": product.description.get(s, "") for s in DESCRIPTION_SECTIONS})
    skus = [
        {
            "code": sku.code,
            "spec": ";".join(f"{k}={v}" for k, v in sku.spec_values.items()),
            "price": _yuan(sku.price_fen),
            "reference": _yuan(sku.reference_price_fen),
            "stock": str(sku.stock),
        }
        for sku in selectors.product_skus(product)
    ]
    return ProductForm(values=values, skus=skus + [dict(blank) for _ in range(BLANK_SKU_ROWS)])
