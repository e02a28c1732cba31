"""Console pages: operations' order list and order detail, the merchant's own orders (list, detail, ship
form), flash sales with live counters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mallops.accounts.actors import request_actor
from mallops.console import formats
from mallops.console.lists import Column, DataTable, DateRange, Filter
from mallops.core.errors import DomainError
from mallops.core.words import error_lines, label, label_choices
from mallops.orders import selectors, services
from mallops.orders.detail import order_detail as order_detail_of
from mallops.orders.export import orders_export
from mallops.orders.flash import redis_path
from mallops.orders.flash.services import redis_enabled
from mallops.orders.models import OrderStatus


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _status_filter(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in OrderStatus.values else ""


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    _require(request, "order.view")
    table = DataTable(
        request,
        selectors.platform_orders(actor=request_actor(request)).select_related("merchant", "buyer"),
        columns=[
            Column(
                "number",
                _("Order"),
                sort="number",
                link=lambda o: reverse("orders:detail", args=[o.pk]),
            ),
            Column("merchant.name", _("Merchant"), sort="merchant__name"),
            # masked for every role (issue 14): the detail page masks it too
            Column("buyer", _("Buyer"), value=_masked_buyer),
            Column("status", _("Status"), kind="badge", display=lambda o: label(o.status, "orders.status")),
            Column("paid_fen", _("Paid"), kind="money", sort="paid_fen"),
            Column("created_at", _("Created"), kind="datetime", sort="created_at"),
            Column("ship_due_at", _("Ship by"), kind="datetime", sort="ship_due_at"),
            Column(
                "ship_late",
                _("Late shipping"),
                kind="badge",
                display=lambda o: _("late") if o.ship_late else "",
                tone=lambda o: "danger" if o.ship_late else "neutral",
            ),
        ],
        search=["number", "merchant__name"],
        search_placeholder=_("Order number or store"),
        filters=[Filter("status", _("Status"), label_choices("orders.status", OrderStatus.values))],
        date_range=DateRange("created_at", _("Created")),
        default_sort="-created_at",
        page_size=50,
        export_name="orders",
        testid="orders",
        empty_title=_("No orders."),
    )
    if table.export_format:
        return table.export_response()
    return render(request, "orders/order_list.html", {"active": "orders", "table": table})


@login_required
def merchant_orders(request: HttpRequest) -> HttpResponse:
    _require(request, "store.order.manage")
    try:
        orders = selectors.merchant_orders(actor=request_actor(request))
    except DomainError as exc:
        raise PermissionDenied(exc.detail) from exc
    table = DataTable(
        request,
        orders,
        columns=[
            Column(
                "number",
                _("Order"),
                sort="number",
                link=lambda o: reverse("orders:merchant_detail", args=[o.pk]),
            ),
            Column("created_at", _("Created"), kind="datetime", sort="created_at"),
            Column(
                "status",
                _("Status"),
                kind="badge",
                display=_merchant_status_text,
                tone=lambda o: "danger" if o.ship_late else formats.tone_of(o.status),
            ),
            Column(
                "lines",
                _("Lines"),
                value=lambda o: "；".join(
                    f"{line.title or line.sku_code} × {line.qty}" for line in o.lines.all()
                ),
            ),
            Column("paid_fen", _("Paid"), kind="money", sort="paid_fen"),
            Column("ship_due_at", _("Ship by"), kind="datetime", sort="ship_due_at"),
            Column("shipping", _("Shipping"), kind="template", template="orders/_merchant_shipping.html"),
        ],
        search=["number", "lines__sku_code"],
        search_placeholder=_("Order number or SKU"),
        filters=[Filter("status", _("Status"), label_choices("orders.status", OrderStatus.values))],
        date_range=DateRange("created_at", _("Created")),
        default_sort="-created_at",
        page_size=50,
        testid="merchant-orders",
        empty_title=_("No orders."),
    )
    for row in table.rows:
        row.obj.masked_label = _masked_label(row.obj)  # the template shows only the masked label
    return render(
        request,
        "orders/merchant_orders.html",
        {"active": "merchant_orders", "table": table, "status": table.filter_values["status"]},
    )


def _masked_buyer(order: Any) -> str:
    from mallops.privacy.registry import always_masked

    name = always_masked(order.buyer, "display_name") or ""
    phone = always_masked(order.buyer, "phone") or ""
    return " ".join(part for part in (name, phone) if part) or "—"


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    """The platform's order detail (``order.view``): lines and discount shares, payments, shipment,
    refunds and the timeline; the buyer's contact data masked."""
    _require(request, "order.view")
    order = (
        selectors.platform_orders(actor=request_actor(request))
        .select_related("merchant", "buyer")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404("order")
    return render(
        request,
        "orders/order_detail.html",
        {
            "active": "orders",
            "d": order_detail_of(order, platform=True),
            "back_url": reverse("orders:list"),
            "requests_url": reverse("aftersales:queue") if request.user.has_perm("aftersales.handle") else "",
        },
    )


@login_required
def merchant_order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    """The store's own order (``store.order.manage``); another store's order is a 404 (tenancy fails
    closed). Contact data masked: the shipping step is where the label shows them."""
    _require(request, "store.order.manage")
    try:
        order = selectors.merchant_order_get(actor=request_actor(request), order_id=order_id)
    except DomainError as exc:
        raise Http404("order") from exc
    return render(
        request,
        "orders/order_detail.html",
        {
            "active": "merchant_orders",
            "d": order_detail_of(order, platform=False),
            "back_url": reverse("orders:merchant"),
            "ship_url": reverse("orders:merchant_ship", args=[order.pk])
            if order.status == OrderStatus.PAID
            else "",
        },
    )


def _merchant_status_text(order: Any) -> str:
    status = label(order.status, "orders.status")
    return f"{status} · {_('late')}" if order.ship_late else status


def _masked_label(order: Any) -> dict[str, str]:
    """The shipping label as every list shows it: name, phone and street masked, region kept."""
    from mallops.privacy.masking import mask_name, mask_phone

    return {
        "recipient": mask_name(order.ship_recipient) or "",
        "phone": mask_phone(order.ship_phone) or "",
        "region": f"{order.ship_province}{order.ship_city}{order.ship_district}",
        "detail": "****" if order.ship_detail else "",
    }


@login_required
def merchant_ship(request: HttpRequest, order_id: int) -> HttpResponse:
    """The shipping step: the only merchant page with the buyer's full name, phone and address (R1.3.2),
    which the parcel label needs; every list shows them masked. POST ships the order."""
    _require(request, "store.order.manage")
    if request.method != "POST":
        try:
            order = selectors.merchant_order_get(actor=request_actor(request), order_id=order_id)
        except DomainError as exc:
            raise PermissionDenied(exc.detail) from exc
        return render(
            request,
            "orders/merchant_ship.html",
            {
                "active": "merchant_orders",
                "order": order,
                "carriers": label_choices("orders.carrier", services.CARRIERS),
            },
        )
    try:
        order = services.order_ship(
            actor=request_actor(request),
            order_id=order_id,
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
        )
        messages.success(request, _("Order %(number)s shipped.") % {"number": order.number})
    except DomainError as exc:
        if exc.status == 404:
            raise PermissionDenied(exc.detail) from exc
        for line in error_lines(exc.errors or [], "orders") or [exc.detail]:
            messages.error(request, line)
        return redirect("orders:merchant_ship", order_id=order_id)
    return redirect("orders:merchant")


@login_required
def merchant_export(request: HttpRequest) -> HttpResponse:
    _require(request, "store.order.manage")
    orders = selectors.merchant_orders(actor=request_actor(request), status=_status_filter(request))
    try:
        content = orders_export(
            actor=request_actor(request), orders=orders, purpose=request.GET.get("purpose", "")[:200]
        )
    except DomainError:
        messages.error(request, _("State the export purpose: the rows hold personal data."))
        return redirect(f"{reverse('orders:merchant')}?status={_status_filter(request)}")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="orders-{timezone.now():%Y%m%d%H%M}.xlsx"'
    return response


def _counters() -> list[dict[str, Any]]:
    rows = []
    use_redis = redis_enabled()
    for sale in selectors.flash_sales_public(timezone.now() - timedelta(days=2)):
        redis_stock = None
        if use_redis and not sale.finalized:
            redis_stock, _ = redis_path.counters(sale.pk)
        rows.append(
            {
                "id": sale.pk,
                "claimed": sale.claimed,
                "quantity": sale.quantity,
                "left": sale.quantity - sale.claimed,
                "redis_stock": redis_stock,
                "finalized": sale.finalized,
            }
        )
    return rows


@login_required
def flash_sales(request: HttpRequest) -> HttpResponse:
    _require(request, "promotion.view")
    from django.db.models import BooleanField, Case, CharField, F, Q, Value, When

    now = timezone.now()
    redis = redis_enabled()
    states = {
        "scheduled": (_("Scheduled"), "info"),
        "running": (_("Running"), "success"),
        "ended": (_("Ended"), "neutral"),
        "cancelled": (_("Cancelled"), "danger"),
    }
    sales = (
        selectors.flash_sales(actor=request_actor(request))
        .select_related("merchant")
        .annotate(
            state=Case(
                When(cancelled_at__isnull=False, then=Value("cancelled")),
                When(Q(finalized=True) | Q(ends_at__lte=now), then=Value("ended")),
                When(starts_at__gt=now, then=Value("scheduled")),
                default=Value("running"),
                output_field=CharField(),
            ),
            left=F("quantity") - F("claimed"),
            editable=Case(
                When(Q(starts_at__gt=now, claimed=0, finalized=False), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    columns = [
        Column("title", _("Sale"), sort="title"),
        Column("merchant", _("Store"), sort="merchant__name", value=lambda s: s.merchant.name),
        Column("sku", "SKU", value=lambda s: s.item.sku_code),
        Column("flash_price_fen", _("Flash price"), kind="money", sort="flash_price_fen"),
        Column("starts_at", _("Starts"), kind="datetime", sort="starts_at"),
        Column("ends_at", _("Ends"), kind="datetime", sort="ends_at"),
        Column(
            "state",
            _("Status"),
            kind="badge",
            display=lambda s: states[s.state][0],
            tone=lambda s: states[s.state][1],
        ),
        Column("per_buyer_limit", _("Per buyer"), kind="number"),
        Column(
            "claimed",
            _("Sold / quantity"),
            kind="template",
            sort="claimed",
            template="orders/_flash_sold.html",
        ),
        Column("left", _("Left"), kind="template", sort="left", template="orders/_flash_left.html"),
    ]
    if redis:
        columns.append(
            Column("redis", _("Redis counter"), kind="template", template="orders/_flash_redis.html")
        )
    if request.user.has_perm("promotion.manage"):
        columns.append(
            Column("actions", "", kind="template", template="orders/_flash_actions.html", export=False)
        )
    table = DataTable(
        request,
        sales,
        columns=columns,
        search=["title", "item__sku_code", "merchant__name"],
        search_placeholder=_("Title, SKU or store"),
        filters=[Filter("state", _("Status"), [(code, name) for code, (name, _tone) in states.items()])],
        date_range=DateRange("starts_at", _("Starts")),
        default_sort="-starts_at",
        page_size=50,
        export_name="flash-sales",
        testid="flash-sales",
        row_testid="sale-{key}",
        empty_title=_("No flash sales."),
        empty_hint=_("A flash sale reserves units of one SKU at a lower price for a short time."),
        empty_action_url=reverse("orders:flash_new") if request.user.has_perm("promotion.manage") else "",
        empty_action_label=_("New flash sale") if request.user.has_perm("promotion.manage") else "",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "orders/flash_sales.html",
        {"active": "flash_sales", "table": table, "redis": redis, "now": now},
    )


@login_required
def flash_counters(request: HttpRequest) -> JsonResponse:
    _require(request, "promotion.view")
    return JsonResponse({"sales": _counters(), "at": timezone.now().isoformat()})
