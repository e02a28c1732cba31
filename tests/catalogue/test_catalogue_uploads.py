"""Image and certificate uploads: type by magic bytes, size, dimensions, count, tenancy (R1.2.1)."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mallops.catalogue.fixtures import certify, make_product
from mallops.catalogue.models import Certificate, ProductImage
from mallops.catalogue.uploads import image_size, sniff_type
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for

pytestmark = pytest.mark.django_db


def png(width: int, height: int, pad: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"\0" * (pad or 16))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int, metadata_segments: int = 1) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    size = 300 if metadata_segments == 1 else 60_000
    exif = (b"\xff\xe1" + struct.pack(">H", 2 + size) + b"E" * size) * metadata_segments
    sof = b"\xff\xc2" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\0\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + exif + sof + b"\xff\xda\0\x02" + b"\0" * 32 + b"\xff\xd9"


def webp_vp8x(width: int, height: int) -> bytes:
    payload = b"\0\0\0\0" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "media"


def _setup():
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)
    return merchant, owner, product, ApiClient(token=token_for(owner))


def _upload(client: ApiClient, path: str, content: bytes, name: str = "a.png", **fields: str):
    data = {"file": SimpleUploadedFile(name, content, content_type="image/png"), **fields}
    return client.post(path, data=data, headers={"Authorization": f"Bearer {client.token}"})


def _files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_headers_give_type_and_dimensions():
    assert sniff_type(png(1, 1)) == "image/png"
    assert image_size("image/png", png(1200, 900)) == (1200, 900)
    assert image_size("image/jpeg", jpeg(640, 480)) == (640, 480)
    assert image_size("image/webp", webp_vp8x(1024, 300)) == (1024, 300)
    assert sniff_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_type(b"GIF89a....") is None
    assert image_size("image/jpeg", b"\xff\xd8\xff\xd9") is None


@pytest.mark.req("R1.2.1")
def test_upload_stores_the_file_and_records_its_real_dimensions(media):
    merchant, _owner, product, client = _setup()
    response = _upload(
        client,
        f"/api/v1/merchant/products/{product.pk}/images",
        jpeg(1000, 800),
        "x.jpg",
        angle="front",
        caption="正面",
    )
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert (body["width"], body["height"], body["angle"], body["caption"], body["uploaded"]) == (
        1000,
        800,
        "front",
        "正面",
        True,
    )
    image = ProductImage.objects.for_merchant(merchant.pk).get(pk=body["id"])
    assert (media / image.file.name).read_bytes() == jpeg(1000, 800)
    assert image.file.name.endswith(".jpg")
    shown = json.loads(client.get_json(f"/api/v1/merchant/products/{product.pk}").content)
    assert body["id"] in [i["id"] for i in shown["images"]]


def test_a_jpeg_frame_header_after_large_metadata_is_found(media):
    _merchant, _owner, product, client = _setup()
    content = jpeg(1200, 900, metadata_segments=12)  # about 720 KB of metadata before the frame header
    response = _upload(client, f"/api/v1/merchant/products/{product.pk}/images", content, "big.jpg")
    assert response.status_code == 201, response.content
    assert (json.loads(response.content)["width"], json.loads(response.content)["height"]) == (1200, 900)


@pytest.mark.req("R1.2.1")
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"GIF89a" + b"\0" * 100, "unsupported_type"),
        (b"<html>not an image</html>", "unsupported_type"),
        (png(199, 800), "too_small"),
        (jpeg(800, 150), "too_small"),
        (png(1000, 1000, pad=5 * 1024 * 1024), "too_large"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "unreadable_image"),
    ],
)
def test_a_bad_file_answers_422_at_body_file_and_writes_nothing(media, content, code):
    merchant, _owner, product, client = _setup()
    before = ProductImage.objects.for_merchant(merchant.pk).count()
    response = _upload(client, f"/api/v1/merchant/products/{product.pk}/images", content)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    errors = json.loads(response.content)["errors"]
    assert [(e["loc"], e["code"]) for e in errors] == [(["body", "file"], code)]
    assert ProductImage.objects.for_merchant(merchant.pk).count() == before
    assert _files(media) == []


@pytest.mark.req("R1.2.1")
def test_missing_file_and_long_angle_are_reported_together(media):
    _merchant, _owner, product, client = _setup()
    response = client.post(
        f"/api/v1/merchant/products/{product.pk}/images",
        data={"angle": "x" * 33},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in json.loads(response.content)["errors"]}
    assert locs == {("body", "file"), ("body", "angle")}


@pytest.mark.req("R1.2.1")
def test_at_most_ten_images_per_product(media):
    merchant, _owner, product, client = _setup()
    existing = ProductImage.objects.for_merchant(merchant.pk).filter(product=product).count()
    for _ in range(10 - existing):
        assert (
            _upload(client, f"/api/v1/merchant/products/{product.pk}/images", png(300, 300)).status_code
            == 201
        )
    response = _upload(client, f"/api/v1/merchant/products/{product.pk}/images", png(300, 300))
    assert response.status_code == 422
    assert json.loads(response.content)["errors"][0]["code"] == "too_many"
    assert ProductImage.objects.for_merchant(merchant.pk).filter(product=product).count() == 10
    assert len(_files(media)) == 10 - existing


def test_delete_removes_the_row_and_the_file(media, django_capture_on_commit_callbacks):
    merchant, _owner, product, client = _setup()
    body = json.loads(
        _upload(client, f"/api/v1/merchant/products/{product.pk}/images", png(400, 400)).content
    )
    assert len(_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete_json(f"/api/v1/merchant/products/{product.pk}/images/{body['id']}")
    assert response.status_code == 204
    assert not ProductImage.objects.for_merchant(merchant.pk).filter(pk=body["id"]).exists()
    assert _files(media) == []
    again = client.delete_json(f"/api/v1/merchant/products/{product.pk}/images/{body['id']}")
    assert again.status_code == 404


def test_replacing_the_content_keeps_uploaded_images(media):
    _merchant, _owner, product, client = _setup()
    uploaded = json.loads(
        _upload(client, f"/api/v1/merchant/products/{product.pk}/images", png(900, 900)).content
    )
    current = json.loads(client.get_json(f"/api/v1/merchant/products/{product.pk}").content)
    payload = {
        "category_code": current["category_code"],
        "title": current["title"] + "新款",
        "skus": [{k: s[k] for k in ("code", "price_fen", "stock", "spec_values")} for s in current["skus"]],
        "images": [],
    }
    response = client.put(
        f"/api/v1/merchant/products/{product.pk}",
        data=payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 200, response.content
    assert [i["id"] for i in json.loads(response.content)["images"]] == [uploaded["id"]]


@pytest.mark.req("R1.2.1")
def test_another_merchants_product_image_or_certificate_is_not_found(media):
    _merchant, _owner, _product, client_a = _setup()
    other, _ = make_merchant()
    product_b = make_product(other.pk)
    image_b = ProductImage.objects.for_merchant(other.pk).filter(product=product_b).first()
    certificate_b = certify(other.pk, "cosmetics")[0]
    for path in (
        f"/api/v1/merchant/products/{product_b.pk}/images",
        f"/api/v1/merchant/certificates/{certificate_b.pk}/file",
    ):
        assert _upload(client_a, path, png(500, 500)).status_code == 404
        json_body = client_a.post_json(path, {})
        assert json_body.status_code == 404, path
    deleted = client_a.delete_json(f"/api/v1/merchant/products/{product_b.pk}/images/{image_b.pk}")
    assert deleted.status_code == 404
    assert ProductImage.objects.for_merchant(other.pk).filter(pk=image_b.pk).exists()
    assert _files(media) == []


@pytest.mark.req("R1.2.1")
def test_certificate_scan_pdf_or_image_up_to_10_mb(media):
    merchant, _owner, _product, client = _setup()
    certificate = certify(merchant.pk, "cosmetics")[0]
    path = f"/api/v1/merchant/certificates/{certificate.pk}/file"
    pdf = b"%PDF-1.7\n" + b"0" * (6 * 1024 * 1024)
    response = _upload(client, path, pdf, "licence.pdf")
    assert response.status_code == 200, response.content
    stored = Certificate.objects.for_merchant(merchant.pk).get(pk=certificate.pk).file.name
    assert stored.endswith(".pdf") and (media / stored).read_bytes() == pdf
    webp = _upload(client, path, webp_vp8x(900, 900), "scan.webp")
    assert webp.status_code == 422
    assert json.loads(webp.content)["errors"][0]["code"] == "unsupported_type"
    huge = _upload(client, path, b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "big.pdf")
    assert json.loads(huge.content)["errors"][0]["code"] == "too_large"
    assert Certificate.objects.for_merchant(merchant.pk).get(pk=certificate.pk).file.name == stored
    assert len(_files(media)) == 1
