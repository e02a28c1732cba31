"""Demo after-sales requests and disputes over the demo orders (idempotent: orders that already have a
request are skipped, so a second run creates nothing)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.aftersales import disputes, returns, services
from mallops.aftersales.models import AfterSalesRequest
from mallops.core.actors import SYSTEM
from mallops.orders import selectors as orders_selectors

REASONS = {
    "product": ["尺码偏小，穿不上", "收到有划痕", "颜色与图片不符", "做工粗糙，有线头"],
    "logistics": ["外包装破损，商品受损", "快递延误，已不需要"],
    "order": ["拍错了规格", "重复下单"],
}
# (kind, classification, what happens next)
PLAN = [
    ("refund", "product", "pending"),
    ("return", "product", "pending"),
    ("exchange", "product", "pending"),
    ("refund", "logistics", "approve"),
    ("return", "order", "approve"),
    ("repair", "product", "approve"),
    ("refund", "product", "reject"),
    ("return", "product", "dispute"),
    ("refund", "logistics", "dispute"),
    ("return", "product", "ruled"),
    ("return", "product", "returning"),
    ("return", "logistics", "received"),
    ("exchange", "product", "replacing"),
]


def load(*, lines: list[str], rng: random.Random) -> None:
    taken = set(AfterSalesRequest.objects.unscoped(reason="demo").values_list("order_id", flat=True))
    candidates = [
        o
        for o in orders_selectors.demo_orders_for_aftersales(
            checkout_key_prefix="demo-", statuses=["delivered", "completed"]
        )
        if o[0] not in taken
    ]
    if taken or not candidates:
        lines.append(f"After-sales: {len(taken)} demo requests (kept)")
        return
    ruler = next(
        (
            u
            for u in User.objects.filter(username__in=["cs-supervisor", "cs-agent"])
            if u.has_perm("aftersales.handle")
        ),
        None,
    )
    made = 0
    for (kind, classification, fate), (order_id, merchant_id, buyer_id) in zip(
        PLAN, rng.sample(candidates, min(len(PLAN), len(candidates))), strict=False
    ):
        line = next(
            iter(orders_selectors.order_line_rows(merchant_id=merchant_id, order_id=order_id).values())
        )
        buyer = actor_of(User.objects.get(pk=buyer_id))
        qty = 1 if line.qty > 1 and rng.random() < 0.5 else line.qty
        now = timezone.now() - timedelta(hours=rng.randint(1, 20))
        req = services.request_create(
            actor=buyer,
            order_id=order_id,
            kind=kind,
            classification=classification,
            reason=rng.choice(REASONS[classification]),
            lines=[services.LineIn(line.id, qty)],
            now=now,
        )
        made += 1
        later = now + timedelta(hours=rng.randint(1, 6))
        if fate in ("approve", "returning", "received", "replacing"):
            req = services.request_approve(
                actor=SYSTEM, request_id=req.pk, merchant_id=req.merchant_id, now=later
            )
        if fate == "approve" and kind != "repair" and ruler is not None and req.status == "reviewing":
            # reviewed by customer service and closed; the repair (and the ruled dispute) wait for review
            services.request_close(
                actor=actor_of(ruler),
                request_id=req.pk,
                note="已核对处理结果",
                now=later + timedelta(hours=1),
            )
        if fate in ("returning", "received", "replacing"):
            returns.return_ship(
                actor=buyer,
                request_id=req.pk,
                carrier=rng.choice(["SF", "ZTO", "YTO", "JD"]),
                tracking_number=f"RT{req.pk:04d}{rng.randint(100000, 999999)}",
                now=later + timedelta(minutes=30),
            )
        if fate in ("received", "replacing"):
            returns.return_receive(
                actor=SYSTEM, request_id=req.pk, merchant_id=req.merchant_id, now=later + timedelta(hours=2)
            )
        elif fate in ("reject", "dispute", "ruled"):
            services.request_reject(
                actor=SYSTEM,
                request_id=req.pk,
                merchant_id=req.merchant_id,
                reason="商品已使用，不影响二次销售的证明不足",
                now=later,
            )
        if fate in ("dispute", "ruled"):
            disputes.dispute_open(
                actor=buyer,
                request_id=req.pk,
                category="quality",
                text="收到时即有破损，附开箱照片",
                images=[f"unboxing-{req.pk}-1.jpg", f"unboxing-{req.pk}-2.jpg"],
                now=later + timedelta(hours=1),
            )
            disputes.evidence_add(
                actor=SYSTEM,
                request_id=req.pk,
                party="merchant",
                text="发货前质检记录",
                images=[f"qc-{req.pk}.jpg"],
                merchant_id=req.merchant_id,
                now=later + timedelta(hours=3),
            )
        if fate == "ruled" and ruler is not None:
            disputes.dispute_rule(
                actor=actor_of(ruler),
                dispute_id=req.dispute.pk,
                ruling="refund_full",
                note="商家举证不足，支持买家退款",
                now=later + timedelta(hours=5),
            )
    lines.append(
        f"After-sales: {made} demo requests (pending, approved, reviewed, returning, received, rejected, disputed,"
        " ruled)"
    )
