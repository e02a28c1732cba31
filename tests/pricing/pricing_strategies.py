"""Hypothesis strategies for small, edge-heavy pricing scenarios (valid JSON dicts)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

MERCHANTS = ["m1", "m2", "m3"]
SKUS = ["A", "B", "C", "D"]
TIMES = [
    "2026-11-11T00:00:00+08:00",
    "2026-11-11T20:00:00",
    "2026-11-11T12:00:00Z",
    "2026-11-12T00:00:00+08:00",
]

money = st.one_of(st.integers(0, 3000), st.sampled_from([0, 1, 99, 100, 999, 1000, 5000, 9999, 10000]))
percent = st.one_of(st.integers(1, 100), st.sampled_from([1, 10, 15, 50, 100]))


@st.composite
def _common(draw: Any, offer: dict[str, Any]) -> dict[str, Any]:
    if draw(st.integers(0, 3)) == 0:
        offer["skus"] = draw(st.lists(st.sampled_from(SKUS), max_size=3, unique=True))
    if draw(st.integers(0, 5)) == 0:
        offer["members_only"] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        offer["starts_at"] = draw(st.sampled_from(TIMES))
    if draw(st.integers(0, 5)) == 0:
        offer["ends_at"] = draw(st.sampled_from(TIMES))
    return offer


@st.composite
def promotion(draw: Any, pid: str) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["percent_off", "amount_off", "nth_item", "threshold", "threshold", "multi_buy"])
    )
    p: dict[str, Any] = {"id": pid, "kind": kind}
    if kind == "percent_off":
        p["percent"] = draw(percent)
    elif kind == "amount_off":
        p["amount"] = draw(money)
    elif kind == "nth_item":
        p["n"] = draw(st.integers(1, 3))
        p["percent"] = draw(percent)
    elif kind == "multi_buy":
        p["min_qty"] = draw(st.integers(0, 5))
        p["percent"] = draw(percent)
    else:
        p["layer"] = draw(st.sampled_from(["store", "platform"]))
        if draw(st.booleans()):
            p["repeat"] = True
            p["tiers"] = [{"min": draw(st.integers(1, 4000)), "off": draw(money)}]
            if draw(st.booleans()):
                p["cap"] = draw(money)
        else:
            mins = draw(st.lists(st.integers(0, 8000), min_size=1, max_size=3, unique=True))
            p["tiers"] = [{"min": m, "off": draw(money)} for m in mins]
    store = kind == "multi_buy" or p.get("layer") == "store"
    if store or (kind in ("percent_off", "amount_off", "nth_item") and draw(st.booleans())):
        p["merchant"] = draw(st.sampled_from(MERCHANTS))
    if draw(st.integers(0, 3)) == 0:
        p["with_coupons"] = draw(st.booleans())
    return draw(_common(p))


@st.composite
def coupon(draw: Any, cid: str) -> dict[str, Any]:
    c: dict[str, Any] = {"id": cid, "layer": draw(st.sampled_from(["store", "platform"]))}
    if c["layer"] == "store":
        c["merchant"] = draw(st.sampled_from(MERCHANTS))
    c["min"] = draw(st.one_of(st.just(0), st.integers(0, 8000)))
    if draw(st.booleans()):
        c["off"] = draw(money)
    else:
        c["percent"] = draw(percent)
        if draw(st.booleans()):
            c["max_off"] = draw(money)
    return draw(_common(c))


@st.composite
def scenario(draw: Any, max_lines: int = 4, max_promotions: int = 6, max_coupons: int = 4) -> dict[str, Any]:
    n = draw(st.integers(1, max_lines))
    lines = [
        {
            "id": f"L{i + 1}",
            "sku": draw(st.sampled_from(SKUS)),
            "merchant": draw(st.sampled_from(MERCHANTS[:2] if n > 2 else MERCHANTS)),
            "unit_price": draw(st.one_of(st.integers(0, 6000), st.sampled_from([0, 1, 3, 1999]))),
            "qty": draw(st.integers(1, 4)),
        }
        for i in range(n)
    ]
    promotions = [draw(promotion(f"p{i + 1}")) for i in range(draw(st.integers(0, max_promotions)))]
    coupons = [draw(coupon(f"c{i + 1}")) for i in range(draw(st.integers(0, max_coupons)))]
    s: dict[str, Any] = {"lines": lines, "promotions": promotions, "coupons": coupons}
    if draw(st.booleans()):
        s["at"] = draw(st.sampled_from(TIMES))
    if draw(st.booleans()):
        s["member"] = draw(st.booleans())
    return s


@st.composite
def coupled_scenario(draw: Any) -> dict[str, Any]:
    """Store and platform offers whose minimums sit near the cart's own amounts, where choices trade off."""
    shops = MERCHANTS[: draw(st.integers(1, 3))]
    lines = []
    for shop in shops:
        for _ in range(draw(st.integers(1, 2))):
            lines.append(
                {
                    "id": f"L{len(lines) + 1}",
                    "sku": draw(st.sampled_from(SKUS)),
                    "merchant": shop,
                    "unit_price": draw(st.integers(100, 5000)),
                    "qty": draw(st.integers(1, 3)),
                }
            )
    shop_total = {s: sum(ln["unit_price"] * ln["qty"] for ln in lines if ln["merchant"] == s) for s in shops}
    total = sum(shop_total.values())

    def near(amount: int) -> int:
        return draw(st.integers(max(0, amount * 5 // 10), amount + 10))

    promotions: list[dict[str, Any]] = []
    coupons: list[dict[str, Any]] = []
    if draw(st.booleans()):
        promotions.append(
            {
                "id": "item",
                "kind": "percent_off",
                "percent": draw(percent),
                "skus": [draw(st.sampled_from(SKUS))],
                "with_coupons": draw(st.booleans()),
            }
        )
    for shop in shops:
        for k in range(draw(st.integers(0, 3))):
            pid = f"s-{shop}-{k}"
            if draw(st.integers(0, 3)) == 0:
                promotions.append(
                    {
                        "id": pid,
                        "kind": "multi_buy",
                        "merchant": shop,
                        "min_qty": draw(st.integers(1, 4)),
                        "percent": draw(percent),
                    }
                )
            else:
                mins = sorted({near(shop_total[shop]) for _ in range(draw(st.integers(1, 2)))})
                promotions.append(
                    {
                        "id": pid,
                        "kind": "threshold",
                        "layer": "store",
                        "merchant": shop,
                        "tiers": [{"min": m, "off": draw(st.integers(1, max(1, m // 3 + 1)))} for m in mins],
                    }
                )
            if draw(st.integers(0, 3)) == 0:
                promotions[-1]["with_coupons"] = False
        for k in range(draw(st.integers(0, 2))):
            coupon: dict[str, Any] = {
                "id": f"c-{shop}-{k}",
                "layer": "store",
                "merchant": shop,
                "min": near(shop_total[shop] * 8 // 10),
            }
            if draw(st.booleans()):
                coupon["off"] = draw(st.integers(1, max(1, shop_total[shop] // 4)))
            else:
                coupon["percent"] = draw(percent)
            coupons.append(coupon)
    for k in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            step = draw(st.integers(max(1, total // 4), max(1, total)))
            promotions.append(
                {
                    "id": f"g{k}",
                    "kind": "threshold",
                    "layer": "platform",
                    "repeat": True,
                    "tiers": [{"min": step, "off": draw(st.integers(1, max(1, step // 4)))}],
                }
            )
        else:
            promotions.append(
                {
                    "id": f"g{k}",
                    "kind": "threshold",
                    "layer": "platform",
                    "tiers": [
                        {"min": near(total * 8 // 10), "off": draw(st.integers(1, max(1, total // 5)))}
                    ],
                }
            )
        if draw(st.integers(0, 2)) == 0:
            promotions[-1]["with_coupons"] = False
        if draw(st.integers(0, 3)) == 0:
            promotions[-1]["skus"] = draw(
                st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True)
            )
    for k in range(draw(st.integers(0, 2))):
        coupon = {"id": f"pc{k}", "layer": "platform", "min": near(total * 7 // 10)}
        if draw(st.booleans()):
            coupon["off"] = draw(st.integers(1, max(1, total // 5)))
        else:
            coupon["percent"] = draw(percent)
            if draw(st.booleans()):
                coupon["max_off"] = draw(st.integers(0, max(1, total // 5)))
        if draw(st.integers(0, 3)) == 0:
            coupon["skus"] = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
        coupons.append(coupon)
    return {"lines": lines, "promotions": promotions, "coupons": coupons}
