"""The storefront's busiest pages (R6.1.1: p99 < 200 ms under 64 clients): the product page, search and the
cart. They render without Django's context processors (``pagehtml.render``: a template gets what it uses,
nothing more), and what is the same for every visitor is rendered once per stamp and filled per request
(``pagehtml``): the live price and stock, the forms with the request's own CSRF token and the signed-in
parts are never cached. docs/performance.md has the figures.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

import mallops
from mallops.storefront import pagecache, pagehtml, search_selectors, selectors
from mallops.storefront.estimate import unit_estimate
from mallops.storefront.related import related_html
from mallops.storefront.views import _buyer_or_redirect, _fen


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
        estimate=unit_estimate(user=request.user, sku_code=selected),
        track=selectors.tracking(user=request.user, page="product", product=product_id),
    )
    parts = pagehtml.slots(pagehtml.render("storefront/_product_live.html", live))
    parts["related"] = related_html(
        product_id=product_id,
        category_code=page.category_code,
        peers=stamps.peers if stamps else "",
        user=request.user,
    )
    response = HttpResponse(pagehtml.fill(_product_skeleton(public, stamps), parts))
    if request.user.is_authenticated:
        # 预估到手价 and the other signed-in parts are this buyer's: no shared cache may keep them
        patch_cache_control(response, private=True)
    return response


def _search_skeleton(result: search_selectors.SearchResult, context: dict[str, Any]) -> pagehtml.Skeleton:
    """A non-personalised result page's HTML cut at its slots (alerts, tracking), kept under the result's
    key (its matching entries' stamps), the filters as asked and the category tree it lists."""
    tree = "\n".join(f"{c.code}\t{c.name}" for c in context["categories"])
    asked = (context["q"], context["category_param"], context["min"], context["max"], context["sort"])
    parts = [result.cache_key, *asked, tree, get_language(), mallops.__version__]
    key = "storefront:search-html:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return pagecache.remembered(
        key,
        lambda: pagehtml.skeleton(pagehtml.render("storefront/search.html", {**context, "sf_slots": True})),
        pagehtml.Skeleton,
    )


@require_GET
def search(request: HttpRequest, category: str = "") -> HttpResponse:
    """Search and the category pages. A result that is the same for everybody is served from its kept
    HTML with the alerts and tracking filled in; a personalised one is rendered per request."""
    query = request.GET.get("q", "")[:50]
    category = category or request.GET.get("category", "")[:64]
    sort = request.GET.get("sort", "default")
    if sort not in search_selectors.SORTS:
        sort = "default"
    result = search_selectors.search(
        query=query,
        category=category,
        min_price_fen=_fen(request.GET.get("min", "")),
        max_price_fen=_fen(request.GET.get("max", "")),
        sort=sort,
        user=request.user,
    )
    all_categories = selectors.categories()
    current = next((c for c in all_categories if c.code == category), None)
    if category and current is None:
        raise Http404("category")
    context: dict[str, Any] = {
        "result": result,
        "q": query,
        "category": current,
        "categories": all_categories,
        "category_param": request.GET.get("category", ""),
        "sort": sort,
        "min": request.GET.get("min", ""),
        "max": request.GET.get("max", ""),
    }
    track = selectors.tracking(user=request.user, page="category" if category else "search")
    live = pagehtml.live_context(request, track=track)
    if not result.cache_key:
        return HttpResponse(pagehtml.render("storefront/search.html", {**context, **live}))
    parts = pagehtml.slots(pagehtml.render("storefront/_page_live.html", live))
    return HttpResponse(pagehtml.fill(_search_skeleton(result, context), parts))


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    """The buyer's cart with the live best-combination quote (per buyer: nothing kept), rendered without
    context processors."""
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    context = pagehtml.live_context(
        request,
        cart=selectors.cart_view(buyer=request.user),
        track=selectors.tracking(user=request.user, page="cart"),
    )
    response = HttpResponse(pagehtml.render("storefront/cart.html", context))
    patch_cache_control(response, private=True)  # the buyer's own cart and quote
    return response
