"""Storefront pages: parse, authorise, call one selector or service, render (zh-hans, phone first)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from mallops.accounts.roles import Kind
from mallops.core.errors import DomainError
from mallops.storefront import selectors, services


def _is_buyer(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and getattr(request.user, "kind", None) == Kind.BUYER)


def _login(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("console:login") + "?" + urlencode({"next": request.get_full_path()}))


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _error_text(error: DomainError) -> str:
    codes = {getattr(e, "code", "") for e in getattr(error, "errors", [])}
    if "not_on_sale" in codes:
        return "该规格暂不可售或已售罄"
    if "invalid_qty" in codes:
        return "数量需在 1 至 9999 之间"
    if "too_many_lines" in codes:
        return "购物车最多 100 种商品"
    return "操作未完成，请稍后重试"


@require_GET
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    page = selectors.product_page(product_id=product_id)
    if page is None:
        raise Http404("product")
    selected = request.GET.get("sku", "")
    if selected not in {sku.code for sku in page.skus}:
        selected = next((s.code for s in page.skus if s.stock_state != "sold_out"), "")
    return render(
        request,
        "storefront/product.html",
        {"page": page, "selected": selected, "error": request.GET.get("error", "")},
    )


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    if not _is_buyer(request):
        return _login(request) if not request.user.is_authenticated else HttpResponse(status=403)
    sku = request.POST.get("sku", "")
    try:
        services.cart_add(
            buyer=request.user, sku_code=sku, qty=_int(request.POST.get("qty"), 1), request=request
        )
    except DomainError as error:
        back = request.POST.get("back", "")
        if back.startswith("/shop/"):
            return HttpResponseRedirect(back + "?" + urlencode({"sku": sku, "error": _error_text(error)}))
        return redirect("storefront:cart")
    if request.POST.get("buy_now"):
        return redirect("storefront:cart")
    return redirect("storefront:cart")


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    if not _is_buyer(request):
        return _login(request) if not request.user.is_authenticated else HttpResponse(status=403)
    view = selectors.cart_view(buyer=request.user)
    return render(request, "storefront/cart.html", {"cart": view, "error": request.GET.get("error", "")})


@require_POST
def cart_line(request: HttpRequest, line_id: int) -> HttpResponse:
    if not _is_buyer(request):
        return _login(request) if not request.user.is_authenticated else HttpResponse(status=403)
    try:
        if request.POST.get("remove"):
            services.cart_remove(buyer=request.user, line_id=line_id, request=request)
        else:
            services.cart_set_qty(
                buyer=request.user, line_id=line_id, qty=_int(request.POST.get("qty"), 0), request=request
            )
    except DomainError as error:
        if error.status == 404:
            raise Http404("cart line") from error
        return HttpResponseRedirect(
            reverse("storefront:cart") + "?" + urlencode({"error": _error_text(error)})
        )
    return redirect("storefront:cart")
