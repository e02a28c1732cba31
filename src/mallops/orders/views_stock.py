"""Merchant centre: the store's stock rows, one row's ledger and a form to set its available units."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.orders import selectors, services
from mallops.orders.models import StockItem

PERMISSION = "store.order.manage"  # the permission the merchant stock API asks for


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)


def _item(request: HttpRequest, item_id: int) -> StockItem:
    try:
        return selectors.merchant_stock_get(actor=request_actor(request), item_id=item_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from exc
        raise PermissionDenied(exc.detail) from exc


@login_required
def merchant_stock(request: HttpRequest) -> HttpResponse:
    _require(request)
    try:
        items = selectors.merchant_stock(actor=request_actor(request))
    except DomainError as exc:
        raise PermissionDenied(exc.detail) from exc
    table = DataTable(
        request,
        selectors.with_stock_state(items),
        columns=[
            Column(
                "sku_code",
                _("SKU"),
                sort="sku_code",
                link=lambda i: reverse("orders:merchant_stock_item", args=[i.pk]),
            ),
            Column("title", _("Title"), sort="title"),
            Column("catalogue_sku", _("Catalogue SKU"), value=_catalogue_sku_text),
            Column(
                "listing_status",
                _("Listing state"),
                kind="template",
                template="orders/_stock_listing_state.html",
            ),
            Column("price_fen", _("Price"), kind="money", sort="price_fen"),
            Column("available", _("Available"), kind="number", sort="available"),
            Column("reserved", _("Reserved"), kind="number", sort="reserved"),
            Column("sold", _("Sold"), kind="number", sort="sold"),
        ],
        search=["sku_code", "title"],
        search_placeholder=_("SKU code or title"),
        filters=[Filter("stock_state", _("Stock"), [(selectors.STOCK_LOW, _("Low stock"))])],
        default_sort="sku_code",
        page_size=50,
        export_name="stock",
        testid="merchant-stock",
        row_testid="stock-{key}",
        empty_title=_("No stock rows."),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "orders/merchant_stock.html", {"active": "merchant_stock", "table": table})


def _catalogue_sku_text(item: StockItem) -> str:
    sku = item.catalogue_sku
    if sku is None:
        return _("Not linked")
    text = f"#{item.catalogue_sku_id} {sku.code}"
    return text if sku.is_active else f"{text} · {_('inactive')}"


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
            actor=request_actor(request),
            item_id=item.pk,
            available=available,
            reason=request.POST.get("reason", ""),
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
