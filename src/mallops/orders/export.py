"""XLSX export of orders (openpyxl, write-only mode so large exports stay flat in memory)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.db.models import QuerySet
from openpyxl import Workbook

from mallops.core.actors import Actor
from mallops.core.timeutil import format_local
from mallops.orders.models import Order
from mallops.orders.selectors import order_lines
from mallops.privacy.exports import export_data_classes, export_purpose_check
from mallops.privacy.services import personal_data_export_record

HEADER = [
    "订单号 Order",
    "状态 Status",
    "下单时间 Created (Asia/Shanghai)",
    "SKU",
    "商品 Title",
    "单价 Unit (元)",
    "数量 Qty",
    "金额 Amount (元)",
    "优惠 Discount (元)",
    "实付 Paid (元)",
    "承运商 Carrier",
    "运单号 Tracking",
    "发货超时 Late",
]


def orders_xlsx(orders: Iterable[Order]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("orders")
    sheet.append(HEADER)
    for order in orders:
        for line in order_lines(order):
            sheet.append(
                [
                    order.number,
                    order.status,
                    format_local(order.created_at),
                    line.sku_code,
                    line.title,
                    line.unit_price_fen / 100,
                    line.qty,
                    line.amount_fen / 100,
                    line.discount_fen / 100,
                    line.paid_fen / 100,
                    order.carrier,
                    order.tracking_number,
                    "yes" if order.ship_late else "",
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# the Order fields the file carries (the privacy registry says which of them are personal data)
ORDER_EXPORT_FIELDS = ("number", "status", "created_at", "carrier", "tracking_number", "ship_late")


def orders_export(*, actor: Actor, orders: QuerySet[Order], purpose: str = "") -> bytes:
    """``orders_xlsx`` for ``actor``, recorded as an export of personal data (audit ``privacy.export`` with
    the orders counted, the data classes of ``ORDER_EXPORT_FIELDS`` and ``purpose``); 422
    ``validation_error`` on ``purpose`` for ``privacy.exports.BULK_EXPORT_ROWS`` orders or more without one."""
    rows = orders.count()
    export_purpose_check(rows=rows, purpose=purpose)
    content = orders_xlsx(orders)
    classes = export_data_classes(Order, ORDER_EXPORT_FIELDS)
    if classes:
        personal_data_export_record(
            actor=actor,
            what="orders",
            rows=rows,
            data_classes=classes,
            purpose=purpose,
            columns=[*ORDER_EXPORT_FIELDS, "lines"],
        )
    return content
