"""The storefront's busiest pages (R6.1.1: p99 < 200 ms under 64 clients): the product page, search and the
cart. They render without Django's context processors (``pagehtml.render``: a template gets what it uses,
nothing more), and what is the same for every visitor is rendered once per stamp and filled per request
(``pagehtml``): the live price and stock, the forms with the request's own CSRF token and the signed-in
parts are never cached. docs/performance.md has the figures.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

import mallops
from mallops.storefront import pagecache, pagehtml, selectors
from mallops.storefront.related import related_html


def _product_skeleton(
    public: selectors.ProductPublic, stamps: pagecache.ProductStamps | None
) -> pagehtml.Skeleton:
    """The page's public HTML cut at its slots, rendered once per stamp of the product's entry."""
    html_key = f"{stamps.key}:html:{get_language()}:{mallops.__version__}" if stamps else ""
    return pagecache.remembered(
        html_key,
        lambda: pagehtml.skeleton(pagehtml.render("storefront/product.html", {"page": public.page})),
        pagehtml.Skeleton,
    )


@require_GET
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    """The product page: its public HTML from the cache (the entry's stamp is read per request), the SKUs'
    live price and stock read now, 相关商品 by its own stamps; per-request parts filled in."""
    found = pagecache.product_public(product_id=product_id)
    if found is None:
        raise Http404("product")
    public, stamps = found
    page = selectors.with_live_skus(public)
    selected = request.GET.get("sku", "")
    if selected not in {sku.code for sku in page.skus}:
        selected = next((s.code for s in page.skus if s.stock_state != "sold_out"), "")
    live = pagehtml.live_context(
        request,
        page=page,
        selected=selected,
        track=selectors.tracking(user=request.user, page="product", product=product_id),
    )
    parts = pagehtml.slots(pagehtml.render("storefront/_product_live.html", live))
    parts["related"] = related_html(
        product_id=product_id,
        category_code=page.category_code,
        peers=stamps.peers if stamps else "",
        user=request.user,
    )
    return HttpResponse(pagehtml.fill(_product_skeleton(public, stamps), parts))
