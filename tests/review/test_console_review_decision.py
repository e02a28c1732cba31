"""The reviewer's decision page (issue 14, item 5): images, SKUs with prices, attributes, certificates and
the merchant beside the findings; approve (success) and reject (danger, confirmation, reason) distinct."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import certify, make_product
from mallops.review import services
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def test_decision_page_shows_what_the_reviewer_decides_on():
    merchant, _ = make_merchant("鲜果小铺")
    certify(merchant.pk, "food")
    product = make_product(merchant.pk, "food", title="手工曲奇饼干 500g 礼盒装")
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    reviewer = make_staff("listing_reviewer")
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/review/listings/{listing.pk}/").content.decode()
    context = page.split('data-testid="decision-context"')[1]
    # the merchant, and the food business licence the category requires
    assert "鲜果小铺" in context and merchant.licence_number in context
    assert "食品经营许可证" in context and "JY13301060012345" in context
    # the three submitted images, the SKUs with their specs and prices in yuan
    assert context.count('<img src="/static/catalogue/demo/') == 3
    skus = page.split('data-testid="review-skus"')[1].split("</table>")[0]
    assert "A-1" in skus and "颜色：白色" in skus and "¥39.00" in skus and "¥42.00" in skus
    attributes = page.split('data-testid="review-attributes"')[1].split("</table>")[0]
    assert "12个月" in attributes and "浙江杭州" in attributes
    # approve and reject are distinct; reject is red, asks for confirmation and a reason
    assert 'class="btn btn-success" data-testid="approve"' in page
    assert 'class="btn btn-danger solid" data-testid="reject"' in page
    reject_form = page.split('data-testid="reject"')[0]
    assert "data-confirm=" in reject_form.rsplit("<form", 1)[1] and 'name="reason_codes"' in reject_form
    # the findings come first, before the decision form (beside it on a wide screen: the layout's
    # "findings decision" columns), then the listing's context; the decision column sticks while scrolling
    assert 'class="review-layout has-side"' in page
    assert page.index('data-testid="findings"') < page.index('data-testid="review-decision"')
    assert page.index('data-testid="review-decision"') < page.index('data-testid="decision-context"')
    assert page.count('data-testid="findings"') == 1  # the version body below does not repeat them
