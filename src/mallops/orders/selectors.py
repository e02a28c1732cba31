"""Order reads, always scoped: the merchant's own, the buyer's own, or the platform's with order.view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from mallops.accounts.selectors import user_merchant_id
from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.orders.contracts import OrderLineRow, OrderMoney, PaidCheckoutRow, PaidOrderRow
from mallops.orders.models import Checkout, FlashSale, Order, OrderLine, OrderStatus, StockItem, StockLedger
from mallops.orders.permissions import require_buyer


def with_lines(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Prefetch lines (scoped through their already scoped orders)."""
    lines = OrderLine.objects.unscoped(reason="lines of orders already scoped").order_by("pk")
    return qs.prefetch_related(Prefetch("lines", queryset=lines))


# The API's ``OrderOut`` fields in order (tests/perf compares them with the schema): ``ship_region`` is made
# of the three region columns, ``lines`` are the order's lines as ``OrderLineOut`` rows.
ORDER_HEAD: tuple[str, ...] = (
    "id",
    "number",
    "merchant_id",
    "checkout_id",
    "status",
    "flash_sale_id",
    "subtotal_fen",
)
ORDER_HEAD += ("discount_fen", "paid_fen", "refunded_fen", "shipping_fen", "shipping_waiver")
ORDER_TAIL: tuple[str, ...] = (
    "carrier",
    "tracking_number",
    "ship_late",
    "cancel_reason",
    "created_at",
    "paid_at",
)
ORDER_TAIL += ("shipped_at", "delivered_at", "completed_at", "cancelled_at", "pay_due_at", "ship_due_at")
ORDER_TAIL += ("complete_due_at",)
LINE_FIELDS = (
    "id",
    "sku_code",
    "title",
    "unit_price_fen",
    "qty",
    "amount_fen",
    "discount_fen",
    "paid_fen",
    "shares",
)
_REGION = ("ship_province", "ship_city", "ship_district")


def order_out_rows(
    found: list[dict[str, Any]], lines: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``OrderOut`` rows from order value rows (``ORDER_HEAD``, the ship region's parts, ``ORDER_TAIL``) and
    their lines by order id: the region joined in one string, the lines attached."""
    rows = []
    for found_row in found:
        row = {name: found_row[name] for name in ORDER_HEAD}
        row["ship_region"] = "".join(found_row[part] for part in _REGION)
        for name in ORDER_TAIL:
            row[name] = found_row[name]
        row["lines"] = lines[found_row["id"]]
        rows.append(row)
    return rows


def order_rows(orders: QuerySet[Order]) -> list[dict[str, Any]]:
    """Already scoped orders as the API's ``OrderOut`` rows (plain dicts, lines included) in two queries,
    without model instances: the list endpoints render these directly (``core.pagination.paginate_rows``)."""
    found = list(orders.prefetch_related(None).values(*ORDER_HEAD, *_REGION, *ORDER_TAIL))
    lines: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in found}
    if lines:
        for line in (
            OrderLine.objects.unscoped(reason="lines of orders already scoped")
            .filter(order_id__in=list(lines))
            .order_by("pk")
            .values("order_id", *LINE_FIELDS)
        ):
            lines[line.pop("order_id")].append(line)
    return order_out_rows(found, lines)


def order_lines(order: Order) -> list[OrderLine]:
    """An order's lines: the prefetched ones, else read in the order's own merchant scope."""
    cache = getattr(order, "_prefetched_objects_cache", {})
    if "lines" in cache:
        return list(cache["lines"])
    return list(order.lines.for_merchant(order.merchant_id).order_by("pk"))


def merchant_id_of(actor: Actor) -> int:
    require_permission(actor, "store.order.manage")
    merchant_id = user_merchant_id(actor)  # read with the permission's roles: no second membership query
    if merchant_id is None:
        raise not_found("merchant")
    return merchant_id


def _filter(qs: QuerySet[Order], status: str = "", since: datetime | None = None) -> QuerySet[Order]:
    if status:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-created_at", "-pk")


def merchant_orders(*, actor: Actor, status: str = "", since: datetime | None = None) -> QuerySet[Order]:
    return with_lines(_filter(Order.objects.for_merchant(merchant_id_of(actor)), status, since))


def merchant_order_get(*, actor: Actor, order_id: int) -> Order:
    order = merchant_orders(actor=actor).filter(pk=order_id).first()
    if order is None:
        raise not_found("order")
    return order


def merchant_stock(*, actor: Actor) -> QuerySet[StockItem]:
    """The store's stock rows by SKU code, each with its catalogue SKU (``catalogue_sku``) and the
    status of that SKU's product listing (``listing_status``, None when unlinked or never submitted)."""
    return merchant_stock_of(merchant_id_of(actor))


def merchant_stock_of(merchant_id: int) -> QuerySet[StockItem]:
    """``merchant_stock`` of a store whose membership the caller checked (``merchant_id_of``)."""
    from mallops.orders.listings import listing_status_subquery

    status = listing_status_subquery(OuterRef("catalogue_sku__product_id"))
    items: QuerySet[StockItem] = (
        StockItem.objects.for_merchant(merchant_id)
        .select_related("catalogue_sku")
        .annotate(listing_status=Subquery(status))
        .order_by("sku_code")
    )
    return items


STOCK_FIELDS = ("id", "sku_code", "title", "price_fen", "available", "reserved", "sold", "catalogue_sku_id")


def stock_rows(items: QuerySet[StockItem]) -> list[dict[str, Any]]:
    """``merchant_stock`` rows as the API's ``StockOut`` (plain dicts, one query, no model instances)."""
    return [stock_row(found) for found in items.values(*STOCK_VALUES)]


STOCK_VALUES = (*STOCK_FIELDS, "listing_status", "catalogue_sku__code", "catalogue_sku__is_active")


def stock_row(found: dict[str, Any]) -> dict[str, Any]:
    """One ``StockOut`` row from a ``.values(*STOCK_VALUES)`` row of ``merchant_stock``."""
    row = {name: found[name] for name in STOCK_FIELDS}
    linked = found["catalogue_sku_id"] is not None
    row["catalogue_sku_code"] = found["catalogue_sku__code"] if linked else None
    row["listing_status"] = found["listing_status"]
    row["on_sale"] = linked and bool(found["catalogue_sku__is_active"]) and found["listing_status"] == "live"
    return row


def merchant_stock_get(*, actor: Actor, item_id: int) -> StockItem:
    """One of the store's stock rows (404 for another store's row)."""
    item = merchant_stock(actor=actor).filter(pk=item_id).first()
    if item is None:
        raise not_found("stock item")
    return item


def stock_ledger(*, item: StockItem) -> QuerySet[StockLedger]:
    """Movements of a stock row already read in its merchant's scope, newest first."""
    rows: QuerySet[StockLedger] = (
        StockLedger.objects.for_merchant(item.merchant_id)
        .filter(item_id=item.pk)
        .select_related("order")
        .order_by("-pk")
    )
    return rows


def buyer_orders(*, actor: Actor, status: str = "") -> QuerySet[Order]:
    require_buyer(actor)
    qs = Order.objects.unscoped(reason="the buyer's own orders").filter(buyer_id=actor.pk)
    return with_lines(_filter(qs, status))


def buyer_order_get(*, actor: Actor, order_id: int) -> Order:
    order = buyer_orders(actor=actor).filter(pk=order_id).first()
    if order is None:
        raise not_found("order")
    return order


def platform_orders(
    *, actor: Actor, status: str = "", merchant_id: int | None = None, since: datetime | None = None
) -> QuerySet[Order]:
    require_permission(actor, "order.view")
    qs = Order.objects.for_platform(actor, "order.view")
    if merchant_id is not None:
        qs = qs.filter(merchant_id=merchant_id)
    return with_lines(_filter(qs, status, since))


def flash_sales(*, actor: Actor) -> QuerySet[FlashSale]:
    require_permission(actor, "promotion.view")
    sales: QuerySet[FlashSale] = (
        FlashSale.objects.for_platform(actor, "promotion.view").select_related("item").order_by("-starts_at")
    )
    return sales


def flash_sales_public(now: datetime) -> QuerySet[FlashSale]:
    sales: QuerySet[FlashSale] = (
        FlashSale.objects.unscoped(reason="public list of running flash sales")
        .filter(ends_at__gt=now, finalized=False, item__merchant__is_active=True)  # suspended stores: none
        .select_related("item")
        .order_by("starts_at")
    )
    return sales


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
# A stock row with this many units available or fewer is "low" (the merchant should restock).
LOW_STOCK_AVAILABLE = 5
STOCK_LOW = "low"


def with_stock_state(items: QuerySet[StockItem]) -> QuerySet[StockItem]:
    """Annotate ``stock_state``: ``"low"`` when ``available <= LOW_STOCK_AVAILABLE``, else ``""``.

    The workbench count and 本店库存's ``?stock_state=low`` filter both read this annotation.
    """
    return items.annotate(
        stock_state=Case(
            When(available__lte=LOW_STOCK_AVAILABLE, then=Value(STOCK_LOW)),
            default=Value(""),
            output_field=CharField(),
        )
    )


def workbench_counts(*, actor: Actor) -> dict[str, int]:
    """To-dos of the signed-in merchant's order staff (two queries, this store only; fails closed without a
    membership): paid orders waiting to ship (``?status=paid`` on 本店订单) and low stock rows."""
    merchant_id = merchant_id_of(actor)
    to_ship = Order.objects.for_merchant(merchant_id).filter(status=OrderStatus.PAID).count()
    stock = with_stock_state(StockItem.objects.for_merchant(merchant_id))
    low = stock.filter(stock_state=STOCK_LOW).count()  # type: ignore[misc]  # stock_state: an annotation
    return {"to_ship": to_ship, "low_stock": low}


def workbench_sales(*, actor: Actor, now: datetime, days: int = 14) -> dict[str, Any]:
    """The store's sales for the last ``days`` days and the ``days`` before (one query, this store only):
    GMV (``paid_fen`` of the orders paid in the period, as the analytics ``gmv_fen`` counts paid orders),
    paid orders, refund rate (``refunded_fen`` / ``paid_fen`` of those orders, percent), GMV per Beijing day.
    """
    from mallops.core.timeutil import SHANGHAI

    split = now - timedelta(days=days)
    rows = (
        Order.objects.for_merchant(merchant_id_of(actor))
        .filter(paid_at__gte=now - timedelta(days=2 * days), paid_at__lt=now)
        .values_list("paid_at", "paid_fen", "refunded_fen")
    )
    totals = {"current": [0, 0, 0], "previous": [0, 0, 0]}  # gmv, orders, refunded
    per_day: dict[str, int] = {}
    for paid_at, paid_fen, refunded_fen in rows:
        bucket = totals["current" if paid_at >= split else "previous"]
        bucket[0] += paid_fen
        bucket[1] += 1
        bucket[2] += refunded_fen
        if paid_at >= split:
            day = paid_at.astimezone(SHANGHAI).date().isoformat()
            per_day[day] = per_day.get(day, 0) + paid_fen

    def refund_pct(bucket: list[int]) -> float | None:
        return round(bucket[2] / bucket[0] * 100, 1) if bucket[0] else None

    today = now.astimezone(SHANGHAI).date()
    day_keys = [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]
    return {
        "gmv_fen": totals["current"][0],
        "gmv_fen_previous": totals["previous"][0],
        "orders": totals["current"][1],
        "orders_previous": totals["previous"][1],
        "refund_pct": refund_pct(totals["current"]),
        "refund_pct_previous": refund_pct(totals["previous"]),
        "daily": [(day, per_day.get(day, 0)) for day in day_keys],
    }


def first_orders_waiting(*, paid_before: datetime, limit: int = 200) -> list[tuple[int, str, datetime]]:
    """(buyer id, order number, paid at) of buyers whose only order was paid before ``paid_before`` and is
    still not shipped: a first purchase going wrong (the user-operations care list; two queries)."""
    orders = Order.objects.unscoped(reason="buyer care list (user operations, platform-wide)")
    waiting = list(
        orders.filter(status=OrderStatus.PAID, paid_at__lt=paid_before, shipped_at__isnull=True)
        .order_by("paid_at", "pk")
        .values_list("buyer_id", "number", "paid_at")[: limit * 2]
    )
    counts = dict(
        orders.filter(buyer_id__in={w[0] for w in waiting})
        .values("buyer_id")
        .annotate(n=Count("id"))
        .values_list("buyer_id", "n")
    )
    return [w for w in waiting if counts.get(w[0]) == 1][:limit]


def paid_order_facts(
    *, buyer_ids: list[int], since: datetime, until: datetime
) -> list[tuple[int, datetime, int, int]]:
    """(buyer id, paid at, paid fen, discount fen) of the listed buyers' orders paid in ``[since, until)``,
    in payment order: the facts marketing measures campaigns and strategies with (platform-wide, read-only;
    one query)."""
    orders = Order.objects.unscoped(reason="marketing measurement of its own audience (platform-wide)")
    rows = (
        orders.filter(buyer_id__in=buyer_ids, paid_at__gte=since, paid_at__lt=until)
        .order_by("paid_at", "pk")
        .values_list("buyer_id", "paid_at", "paid_fen", "discount_fen")
    )
    return [(int(b), at, int(paid), int(discount)) for b, at, paid, discount in rows]


# ---- reads of the after-sales app (issue 16: frozen rows, not order models) ------------------------------

_LINE_FIELDS = ("pk", "order_id", "sku_code", "title", "qty", "amount_fen", "discount_fen", "paid_fen")


def order_line_rows(
    *, merchant_id: int, line_ids: list[int] | None = None, order_id: int | None = None
) -> dict[int, OrderLineRow]:
    """The store's order lines by id (one query), those named by ``line_ids`` and/or of ``order_id``,
    in id order."""
    lines = OrderLine.objects.for_merchant(merchant_id)
    if line_ids is not None:
        lines = lines.filter(pk__in=line_ids)
    if order_id is not None:
        lines = lines.filter(order_id=order_id)
    return {row[0]: OrderLineRow(*row) for row in lines.order_by("pk").values_list(*_LINE_FIELDS)}


def order_money(*, order_id: int) -> OrderMoney:
    """The order's state and money (one query; unscoped: the caller authorised the order).
    Raises ``Order.DoesNotExist`` like a direct read (the caller holds a row that refers to it)."""
    row = (
        Order.objects.unscoped(reason="after-sales reads an order it refers to (caller authorised)")
        .values_list("pk", "merchant_id", "buyer_id", "status", "paid_fen", "shipping_fen")
        .get(pk=order_id)
    )
    return OrderMoney(*row)


def refund_request_risk_facts(
    *, buyer_id: int, order_id: int, wanted: dict[int, int]
) -> tuple[str, int] | None:
    """For risk control of a buyer's money request: the engine's order reference and the paid share (fen)
    of the ``wanted`` quantities by order line id, or None when the order is not the buyer's (two
    queries)."""
    from mallops.orders.risk_checks import risk_order_ref

    order = (
        Order.objects.unscoped(reason="risk control reads the buyer's own order")
        .select_related("checkout")
        .filter(pk=order_id, buyer_id=buyer_id)
        .first()
    )
    if order is None:
        return None
    paid = (
        OrderLine.objects.for_merchant(order.merchant_id)
        .filter(order=order, pk__in=list(wanted))
        .values_list("pk", "paid_fen", "qty")
    )
    amount = sum(paid_fen * min(max(wanted[pk], 0), qty) // qty for pk, paid_fen, qty in paid if qty)
    return risk_order_ref(order), amount


def demo_orders_for_aftersales(
    *, checkout_key_prefix: str, statuses: list[str]
) -> list[tuple[int, int, int]]:
    """(order id, merchant id, buyer id) of the orders whose checkout key starts with the prefix and whose
    status is one of ``statuses``, in id order (the demo data; unscoped)."""
    rows = (
        Order.objects.unscoped(reason="demo")
        .filter(checkout__idempotency_key__startswith=checkout_key_prefix, status__in=statuses)
        .order_by("pk")
        .values_list("pk", "merchant_id", "buyer_id")
    )
    return [(int(pk), int(merchant), int(buyer)) for pk, merchant, buyer in rows]


# ---- reads of the membership app -------------------------------------------------------------------------


def buyer_paid_growth(
    *, buyer_id: int, statuses: list[str], paid_after: datetime, paid_until: datetime
) -> tuple[int, int]:
    """(net paid fen: paid less refunded, number of orders) of the buyer's orders in ``statuses`` paid in
    ``(paid_after, paid_until]`` (one aggregate query; unscoped: a job)."""
    agg = (
        Order.objects.unscoped(reason="membership growth of one buyer")
        .filter(buyer_id=buyer_id, status__in=statuses, paid_at__gt=paid_after, paid_at__lte=paid_until)
        .aggregate(net=Sum(F("paid_fen") - F("refunded_fen")), n=Count("pk"))
    )
    return int(agg["net"] or 0), int(agg["n"] or 0)


def buyers_paid_between(*, statuses: list[str], paid_after: datetime, paid_until: datetime) -> set[int]:
    """The buyers with an order in ``statuses`` paid in ``(paid_after, paid_until]`` (one query; a job)."""
    return set(
        Order.objects.unscoped(reason="membership recompute sweep")
        .filter(status__in=statuses, paid_at__gt=paid_after, paid_at__lte=paid_until)
        .values_list("buyer_id", flat=True)
    )


# ---- reads of the payments app ---------------------------------------------------------------------------


def demo_paid_checkouts(*, key_prefix: str, exclude_ids: set[int]) -> list[PaidCheckoutRow]:
    """The checkouts whose key starts with ``key_prefix`` (the demo data), but not ``exclude_ids``, in id
    order, each with its paid orders (two queries; unscoped: demo data)."""
    checkouts = list(
        Checkout.objects.filter(idempotency_key__startswith=key_prefix)
        .exclude(pk__in=exclude_ids)
        .order_by("pk")
        .values_list("pk", "created_at")
    )
    paid: dict[int, list[PaidOrderRow]] = {}
    rows = (
        Order.objects.unscoped(reason="demo")
        .filter(checkout_id__in=[pk for pk, _ in checkouts], paid_at__isnull=False)
        .order_by("pk")
        .values_list("checkout_id", "pk", "paid_fen", "refunded_fen", "paid_at")
    )
    for checkout_id, *order in rows:
        paid.setdefault(checkout_id, []).append(PaidOrderRow(*order))
    return [PaidCheckoutRow(pk, created_at, tuple(paid.get(pk, ()))) for pk, created_at in checkouts]
