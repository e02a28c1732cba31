"""Merchant centre product pages: new and edit forms, image upload, quality score (R1.2.1, R2.2.1)."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mallops.catalogue.fixtures import attributes_for, make_product
from mallops.catalogue.models import Product, ProductImage, Sku
from mallops.review.models import Listing
from mallops.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path / "media"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "category_code": "home",
        "title": "北欧风陶瓷马克杯 大容量400ml",
        "selling_points": "大容量400ml\n手工上釉",
        "description_function": "日常饮水。",
        "description_material": "高温陶瓷。",
        "description_specs": "",
        "description_usage": "首次使用前清洗。",
        "attributes": "\n".join(f"{k}={v}" for k, v in attributes_for("home").items()),
        "return_policy": "eligible",
        "return_exclusion": "",
        "sku-0-code": "MUG-W",
        "sku-0-spec": "颜色=白",
        "sku-0-price": "59.90",
        "sku-0-reference": "",
        "sku-0-stock": "20",
        "sku-1-code": "MUG-B",
        "sku-1-spec": "颜色=黑",
        "sku-1-price": "62",
        "sku-1-reference": "",
        "sku-1-stock": "5",
        "sku-2-code": "",
        "sku-2-spec": "",
        "sku-2-price": "",
        "sku-2-reference": "",
        "sku-2-stock": "",
    }
    data.update(overrides)
    return data


@pytest.mark.req("R1.2.1")
def test_new_product_form_creates_the_product_with_skus_in_fen():
    merchant, owner = make_merchant()
    client = _client(owner)
    picker = client.get("/review/mine/products/new/")
    assert picker.status_code == 200
    assert 'value="home"' in picker.content.decode() and 'name="sku-0-price"' not in picker.content.decode()
    page = client.get("/review/mine/products/new/?category=home")
    assert page.status_code == 200
    assert 'name="sku-0-price"' in page.content.decode()
    assert 'name="category_code" value="home"' in page.content.decode()

    response = client.post("/review/mine/products/new/", _form())

    product = Product.objects.for_merchant(merchant.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/review/mine/products/{product.pk}/"
    skus = {s.code: (s.price_fen, s.stock, s.spec_values) for s in Sku.objects.for_merchant(merchant.pk)}
    assert skus == {"MUG-W": (5990, 20, {"颜色": "白"}), "MUG-B": (6200, 5, {"颜色": "黑"})}
    assert product.selling_points == ["大容量400ml", "手工上釉"]
    assert "specs" not in product.description and product.description["usage"] == "首次使用前清洗。"
    assert product.category.code == "home"
    assert "/review/mine/products/" in client.get("/review/mine/products/").content.decode()


@pytest.mark.req("R1.2.1")
def test_invalid_form_shows_errors_by_field_and_creates_nothing():
    merchant, owner = make_merchant()
    client = _client(owner)
    response = client.post(
        "/review/mine/products/new/", _form(**{"sku-1-price": "6.999", "attributes": "no equals sign"})
    )
    assert response.status_code == 422
    text = response.content.decode()
    # errors name the field in words (SKU 2's price; the free attribute lines), never by path
    assert "skus.1.price_fen" not in text and "价格: a price in yuan such as 59.90" in text
    assert "属性: one &#x27;name=value&#x27; per line" in text
    assert 'value="北欧风陶瓷马克杯 大容量400ml"' in text  # what was typed is kept
    assert not Product.objects.for_merchant(merchant.pk).exists()

    excluded = client.post("/review/mine/products/new/", _form(return_policy="excluded"))
    assert excluded.status_code == 422
    assert "return_exclusion" in excluded.content.decode()
    assert not Product.objects.for_merchant(merchant.pk).exists()


@pytest.mark.req("R2.2.1")
def test_edit_page_shows_quality_score_with_what_is_missing_and_saves():
    merchant, owner = make_merchant()
    product = make_product(merchant.pk, "home", images=[], description={"function": "日常饮水。"})
    client = _client(owner)
    page = client.get(f"/review/mine/products/{product.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "至少3张商品图片（现有0张）" in text and "缺少详情描述：材质" in text
    assert 'data-testid="quality"' in text

    saved = client.post(
        f"/review/mine/products/{product.pk}/",
        _form(
            description_specs="容量400ml。",
            **{"sku-1-code": "", "sku-1-spec": "", "sku-1-price": "", "sku-1-stock": ""},
        ),
    )
    assert saved.status_code == 302
    product.refresh_from_db()
    assert product.description["specs"] == "容量400ml。" and product.title.startswith("北欧风")
    active = Sku.objects.for_merchant(merchant.pk).filter(product=product, is_active=True)
    assert [s.code for s in active] == ["MUG-W"]
    after = client.get(f"/review/mine/products/{product.pk}/").content.decode()
    assert "缺少详情描述：材质" not in after and "缺少详情描述：规格" not in after


@pytest.mark.req("R2.2.1")
def test_image_upload_on_the_product_page_raises_the_score_and_survives_an_edit(media):
    merchant, owner = make_merchant()
    product = make_product(merchant.pk, "home", images=[])
    client = _client(owner)
    for angle in ("front", "side", "detail"):
        response = client.post(
            f"/review/mine/products/{product.pk}/images",
            {"file": SimpleUploadedFile("p.png", png(1000, 1000)), "angle": angle},
        )
        assert response.status_code == 302
    page = client.get(f"/review/mine/products/{product.pk}/").content.decode()
    assert "至少3张商品图片" not in page and "至少3张高清图片" not in page
    image = ProductImage.objects.for_merchant(merchant.pk).filter(product=product).first()
    served = client.get(image.url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == png(1000, 1000)

    bad = client.post(
        f"/review/mine/products/{product.pk}/images",
        {"file": SimpleUploadedFile("s.png", png(100, 100))},
        follow=True,
    )
    assert "each side is at least 200 px" in bad.content.decode()
    assert ProductImage.objects.for_merchant(merchant.pk).filter(product=product).count() == 3

    client.post(f"/review/mine/products/{product.pk}/", _form())
    assert ProductImage.objects.for_merchant(merchant.pk).filter(product=product).count() == 3

    deleted = client.post(f"/review/mine/products/{product.pk}/images/{image.pk}/delete")
    assert deleted.status_code == 302
    assert ProductImage.objects.for_merchant(merchant.pk).filter(product=product).count() == 2


def test_product_page_opens_a_listing():
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)
    client = _client(owner)
    response = client.post(f"/review/mine/products/{product.pk}/listing")
    listing = Listing.objects.for_merchant(merchant.pk).get(product_id=product.pk)
    assert response["Location"] == f"/review/mine/{listing.pk}/"
    client.post(f"/review/mine/products/{product.pk}/listing")
    assert Listing.objects.for_merchant(merchant.pk).filter(product_id=product.pk).count() == 1


@pytest.mark.req("R1.2.1")
def test_another_store_gets_404_on_every_product_page(media):
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)
    client = _client(owner)
    client.post(
        f"/review/mine/products/{product.pk}/images", {"file": SimpleUploadedFile("p.png", png(500, 500))}
    )
    image = ProductImage.objects.for_merchant(merchant.pk).exclude(file="").get()
    _other, other_owner = make_merchant()
    other = _client(other_owner)
    assert other.get(f"/review/mine/products/{product.pk}/").status_code == 404
    assert other.post(f"/review/mine/products/{product.pk}/", _form()).status_code == 404
    assert other.get(image.url).status_code == 404
    assert other.post(f"/review/mine/products/{product.pk}/images/{image.pk}/delete").status_code == 404
    assert (
        other.post(
            f"/review/mine/products/{product.pk}/images", {"file": SimpleUploadedFile("p.png", png(500, 500))}
        ).status_code
        == 404
    )
    assert other.post(f"/review/mine/products/{product.pk}/listing").status_code == 404
    product.refresh_from_db()
    assert product.title != "北欧风陶瓷马克杯 大容量400ml"
    assert ProductImage.objects.for_merchant(merchant.pk).filter(product=product).count() == 4


@pytest.mark.req("R1.2.1")
def test_certificates_page_adds_a_certificate_and_uploads_its_scan(media):
    from datetime import date, timedelta

    from mallops.catalogue.models import Certificate

    merchant, owner = make_merchant()
    client = _client(owner)
    assert client.get("/review/mine/certificates/").status_code == 200
    added = client.post(
        "/review/mine/certificates/",
        {"kind": "ccc", "number": "2024011606000001", "expires_on": str(date.today() + timedelta(days=90))},
    )
    assert added.status_code == 302
    certificate = Certificate.objects.for_merchant(merchant.pk).get()
    assert (certificate.kind, certificate.product_id) == ("ccc", None)
    page = client.get("/review/mine/certificates/").content.decode()
    assert 'data-testid="certificates-table"' in page and 'class="sort' in page  # the DataTable
    assert f'data-testid="certificate-{certificate.pk}"' in page and "全店" in page
    expired_only = client.get("/review/mine/certificates/", {"expired": "True"}).content.decode()
    assert f'data-testid="certificate-{certificate.pk}"' not in expired_only

    pdf = b"%PDF-1.4\n%scan\n"
    wrong = client.post(
        f"/review/mine/certificates/{certificate.pk}/file",
        {"file": SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf")},
        follow=True,
    )
    assert "PDF, JPG, PNG" in wrong.content.decode()
    certificate.refresh_from_db()
    assert not certificate.file.name
    client.post(
        f"/review/mine/certificates/{certificate.pk}/file", {"file": SimpleUploadedFile("scan.pdf", pdf)}
    )
    certificate.refresh_from_db()
    assert (media / certificate.file.name).read_bytes() == pdf

    _other, other_owner = make_merchant()
    other = _client(other_owner)
    response = other.post(
        f"/review/mine/certificates/{certificate.pk}/file", {"file": SimpleUploadedFile("x.pdf", pdf)}
    )
    assert response.status_code == 404
    assert "2024011606000001" not in other.get("/review/mine/certificates/").content.decode()
