"""Helpers for tests and the tenancy walk: a store's review (of a delivered order line of a catalogue
product) and a question, written as rows (no risk or compliance pass)."""

from __future__ import annotations

from typing import Any

from mallops.accounts.models import Merchant
from mallops.catalogue.models import Category, Product
from mallops.orders.models import OrderLine
from mallops.product_reviews.models import ProductQuestion, ProductReview


def walk_rows(merchant: Merchant) -> dict[str, Any]:
    """One visible review and one visible question of ``merchant``: ``{"review_id", "question_id"}``."""
    from mallops.testing.aftersales import delivered_order

    order = delivered_order(merchant, lines=((2900, 1),), off_fen=0)
    line = OrderLine.objects.for_merchant(merchant.pk).get(order=order)
    product = Product.objects.create(
        merchant=merchant, category=Category.objects.order_by("pk").first(), title="评价测试商品"
    )
    review = ProductReview.objects.create(
        merchant=merchant,
        author_id=order.buyer_id,
        order=order,
        order_line=line,
        product=product,
        sku_code=line.sku_code,
        rating=5,
        text="很好",
    )
    question = ProductQuestion.objects.create(
        merchant=merchant, author_id=order.buyer_id, product=product, text="有货吗？"
    )
    return {"review_id": review.pk, "question_id": question.pk}
