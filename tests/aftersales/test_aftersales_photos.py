"""The buyer's photos of an after-sales request (``aftersales.photos``): the store handling it and the
platform's after-sales staff see them (thumbnails that open full size); another store never does."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.aftersales import photos
from mallops.aftersales.models import RequestPhoto
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.testing.aftersales import make_request
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer

pytestmark = pytest.mark.django_db


def _png(side: int = 240) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * side * 3 for _ in range(side)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_store_and_platform_see_the_buyers_photo_and_another_store_does_not() -> None:
    # given a request of store A with one buyer photo, and store B
    store_a, owner_a = make_merchant()
    _store_b, owner_b = make_merchant()
    req = make_request(store_a)
    photo = photos.request_photo_add(
        actor=actor_of(req.buyer),
        request_id=req.pk,
        upload=SimpleUploadedFile("leak.png", _png(), content_type="image/png"),
    )
    assert (photo.merchant_id, photo.request_id, photo.width) == (store_a.pk, req.pk, 240)
    assert AuditEvent.objects.filter(action="aftersales.request_photo_add").count() == 1
    merchant_url = f"/aftersales/merchant/{req.pk}/photos/{photo.pk}/"
    platform_url = f"/aftersales/requests/{req.pk}/photos/{photo.pk}/"

    # then the store's after-sales list shows the thumbnail, which opens the picture
    page = _client(owner_a).get("/aftersales/merchant/").content.decode()
    assert f'data-testid="request-photos-{req.pk}"' in page and f'href="{merchant_url}"' in page
    opened = _client(owner_a).get(merchant_url)
    assert (opened.status_code, opened["Content-Type"]) == (200, "image/png")

    # the platform's request page shows it with the buyer's message, and opens it
    agent = _client(make_staff("cs_agent"))
    detail = agent.get(f"/aftersales/requests/{req.pk}/").content.decode()
    assert f'<a href="{platform_url}" target="_blank"' in detail
    assert agent.get(platform_url)["Content-Type"] == "image/png"

    # another store: neither the thumbnail nor the file; nor through the platform URL
    other = _client(owner_b)
    assert f"photos/{photo.pk}/" not in other.get("/aftersales/merchant/").content.decode()
    assert other.get(merchant_url).status_code == 404
    assert other.get(platform_url).status_code == 403
    with pytest.raises(DomainError):
        photos.request_photo(actor=owner_b, request_id=req.pk, photo_id=photo.pk, scope="merchant")

    # another buyer cannot attach one, and nothing was written
    with pytest.raises(DomainError) as refused:
        photos.request_photo_add(
            actor=actor_of(make_buyer()),
            request_id=req.pk,
            upload=SimpleUploadedFile("x.png", _png(), content_type="image/png"),
        )
    assert refused.value.status == 404
    assert RequestPhoto.objects.unscoped(reason="test").count() == 1
