"""Storefront pages: parse, authorise, call one selector or service, render (zh-hans, phone first)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mallops.accounts.roles import Kind
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.storefront import search_selectors, selectors, services, services_account
from mallops.storefront.checkout_points import checkout_points


def _is_buyer(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and getattr(request.user, "kind", None) == Kind.BUYER)


def _login(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("storefront:sign_in") + "?" + urlencode({"next": request.get_full_path()})
    )


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
        return HttpResponseRedirect(reverse("storefront:checkout") + "?" + urlencode({"only": sku}))
    return redirect("storefront:cart")


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


def _coupon_choice(value: str) -> list[int] | None:
    """``auto`` (or nothing): the quote picks among every held coupon; ``none``: no coupon; an id: that one."""
    if value == "none":
        return []
    if is_ascii_digits(value):
        return [int(value)]
    return None


def _buyer_or_redirect(request: HttpRequest) -> HttpResponse | None:
    if _is_buyer(request):
        return None
    return _login(request) if not request.user.is_authenticated else HttpResponse(status=403)


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    data = request.POST if request.method == "POST" else request.GET
    only = data.get("only", "")
    coupon = data.get("coupon", "auto")
    # points the buyer asks to use: only a number; the server caps it (checkout_points, checkout_create)
    points = max(0, min(_int(data.get("points"), 0), 10**9))
    if request.method == "POST":
        address = data.get("address", "")
        key = data.get("idempotency_key", "")[:64] or secrets.token_urlsafe(16)
        try:
            services_account.checkout_risk_assess(
                buyer=request.user,
                idempotency_key=key,
                only_sku=only,
                address_id=int(address) if is_ascii_digits(address) else None,
                request=request,
            )
            placed = services.checkout_place(
                buyer=request.user,
                idempotency_key=key,
                only_sku=only,
                address_id=int(address) if is_ascii_digits(address) else None,
                coupon_ids=_coupon_choice(coupon),
                expected_total_fen=_int(data.get("expected_total_fen"), -1),
                points=points,
                request=request,
            )
        except DomainError as error:
            text = (
                "价格有变化，请确认新的应付金额后再提交"
                if error.status == 409
                else "订单未能提交，请检查后重试"
            )
            if error.status == 409 and getattr(error, "code", "") == "points_insufficient":
                text = "积分余额有变化，请确认后再提交"
            query = urlencode({"only": only, "coupon": coupon, "points": points, "error": text})
            return HttpResponseRedirect(reverse("storefront:checkout") + "?" + query)
        return redirect("storefront:pay", checkout_id=placed.pk)
    try:
        view = selectors.cart_view(buyer=request.user, coupon_ids=_coupon_choice(coupon), only_sku=only)
    except DomainError:
        view = selectors.cart_view(buyer=request.user, only_sku=only)
        coupon = "auto"
    points_view = checkout_points(buyer=request.user, payable_fen=view.payable_fen, requested=points)
    return render(
        request,
        "storefront/checkout.html",
        {
            "cart": view,
            "addresses": selectors.addresses(buyer=request.user),
            "coupons": selectors.usable_coupons(buyer=request.user),
            "coupon": coupon,
            "only": only,
            "points": points_view,
            # one key per checkout page: a double submit of this page places one order
            "idempotency_key": secrets.token_urlsafe(16),
            "error": request.GET.get("error", ""),
            "track": selectors.tracking(user=request.user, page="checkout", step="confirm", step_index=1),
        },
    )


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, checkout_id: int) -> HttpResponse:
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    orders = selectors.checkout_orders(buyer=request.user, checkout_id=checkout_id)
    if not orders:
        raise Http404("checkout")
    if request.method == "POST":
        try:
            services.checkout_pay_sandbox(buyer=request.user, checkout_id=checkout_id, request=request)
        except DomainError:
            query = urlencode({"error": "支付未完成：订单已支付、已取消或已超时"})
            return HttpResponseRedirect(reverse("storefront:pay", args=[checkout_id]) + "?" + query)
        return redirect("storefront:orders")
    return render(
        request,
        "storefront/pay.html",
        {
            "orders": orders,
            "total_fen": sum(order.paid_fen for order in orders if order.status == "created"),
            "error": request.GET.get("error", ""),
            "track": selectors.tracking(user=request.user, page="pay", step="pay", step_index=3),
        },
    )


@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    return render(
        request,
        "storefront/orders.html",
        {
            "orders": selectors.my_orders(buyer=request.user),
            "track": selectors.tracking(user=request.user, page="orders"),
        },
    )


@require_GET
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    if (refused := _buyer_or_redirect(request)) is not None:
        return refused
    try:
        row = selectors.my_order(buyer=request.user, order_id=order_id)
    except DomainError as error:
        raise Http404("order") from error
    from mallops.aftersales.services import REQUESTABLE

    return render(
        request, "storefront/order.html", {"order": row, "aftersales_statuses": [str(s) for s in REQUESTABLE]}
    )


def _fen(value: str) -> int | None:
    """A price typed in 元 (``12`` or ``12.5``) as fen; None when empty or not a price."""
    from decimal import Decimal, InvalidOperation

    try:
        amount = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not amount.is_finite() or amount < 0 or amount > 10_000_000:  # NaN cannot even be compared
        return None
    return int(amount * 100)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "storefront/home.html",
        {
            "categories": [c for c in selectors.categories() if c.parent_id is None],
            "campaigns": selectors.campaigns(),
            "recommended": search_selectors.search(user=request.user),
            "track": selectors.tracking(user=request.user, page="home"),
        },
    )
