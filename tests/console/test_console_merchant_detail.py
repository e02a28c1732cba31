"""Console: the platform's merchant detail page (issue 14, item 5): licence, status, staff, counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.catalogue.models import Certificate
from mallops.review import services as review
from mallops.review.models import Listing
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_member, make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_merchant_detail_shows_licence_staff_certificates_and_counts():
    merchant, owner = make_merchant("鲜果小铺")
    make_member(merchant, "merchant_cs", username="xianguo-cs")
    other, _ = make_merchant("别家小店")
    first, second = delivered_order(merchant), delivered_order(merchant, status="paid")
    delivered_order(other)
    for title in ("有机苹果 5 斤装", "赣南脐橙 10 斤装"):
        review.listing_create(
            actor=actor_of(None),
            merchant_id=merchant.pk,
            product_id=make_product(merchant.pk, title=title).pk,
        )
    Certificate.objects.create(
        merchant=merchant,
        kind="food_business_licence",
        number="JY13101150012345",
        expires_on=date(2030, 1, 1),
    )
    listing_page = _client(make_staff("product_ops")).get("/merchants/").content.decode()
    assert f'href="/merchants/{merchant.pk}/"' in listing_page

    page = _client(make_staff("platform_admin")).get(f"/merchants/{merchant.pk}/").content.decode()
    assert "鲜果小铺" in page and merchant.licence_number in page and "别家小店" not in page
    # contact data masked as in the list
    assert "王**" in page or "王*" in page
    assert "13800138000" not in page and "138****8000" in page
    staff = page.split('data-testid="staff"')[1].split("</table>")[0]
    assert owner.username in staff and "xianguo-cs" in staff and "店铺客服" in staff
    # the two drafts above, plus the live listings the order factory sells through (issue 16: stock rows
    # sell only for an approved catalogue SKU)
    live = Listing.objects.unscoped(reason="test").filter(merchant=merchant, status="live").count()
    assert f'data-testid="listings-total">{2 + live}<' in page and 'data-testid="listings-draft">2<' in page
    assert 'data-testid="orders-total">2<' in page and 'data-testid="orders-30">2<' in page
    # both orders paid 86.68 (96.69 less the 10.01 store discount)
    assert first.paid_fen == second.paid_fen == 8668 and 'data-testid="paid-30">¥173.36<' in page
    assert first.number in page and second.number in page and f'href="/orders/{first.pk}/"' in page
    assert "有机苹果 5 斤装" in page and "JY13101150012345" in page
    assert 'data-testid="manage"' in page  # the admin may edit and suspend on the manage page


def test_merchant_detail_needs_merchant_view():
    merchant, owner = make_merchant()
    auditor = _client(make_staff("compliance_auditor"))
    page = auditor.get(f"/merchants/{merchant.pk}/")
    assert page.status_code == 200 and 'data-testid="manage"' not in page.content.decode()
    assert _client(make_staff("cs_agent")).get(f"/merchants/{merchant.pk}/").status_code == 403
    assert _client(owner).get(f"/merchants/{merchant.pk}/").status_code == 403
    assert auditor.get("/merchants/999999/").status_code == 404
