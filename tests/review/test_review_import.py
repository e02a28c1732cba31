"""Bulk listing import from CSV and XLSX: dry run, per-row errors, explicit confirmation (R2.1.4)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from mallops.catalogue.fixtures import make_product
from mallops.catalogue.models import Product
from mallops.review.models import Listing
from mallops.testing.factories import make_merchant, token_for

pytestmark = pytest.mark.django_db

HEADER = [
    "external_code",
    "category_code",
    "title",
    "selling_points",
    "function",
    "attr:origin",
    "sku_code",
    "spec",
    "price",
    "stock",
    "images",
]
GOOD = [
    [
        "MUG-1",
        "general",
        "陶瓷马克杯",
        "大容量|手工",
        "喝水",
        "江西",
        "MUG-1-W",
        "颜色=白",
        "39.00",
        "10",
        "https://img.example.cn/a.jpg#1000x1000#200000",
    ],
    ["MUG-1", "general", "", "", "", "", "MUG-1-B", "颜色=蓝", "42", "5", ""],
    ["BAG-1", "general", "帆布包", "", "", "浙江", "BAG-1-S", "尺寸=小", "59.9", "3", ""],
]
BAD = [
    ["TOY-1", "general", "积木", "", "", "", "TOY-1-A", "颜色=红", "12.345", "-1", ""],  # row 5
    ["", "general", "无编码", "", "", "浙江", "X-1", "", "10", "1", ""],  # row 6
    ["MUG-1", "general", "别的标题", "", "", "", "MUG-1-R", "颜色=红", "45", "2", ""],  # row 7
]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append([float(v) if v.replace(".", "", 1).isdigit() and "." in v else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _post(client, name: str, content: bytes, **form: str):
    upload = SimpleUploadedFile(name, content)
    return client.post(
        "/api/v1/merchant/listing-imports",
        data={"file": upload, **form},
        headers={"Authorization": f"Bearer {client.token}"},
    )


@pytest.fixture
def owner_client():
    from mallops.testing.client import ApiClient

    merchant, owner = make_merchant()
    client = ApiClient(token=token_for(owner))
    client.merchant = merchant
    return client


def _products(merchant_id: int) -> int:
    return Product.objects.for_merchant(merchant_id).count()


@pytest.mark.req("R2.1.4")
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_dry_run_reports_row_and_column_and_writes_nothing(owner_client, kind):
    content = _csv(GOOD + BAD) if kind == "csv" else _xlsx(GOOD + BAD)
    response = _post(owner_client, f"items.{kind}", content)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mode"] == "dry_run"
    assert body["rows"] == 6 and body["products"] == 3 and body["valid_products"] == 1
    errors = {(e["row"], e["column"], e["code"]) for e in body["errors"]}
    assert errors == {
        (7, "title", "inconsistent"),  # MUG-1's row 7 contradicts its first row (row 2)
        (5, "price", "invalid"),
        (5, "stock", "out_of_range"),
        (5, "attr:origin", "required"),
        (6, "external_code", "required"),
    }
    assert _products(owner_client.merchant.pk) == 0


@pytest.mark.req("R2.1.4")
def test_confirm_with_errors_writes_nothing_unless_the_valid_subset_is_accepted(owner_client):
    content = _csv(GOOD + BAD)
    refused = _post(owner_client, "items.csv", content, mode="confirm")
    assert refused.status_code == 422
    assert refused.json()["code"] == "import_has_errors"
    assert {
        "loc": ["file", 5, "price"],
        "msg": "not an amount in yuan: '12.345'",
        "code": "invalid",
    } in refused.json()["errors"]
    assert _products(owner_client.merchant.pk) == 0

    accepted = _post(owner_client, "items.csv", content, mode="confirm", accept_valid_subset="true")
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert len(body["created_product_ids"]) == 1  # only BAG-1: MUG-1 has a contradicting row
    product = Product.objects.for_merchant(owner_client.merchant.pk).get()
    assert product.external_code == "BAG-1" and product.title == "帆布包"
    assert Listing.objects.for_merchant(owner_client.merchant.pk).filter(product=product).exists()


@pytest.mark.req("R2.1.4")
def test_a_clean_file_imports_everything_in_one_go(owner_client):
    response = _post(owner_client, "items.xlsx", _xlsx(GOOD), mode="confirm")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["errors"] == [] and len(body["created_product_ids"]) == 2
    mug = Product.objects.for_merchant(owner_client.merchant.pk).get(external_code="MUG-1")
    from mallops.catalogue.selectors import product_images, product_skus

    assert [(s.code, s.price_fen, s.stock, s.spec_values) for s in product_skus(mug)] == [
        ("MUG-1-W", 3900, 10, {"颜色": "白"}),
        ("MUG-1-B", 4200, 5, {"颜色": "蓝"}),
    ]
    assert mug.selling_points == ["大容量", "手工"]
    assert [i.width for i in product_images(mug)] == [1000]
    # importing the same codes again is refused per row
    again = _post(owner_client, "items.xlsx", _xlsx(GOOD))
    assert {(e["row"], e["column"]) for e in again.json()["errors"]} == {
        (2, "external_code"),
        (4, "external_code"),
    }


def test_existing_code_and_bad_files(owner_client):
    make_product(owner_client.merchant.pk, external_code="BAG-1")
    body = _post(owner_client, "items.csv", _csv(GOOD)).json()
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [(4, "external_code", "duplicate")]
    assert _post(owner_client, "items.txt", b"x").status_code == 422
    assert (
        _post(owner_client, "items.csv", b"title\nx\n")
        .json()["errors"][0]["msg"]
        .startswith("missing columns")
    )
    assert _post(owner_client, "items.xlsx", b"not a zip").status_code == 422
