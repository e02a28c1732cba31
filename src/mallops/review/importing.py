"""Bulk listing import from CSV or XLSX (R2.1.4).

One row per SKU; rows sharing ``external_code`` form one product (product columns are read from its
first row and must not contradict it later). A dry run reports every error with its spreadsheet row
(header = row 1) and column and writes nothing. A confirmed import writes in ONE transaction: all
products when there are no errors, or — only when the user explicitly accepts it — every product whose
rows are all valid. Never a silent partial import.

Columns: external_code, category_code, title, selling_points (``|``-separated), function, material,
specs, usage, return_policy (eligible/excluded), return_exclusion, ``attr:<key>`` (one per attribute),
sku_code, spec (``颜色=红;尺码=M``), price (yuan), reference_price (yuan, optional), stock,
images (``url#WIDTHxHEIGHT#BYTES`` entries separated by ``|``, on the first row of a product).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from mallops.audit.services import audit_record
from mallops.catalogue import selectors as catalogue_selectors
from mallops.catalogue import services as catalogue_services
from mallops.catalogue.contracts import ImageInput, ProductInput, SkuInput
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.core.inputs import is_ascii_digits
from mallops.core.money import parse_yuan
from mallops.review import services
from mallops.review.errors import ReviewCode

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
PRODUCT_COLUMNS = (
    "category_code",
    "title",
    "selling_points",
    "function",
    "material",
    "specs",
    "usage",
    "return_policy",
    "return_exclusion",
    "images",
)
REQUIRED_COLUMNS = ("external_code", "category_code", "title", "sku_code", "price", "stock")
SKU_FIELD_COLUMNS = {
    "code": "sku_code",
    "price_fen": "price",
    "reference_price_fen": "reference_price",
    "stock": "stock",
    "spec_values": "spec",
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "code": self.code}


@dataclass
class ImportReport:
    mode: str
    rows: int = 0
    products: int = 0
    valid_products: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_product_ids: list[int] = field(default_factory=list)
    created_listing_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "rows": self.rows,
            "products": self.products,
            "valid_products": self.valid_products,
            "errors": [e.as_dict() for e in self.errors],
            "created_product_ids": self.created_product_ids,
            "created_listing_ids": self.created_listing_ids,
        }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, content: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(row number, {column: text})`` rows of a CSV or XLSX file (blank rows skipped)."""
    if len(content) > MAX_BYTES:
        raise validation_error([FieldError(("body", "file"), "the file is larger than 5 MB", "too_large")])
    raw_rows: list[list[str]]
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise validation_error(
                [FieldError(("body", "file"), "not a readable XLSX file", "unreadable")]
            ) from exc
        sheet = book.worksheets[0]
        raw_rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise validation_error([FieldError(("body", "file"), "CSV must be UTF-8 or GB18030", "encoding")])
        raw_rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise validation_error([FieldError(("body", "file"), "upload a .csv or .xlsx file", "file_type")])
    if not raw_rows:
        raise validation_error([FieldError(("body", "file"), "the file is empty", "empty")])
    header = [h.strip() for h in raw_rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise validation_error(
            [FieldError(("body", "file"), f"missing columns: {', '.join(missing)}", "columns")]
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(raw_rows[1:], start=2):
        if not any(values):
            continue
        rows.append((number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}))
    if len(rows) > MAX_ROWS:
        raise validation_error(
            [FieldError(("body", "file"), f"at most {MAX_ROWS} rows per file", "too_many_rows")]
        )
    return header, rows


@dataclass
class _Group:
    external_code: str
    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError] = field(default_factory=list)
    data: ProductInput | None = None


def _pairs(text: str, row: int, column: str, errors: list[RowError]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.replace("；", ";").split(";"))):
        key, sep, value = part.replace("＝", "=").partition("=")
        if not sep or not key.strip() or not value.strip():
            errors.append(RowError(row, column, f"expected name=value, got {part!r}"))
            continue
        out[key.strip()] = value.strip()
    return out


def _money(text: str, row: int, column: str, errors: list[RowError], *, required: bool) -> int | None:
    if not text:
        if required:
            errors.append(RowError(row, column, "required", "required"))
        return None
    try:
        return parse_yuan(text)
    except ValueError:
        errors.append(RowError(row, column, f"not an amount in yuan: {text!r}"))
        return None


def _images(text: str, row: int, errors: list[RowError]) -> list[ImageInput]:
    images: list[ImageInput] = []
    for entry in filter(None, (p.strip() for p in text.split("|"))):
        parts = entry.split("#")
        try:
            url, size, nbytes = parts
            width, height = (int(x) for x in size.lower().split("x"))
            images.append(ImageInput(url=url, width=width, height=height, size_bytes=int(nbytes)))
        except ValueError:
            errors.append(RowError(row, "images", f"expected url#WIDTHxHEIGHT#BYTES, got {entry!r}"))
    return images


def _build(group: _Group) -> None:
    first_row, first = group.rows[0]
    errors = group.errors
    for row, values in group.rows[1:]:
        for column in PRODUCT_COLUMNS:
            if values.get(column) and values.get(column) != first.get(column):
                errors.append(RowError(row, column, "differs from the product's first row", "inconsistent"))
    skus: list[SkuInput] = []
    for row, values in group.rows:
        price = _money(values.get("price", ""), row, "price", errors, required=True)
        reference = _money(values.get("reference_price", ""), row, "reference_price", errors, required=False)
        stock_text = values.get("stock", "")
        if not is_ascii_digits(stock_text.lstrip("-"), max_digits=9):
            errors.append(RowError(row, "stock", f"a whole number, got {stock_text!r}"))
        skus.append(
            SkuInput(
                code=values.get("sku_code", ""),
                price_fen=price if price is not None else 0,
                stock=int(stock_text) if is_ascii_digits(stock_text.lstrip("-"), max_digits=9) else 0,
                spec_values=_pairs(values.get("spec", ""), row, "spec", errors),
                reference_price_fen=reference,
            )
        )
    attributes = {k.removeprefix("attr:"): v for k, v in first.items() if k.startswith("attr:") and v}
    group.data = ProductInput(
        category_code=first.get("category_code", ""),
        title=first.get("title", ""),
        skus=skus,
        selling_points=[p.strip() for p in first.get("selling_points", "").split("|") if p.strip()],
        description={k: first[k] for k in ("function", "material", "specs", "usage") if first.get(k)},
        attributes=attributes,
        images=_images(first.get("images", ""), first_row, errors),
        return_policy=first.get("return_policy") or "eligible",
        return_exclusion=first.get("return_exclusion", ""),
        external_code=group.external_code,
    )
    for error in catalogue_services.validate_product_input(group.data, loc=()):
        errors.append(_to_row_error(group, error))
    category = catalogue_selectors.category_by_code(group.data.category_code)
    if category is not None:
        required, _certificates = category.effective_schema()
        # a column named by the attribute's Chinese name (attr:保质期) counts for its key
        given = catalogue_services.resolve_attributes(group.data, category)[0].attributes
        for attribute in required:
            if attribute["key"] not in given:
                errors.append(
                    RowError(
                        first_row,
                        f"attr:{attribute['key']}",
                        f"required for this category: {attribute['label']}",
                        "required",
                    )
                )


def _to_row_error(group: _Group, error: FieldError) -> RowError:
    loc = error.loc
    first_row = group.rows[0][0]
    if loc and loc[0] == "skus" and len(loc) >= 2 and isinstance(loc[1], int):
        row = group.rows[loc[1]][0]
        column = SKU_FIELD_COLUMNS.get(str(loc[2]), "sku_code") if len(loc) >= 3 else "sku_code"
        return RowError(row, column, error.msg, error.code)
    head = str(loc[0]) if loc else ""
    if head == "description" and len(loc) > 1:
        head = str(loc[1])
    return RowError(first_row, head or "sku_code", error.msg, error.code)


def _plan(merchant_id: int, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[_Group], list[RowError]]:
    groups: dict[str, _Group] = {}
    loose: list[RowError] = []
    for row, values in rows:
        code = values.get("external_code", "")
        if not code:
            loose.append(RowError(row, "external_code", "required to group SKUs into a product", "required"))
            continue
        groups.setdefault(code, _Group(code, [])).rows.append((row, values))
    existing = catalogue_selectors.product_external_codes(merchant_id=merchant_id, codes=list(groups))
    for group in groups.values():
        if group.external_code in existing:
            group.errors.append(
                RowError(
                    group.rows[0][0], "external_code", "a product with this code already exists", "duplicate"
                )
            )
        _build(group)
    return list(groups.values()), loose


def listing_import(
    *,
    actor: Actor,
    merchant_id: int,
    filename: str,
    content: bytes,
    confirm: bool,
    accept_valid_subset: bool = False,
) -> ImportReport:
    """Dry run (``confirm=False``) or import. Creates products with a draft listing each."""
    _header, rows = read_table(filename, content)
    groups, loose = _plan(merchant_id, rows)
    errors = sorted(loose + [e for g in groups for e in g.errors], key=lambda e: (e.row, e.column))
    valid = [g for g in groups if not g.errors]
    report = ImportReport(
        mode="confirm" if confirm else "dry_run",
        rows=len(rows),
        products=len(groups),
        valid_products=len(valid),
        errors=errors,
    )
    if not confirm:
        return report
    if errors and not accept_valid_subset:
        raise DomainError(
            detail=(
                f"{len(errors)} errors; nothing was imported. Fix them, or confirm importing only the "
                f"{len(valid)} valid products."
            ),
            code=ReviewCode.IMPORT_HAS_ERRORS,
            status=422,
            title="Import has errors",
            errors=[FieldError(("file", e.row, e.column), e.message, e.code) for e in errors],
            extra={"valid_products": len(valid)},
        )
    with transaction.atomic():
        for group in valid:
            assert group.data is not None
            product = catalogue_services.product_create(actor=actor, merchant_id=merchant_id, data=group.data)
            listing = services.listing_create(actor=actor, merchant_id=merchant_id, product_id=product.pk)
            report.created_product_ids.append(product.pk)
            report.created_listing_ids.append(listing.pk)
        audit_record(
            actor=actor,
            action="review.listing_import",
            object_type="review.import",
            object_id=filename[:100],
            merchant_id=merchant_id,
            after={
                "rows": len(rows),
                "imported": len(valid),
                "skipped_with_errors": len(groups) - len(valid),
            },
        )
    return report
