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
