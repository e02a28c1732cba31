"""The merchant product page shows each image as a picture with its angle in Chinese, not a path and a code."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from mallops.catalogue.fixtures import make_product
from mallops.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def test_images_show_pictures_and_chinese_angles() -> None:
    merchant, owner = make_merchant()
    product = make_product(merchant.pk)  # three catalogue pictures by URL: front, side, detail
    client = Client()
    client.force_login(owner)
    html = client.get(f"/review/mine/products/{product.pk}/").content.decode()
    images = html.split('data-testid="images"')[1].split("</table>")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", images))
    assert images.count('<img src="/static/catalogue/demo/') == 3
    assert "正面" in text and "侧面" in text and "/static/" not in text
    assert not re.search(r"\b(front|side|detail)\b", text)
