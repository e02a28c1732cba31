"""Demo data of the orders app: stock for the demo merchants, ~300 orders over 30 days, flash sales.

Idempotent: stock rows are found by SKU code, orders by their checkout key ``demo-<n>``, flash sales by
title. SKU codes are simple (``D<merchant>-<n>``) and independent of the catalogue app.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, User
from mallops.core.errors import DomainError
from mallops.orders import stock
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Checkout, FlashSale, StockItem
from mallops.orders.states import Event
from mallops.orders.transitions import order_transition

SKUS: dict[str, list[tuple[str, int]]] = {
    "鲜果时光旗舰店": [
        ("烟台红富士苹果 5kg", 5990),
        ("海南金煌芒 3kg", 4590),
        ("智利车厘子 JJ 2kg", 19900),
        ("赣南脐橙 5kg", 3990),
    ],
    "云裳服饰专营店": [
        ("真丝衬衫 白色 M", 39900),
        ("羊毛大衣 驼色 L", 129900),
        ("直筒牛仔裤 28", 19900),
        ("针织开衫 米白 S", 15900),
    ],
    "极客数码官方店": [
        ("蓝牙降噪耳机", 89900),
        ("氮化镓充电器 65W", 12900),
        ("机械键盘 茶轴", 39900),
        ("移动硬盘 2TB", 49900),
    ],
    "安心母婴生活馆": [
        ("婴儿纸尿裤 L 62片", 12900),
        ("婴儿湿巾 80抽×6", 4990),
        ("宝宝辅食米粉", 6800),
        ("儿童保温杯", 9900),
    ],
    "雪域美妆集合店": [
        ("保湿精华液 30ml", 29900),
        ("防晒乳 SPF50", 15900),
        ("氨基酸洁面乳", 8900),
        ("玻尿酸面膜 10片", 9900),
    ],
}
ORDER_COUNT = 300
# final state -> weight (orders younger than the pay window may stay "created")
STATES = [
    ("completed", 34),
    ("delivered", 10),
    ("shipped", 16),
    ("paid", 14),
    ("cancelled", 14),
    ("refunded", 5),
    ("refunding", 4),
    ("created", 3),
]
PATHS: dict[str, list[Event]] = {
    "created": [],
    "cancelled": [Event.CANCEL],
    "paid": [Event.PAY],
    "shipped": [Event.PAY, Event.SHIP],
    "delivered": [Event.PAY, Event.SHIP, Event.DELIVER],
    "completed": [Event.PAY, Event.SHIP, Event.DELIVER, Event.COMPLETE],
    "refunding": [Event.PAY, Event.REQUEST_REFUND],
    "refunded": [Event.PAY, Event.REQUEST_REFUND, Event.REFUND],
}
CARRIERS = ["SF", "ZTO", "YTO", "JD", "YUNDA"]


def _stock(lines: list[str]) -> dict[int, list[StockItem]]:
    by_merchant: dict[int, list[StockItem]] = {}
    for index, (store, products) in enumerate(SKUS.items(), start=1):
        merchant = Merchant.objects.filter(name=store).first()
        if merchant is None:
            continue
        for n, (title, price) in enumerate(products, start=1):
            item = StockItem.objects.unscoped(reason="demo").filter(sku_code=f"D{index}-{n:02d}").first()
            if item is None:
                item = StockItem.objects.create(
                    merchant=merchant, sku_code=f"D{index}-{n:02d}", title=title, price_fen=price
                )
                stock.receive(item, 800)
            by_merchant.setdefault(merchant.pk, []).append(item)
    lines.append(f"Orders: stock for {sum(len(v) for v in by_merchant.values())} demo SKUs (D1-01 …)")
    return by_merchant


def _walk(order_id: int, path: list[Event], at: datetime, rng: random.Random) -> None:
    for event in path:
        at += (
            timedelta(minutes=rng.randint(2, 25))
            if event is Event.PAY
            else timedelta(hours=rng.randint(3, 40))
        )
        order_transition(
            actor=None,
            order_id=order_id,
            event=event,
            now=at,
            carrier=rng.choice(CARRIERS) if event is Event.SHIP else "",
            tracking_number=f"{rng.randint(10**11, 10**12 - 1)}" if event is Event.SHIP else "",
            reason="buyer" if event in (Event.CANCEL, Event.REQUEST_REFUND) else "",
        )


def _orders(by_merchant: dict[int, list[StockItem]], lines: list[str], rng: random.Random) -> None:
    if Checkout.objects.filter(idempotency_key__startswith="demo-").exists():
        lines.append("Orders: demo orders already present")
        return
    buyers = list(User.objects.filter(username__startswith="buyer0").order_by("username")[:300])
    if not buyers or not by_merchant:
        lines.append("Orders: no demo buyers or merchants, no orders made")
        return
    now = timezone.now()
    merchants = sorted(by_merchant)
    states, weights = zip(*STATES, strict=True)
    made = 0
    for n in range(ORDER_COUNT):
        state = rng.choices(states, weights)[0]
        max_minutes = {"created": 20, "paid": 3 * 24 * 60, "shipped": 4 * 24 * 60, "delivered": 6 * 24 * 60}
        age = timedelta(
            minutes=rng.randint(1 if state == "created" else 60, max_minutes.get(state, 30 * 24 * 60))
        )
        created = now - age
        chosen = rng.sample(merchants, k=1 if rng.random() < 0.75 else 2)
        cart = [
            CartLine(item.sku_code, rng.randint(1, 3))
            for m in chosen
            for item in rng.sample(by_merchant[m], 1)
        ]
        try:
            checkout, _ = checkout_create(
                actor=actor_of(rng.choice(buyers)),
                idempotency_key=f"demo-{n}",
                req=CheckoutRequest(lines=cart),
                now=created,
            )
        except DomainError:
            continue
        for order in checkout.orders.unscoped(reason="demo").order_by("pk"):
            _walk(order.pk, PATHS[state], created, rng)
        made += 1
    lines.append(f"Orders: {made} demo checkouts over the last 30 days (buyer00001 …)")


def _flash(by_merchant: dict[int, list[StockItem]], lines: list[str]) -> None:
    from mallops.orders.flash.services import flash_sale_create

    staff = (
        User.objects.filter(username="product-ops").first() or User.objects.filter(username="admin").first()
    )
    if staff is None or not by_merchant:
        return
    now = timezone.now()
    items = [i for m in sorted(by_merchant) for i in by_merchant[m]]
    specs = [
        (
            "限时抢购：智利车厘子 JJ 2kg 5折",
            "D1-03",
            9950,
            100,
            2,
            now - timedelta(minutes=30),
            now + timedelta(days=2),
        ),
        (
            "限量发售：蓝牙降噪耳机 首发 200 台",
            "D3-01",
            59900,
            200,
            1,
            now + timedelta(days=1),
            now + timedelta(days=1, hours=2),
        ),
    ]
    known = {i.sku_code for i in items}
    for title, sku, price, qty, limit, start, end in specs:
        if sku not in known or FlashSale.objects.unscoped(reason="demo").filter(title=title).exists():
            continue
        flash_sale_create(
            actor=actor_of(staff),
            sku_code=sku,
            title=title,
            flash_price_fen=price,
            quantity=qty,
            per_buyer_limit=limit,
            starts_at=start,
            ends_at=end,
        )
    count = FlashSale.objects.unscoped(reason="demo").count()
    lines.append(f"Flash sales: {count} (one running now, one tomorrow; console /orders/flash-sales/)")


def load(*, lines: list[str], rng: random.Random) -> None:
    by_merchant = _stock(lines)
    _orders(by_merchant, lines, rng)
    _flash(by_merchant, lines)
