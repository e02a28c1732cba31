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


def related_html(*, product_id: int, category_code: str, peers: str, user: Any) -> str:
    """The 相关商品 section of a product page. For everybody (non-personalised) it is rendered once per
    ``peers`` stamp of the category's entries (``pagecache.product_stamps``) and ranking period, and kept;
    a personalised list is rendered per request. ``peers`` empty: not kept."""
    import time

    from django.utils.translation import get_language

    import mallops
    from mallops.storefront import pagecache, pagehtml, rank_inputs

    key = ""
    if category_code and peers and not search_selectors.is_personalised(user):
        # the ranking inputs are cached for a period (rank_inputs): so is the order built on them
        period = int(time.time() // rank_inputs.SECONDS)
        parts = (product_id, category_code, peers, period, get_language(), mallops.__version__)
        key = "storefront:related-html:" + ":".join(str(part) for part in parts)

    def build() -> str:
        hits = related_products(product_id=product_id, category_code=category_code, user=user)
        return pagehtml.render("storefront/account/_related.html", {"related": hits})

    return pagecache.remembered(key, build, str)
