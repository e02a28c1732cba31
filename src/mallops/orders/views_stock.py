"""Merchant centre: the store's stock rows, one row's ledger and a form to set its available units."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.core.errors import DomainError
from mallops.orders import selectors, services
from mallops.orders.models import StockItem

PERMISSION = "store.order.manage"  # the permission the merchant stock API asks for


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)


def _item(request: HttpRequest, item_id: int) -> StockItem:
    try:
        return selectors.merchant_stock_get(actor=request.user, item_id=item_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from exc
        raise PermissionDenied(exc.detail) from exc


@login_required
def merchant_stock(request: HttpRequest) -> HttpResponse:
    _require(request)
    try:
        items = selectors.merchant_stock(actor=request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.detail) from exc
    query = request.GET.get("q", "").strip()
    if query:
        items = items.filter(Q(sku_code__icontains=query) | Q(title__icontains=query))
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request, "orders/merchant_stock.html", {"active": "merchant_stock", "page": page, "q": query}
    )


@login_required
def merchant_stock_item(request: HttpRequest, item_id: int) -> HttpResponse:
    _require(request)
    item = _item(request, item_id)
    page = Paginator(selectors.stock_ledger(item=item), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/merchant_stock_item.html",
        {"active": "merchant_stock", "item": item, "page": page, "max_units": services.MAX_UNITS},
    )


@login_required
@require_POST
def merchant_stock_set(request: HttpRequest, item_id: int) -> HttpResponse:
    _require(request)
    item = _item(request, item_id)
    raw = request.POST.get("available", "").strip()
    try:
        available = int(raw)
    except ValueError:
        messages.error(request, _("Enter a whole number of units."))
        return redirect("orders:merchant_stock_item", item_id=item.pk)
    try:
        after = services.stock_set(
            actor=request.user,
            item_id=item.pk,
            available=available,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except DomainError as exc:
        texts = {
            "invalid_qty": _("Units must be between 0 and %(max)s.") % {"max": services.MAX_UNITS},
            "reason_required": _("Give a reason of 2 to 200 characters."),
        }
        messages.error(request, " ".join(texts.get(e.code, e.msg) for e in exc.errors) or exc.detail)
    else:
        messages.success(
            request,
            _("Available units of %(sku)s set to %(n)s.") % {"sku": after.sku_code, "n": after.available},
        )
    return redirect("orders:merchant_stock_item", item_id=item.pk)
