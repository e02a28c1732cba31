"""相关商品 on the product page: live products of the same category, in the documented 综合 order
(``search_selectors.search``). The E-Commerce Law Art. 18 switch applies as it does to search: personalised only
for a signed-in buyer whose 个性化推荐 consent stands; otherwise nothing about the visitor is read and
everybody gets the same list."""

from __future__ import annotations

from typing import Any

from mallops.storefront import search_selectors

RELATED = 10


def related_products(*, product_id: int, category_code: str, user: Any, limit: int = RELATED) -> list[Any]:
    """Up to ``limit`` search hits of ``category_code`` other than the product itself."""
    if not category_code:
        return []
    result = search_selectors.search(category=category_code, user=user)
    return [hit for hit in result.hits if hit.product_id != product_id][:limit]
