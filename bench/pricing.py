"""Benchmark of the cart-pricing engine (not a test).

Big carts: 50 lines from 5 merchants, 200 active promotions (item, store and platform layers with
realistic scopes: a few SKUs, a category, a whole shop, the whole platform) and 20 held coupons.
The engine's p50/p99 per quote is measured on them. Small carts (where trying every combination
finishes) are quoted by the engine and by a naive exhaustive search over all combinations of steps
2-5: their totals must agree and the exhaustive p50 is the baseline. A greedy pick (largest discount
at each step) is also run on the big carts to show how often it misses the best total.

    PYTHONPATH=src .venv/bin/python bench/pricing.py [--quick] [--seed N]

Times are CPU time per quote (``time.process_time``; single-threaded, so the latency on an idle
core; wall time is printed too). The last line is JSON: p50_ms, p99_ms, baseline_p50_ms, ratio (exhaustive p50 / engine p50 on
the small carts), quotes, optimal_checked, optimal_mismatches.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mallops.pricing.engine import (
    Coupon,
    Layer,
    Line,
    Promotion,
    Scenario,
    parse_scenario,
    quote,
)
from mallops.pricing.engine.money import (
    apportion,
    coupon_discount,
    item_discount,
    order_discount,
)

AT = "2026-11-11T20:00:00+08:00"


def _window(rng: random.Random, offer: dict[str, Any]) -> None:
    # Active at AT, as held offers are: most are open-ended, some are event windows around it.
    if rng.random() < 0.4:
        offer["starts_at"] = "2026-11-01T00:00:00+08:00"
        offer["ends_at"] = rng.choice(["2026-11-12T00:00:00", "2026-11-12T02:00:00+08:00"])


def make_scenario(
    rng: random.Random,
    merchants: int,
    lines_per_merchant: int,
    promotions: int,
    coupons: int,
    store_promos_per_merchant: int = 4,
) -> dict[str, Any]:
    """A scenario of the given size; all its promotions and coupons are active at ``at``."""
    shop_names = [f"m{k}" for k in range(1, merchants + 1)]
    other_shops = [f"x{k}" for k in range(1, 40)]  # platform offers also exist for shops not in the cart
    catalogue = {m: [f"{m}-sku{j}" for j in range(lines_per_merchant * 4)] for m in shop_names}
    categories = [[sku for m in shop_names for sku in rng.sample(catalogue[m], 8)] for _ in range(6)]
    lines = []
    for m in shop_names:
        for j, sku in enumerate(rng.sample(catalogue[m], lines_per_merchant)):
            price = rng.choice([990, 1990, 2990, 4900, 5990, 8800, 12900, 19900, 29900, 49900])
            lines.append(
                {
                    "id": f"{m}-L{j}",
                    "sku": sku,
                    "merchant": m,
                    "unit_price": price,
                    "qty": rng.choice([1, 1, 1, 2, 2, 3]),
                }
            )
    promos: list[dict[str, Any]] = []
    store_total = store_promos_per_merchant * merchants + max(
        0, promotions // 4 - store_promos_per_merchant * merchants
    )
    platform_total = max(2, promotions // 20)
    item_total = promotions - store_total - platform_total
    for k in range(item_total):
        shop = rng.choice(shop_names + other_shops[:10])
        skus = rng.sample(catalogue[shop], rng.randint(1, 5)) if shop in catalogue else [f"{shop}-s{k}"]
        kind = rng.choice(["percent_off", "percent_off", "amount_off", "nth_item"])
        p: dict[str, Any] = {"id": f"i{k}", "kind": kind, "merchant": shop, "skus": skus}
        if kind == "percent_off":
            p["percent"] = rng.choice([5, 10, 15, 20, 30])
        elif kind == "amount_off":
            p["amount"] = rng.choice([100, 300, 500, 1000, 2000])
        else:
            p["n"], p["percent"] = rng.choice([(2, 100), (2, 50), (3, 100)])
        if rng.random() < 0.1:
            p["with_coupons"] = False
        _window(rng, p)
        promos.append(p)
    for k in range(store_total):
        shop = (
            shop_names[k % merchants]
            if k < store_promos_per_merchant * merchants
            else rng.choice(other_shops)
        )
        roll = rng.random()
        p = {"id": f"s{k}", "merchant": shop}
        if roll < 0.5:
            step = rng.choice([10000, 20000, 30000])
            p.update(
                kind="threshold",
                layer="store",
                tiers=[{"min": step * t, "off": step * t // rng.choice([5, 6, 8])} for t in (1, 2, 3, 5)],
            )
        elif roll < 0.75:
            step = rng.choice([20000, 30000, 40000])
            p.update(
                kind="threshold",
                layer="store",
                repeat=True,
                cap=rng.choice([15000, 30000]),
                tiers=[{"min": step, "off": step // rng.choice([6, 8, 10])}],
            )
        else:
            p.update(kind="multi_buy", min_qty=rng.choice([2, 3, 5]), percent=rng.choice([5, 10, 12]))
        if shop in catalogue and rng.random() < 0.3:
            p["skus"] = rng.sample(catalogue[shop], lines_per_merchant * 2)
        if rng.random() < 0.2:
            p["with_coupons"] = False
        _window(rng, p)
        promos.append(p)
    for k in range(platform_total):
        if rng.random() < 0.5:
            p = {
                "id": f"g{k}",
                "kind": "threshold",
                "layer": "platform",
                "tiers": [{"min": 30000 * t, "off": 30000 * t // 6} for t in (1, 2, 4, 10)],
            }
        else:
            p = {
                "id": f"g{k}",
                "kind": "threshold",
                "layer": "platform",
                "repeat": True,
                "cap": rng.choice([20000, 50000]),
                "tiers": [{"min": 30000, "off": 5000}],
            }
        if rng.random() < 0.5:
            p["skus"] = rng.choice(categories)
        if rng.random() < 0.2:
            p["with_coupons"] = False
        _window(rng, p)
        promos.append(p)
    held: list[dict[str, Any]] = []
    store_coupons = coupons * 3 // 5
    for k in range(coupons):
        if k < store_coupons:
            c: dict[str, Any] = {"id": f"c{k}", "layer": "store", "merchant": shop_names[k % merchants]}
            c["min"], c["off"] = rng.choice(
                [(0, 500), (9900, 1000), (19900, 3000), (39900, 6000), (99900, 15000)]
            )
        else:
            c = {"id": f"c{k}", "layer": "platform"}
            if rng.random() < 0.5:
                c["min"], c["off"] = rng.choice([(0, 1000), (29900, 5000), (99900, 12000), (199900, 30000)])
            else:
                c["min"], c["percent"], c["max_off"] = rng.choice(
                    [(0, 5, 2000), (50000, 10, 10000), (0, 8, 99900)]
                )
            if rng.random() < 0.25:
                c["skus"] = rng.choice(categories)
        if rng.random() < 0.2:
            c["members_only"] = True
        _window(rng, c)
        held.append(c)
    rng.shuffle(promos)
    return {"at": AT, "member": True, "lines": lines, "promotions": promos, "coupons": held}


# Naive baselines ---------------------------------------------------------------------------------


def _active_offers(s: Scenario) -> tuple[list[Promotion], list[Coupon]]:
    def ok(o: Promotion | Coupon) -> bool:
        if o.members_only and not s.member:
            return False
        if s.at is None:
            return True
        return (o.starts_at is None or o.starts_at <= s.at) and (o.ends_at is None or s.at < o.ends_at)

    return [p for p in s.promotions if ok(p)], [c for c in s.coupons if ok(c)]


def _covers(o: Promotion | Coupon, line: Line) -> bool:
    return (o.merchant is None or o.merchant == line.merchant) and (o.skus is None or line.sku in o.skus)


def _after_items(s: Scenario, promos: list[Promotion]) -> tuple[list[int], set[int]]:
    amounts = [ln.amount for ln in s.lines]
    blocked: set[int] = set()
    for i, line in enumerate(s.lines):
        best: tuple[int, Promotion] | None = None
        for p in promos:
            if p.layer is Layer.ITEM and _covers(p, line):
                d = item_discount(p, line, amounts[i])
                if best is None or d > best[0]:
                    best = (d, p)
        if best is not None and best[0] > 0:
            amounts[i] -= best[0]
            if not best[1].with_coupons:
                blocked.add(i)
    return amounts, blocked


def _apply(s: Scenario, amounts: list[int], blocked: set[int], offer: Promotion | Coupon) -> int:
    coupon = isinstance(offer, Coupon)
    scope = [i for i, ln in enumerate(s.lines) if _covers(offer, ln) and not (coupon and i in blocked)]
    base = sum(amounts[i] for i in scope)
    if isinstance(offer, Coupon):
        d = coupon_discount(offer, base)
    else:
        d = order_discount(offer, base, sum(s.lines[i].qty for i in scope))
    for i, share in zip(scope, apportion(d, [amounts[i] for i in scope]), strict=True):
        amounts[i] -= share
        if share and isinstance(offer, Promotion) and not offer.with_coupons:
            blocked.add(i)
    return d


def exhaustive_total(s: Scenario) -> int:
    """Try every combination of steps 2-5; the naive baseline (exponential in the merchants)."""
    promos, coupons = _active_offers(s)
    start, start_blocked = _after_items(s, promos)
    shops = list(dict.fromkeys(ln.merchant for ln in s.lines))
    store_p = [[None, *(p for p in promos if p.layer is Layer.STORE and p.merchant == m)] for m in shops]
    store_c = [[None, *(c for c in coupons if c.layer is Layer.STORE and c.merchant == m)] for m in shops]
    plat_p = [None, *(p for p in promos if p.layer is Layer.PLATFORM)]
    plat_c = [None, *(c for c in coupons if c.layer is Layer.PLATFORM)]
    best = None
    for sp in itertools.product(*store_p):
        for sc in itertools.product(*store_c):
            for pp in plat_p:
                for pc in plat_c:
                    amounts, blocked = list(start), set(start_blocked)
                    for offer in (*sp, *sc, pp, pc):
                        if offer is not None:
                            _apply(s, amounts, blocked, offer)
                    total = sum(amounts)
                    best = total if best is None else min(best, total)
    assert best is not None
    return best


def greedy_total(s: Scenario) -> int:
    """Largest discount at each step in turn: fast, often not the best."""
    promos, coupons = _active_offers(s)
    amounts, blocked = _after_items(s, promos)
    shops = list(dict.fromkeys(ln.merchant for ln in s.lines))

    def pick(candidates: list[Promotion] | list[Coupon]) -> None:
        best, best_d = None, 0
        for offer in candidates:
            d = _apply(s, list(amounts), set(blocked), offer)
            if d > best_d:
                best, best_d = offer, d
        if best is not None:
            _apply(s, amounts, blocked, best)

    for m in shops:
        pick([p for p in promos if p.layer is Layer.STORE and p.merchant == m])
    for m in shops:
        pick([c for c in coupons if c.layer is Layer.STORE and c.merchant == m])
    pick([p for p in promos if p.layer is Layer.PLATFORM])
    pick([c for c in coupons if c.layer is Layer.PLATFORM])
    return sum(amounts)


# Measurement -------------------------------------------------------------------------------------


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 4)


WALL: list[float] = []


def _time(fn: Any, scenarios: list[Scenario], keep: bool = True) -> tuple[list[float], list[Any]]:
    """CPU time per call (the engine is single-threaded, so on an idle core this is its latency; on a
    shared machine wall time also counts waiting for a core). Wall times go to WALL."""
    times, results = [], []
    WALL.clear()
    for s in scenarios:
        w0, t0 = time.perf_counter(), time.process_time()
        result = fn(s)
        times.append(time.process_time() - t0)
        WALL.append(time.perf_counter() - w0)
        if keep:
            results.append(result)
    return times, results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seed", type=int, default=20261111)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    n_big = 200 if args.quick else 2000
    n_small = 20 if args.quick else 150
    distinct = 50 if args.quick else 200

    big = [parse_scenario(make_scenario(rng, 5, 10, 200, 20)) for _ in range(distinct)]
    runs = [big[k % distinct] for k in range(n_big)]
    gc.collect()
    _time(quote, big[:20])  # warm-up
    half = n_big // 2
    # Quotes are dropped as they come, as a caller in a loop would: the peak RSS must not grow.
    first, _ = _time(quote, runs[:half], keep=False)
    rss_mid = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    second, _ = _time(quote, runs[half:], keep=False)
    wall = list(WALL)
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine = first + second
    greedy_times, greedy = _time(greedy_total, big)
    worse = sum(1 for s, g in zip(big, greedy, strict=True) if g > quote(s).total)
    print(
        f"engine, {len(engine)} quotes of 50 lines / 5 merchants / 200 promotions / 20 coupons: "
        f"CPU p50 {_ms(engine, 0.5)} ms, p99 {_ms(engine, 0.99)} ms, max {_ms(engine, 1.0)} ms; "
        f"wall (second half) p50 {_ms(wall, 0.5)} ms, p99 {_ms(wall, 0.99)} ms"
    )
    print(
        f"memory: max RSS {rss_mid} KiB after half the quotes, {rss_end} KiB after all "
        f"(growth {rss_end - rss_mid} KiB)"
    )
    print(
        f"greedy on the same carts: p50 {_ms(greedy_times, 0.5)} ms; "
        f"worse than the engine on {worse} of {len(big)} carts"
    )

    small = [
        parse_scenario(make_scenario(rng, rng.choice([2, 3]), 3, 40, 8, store_promos_per_merchant=3))
        for _ in range(n_small)
    ]
    small_engine, small_quotes = _time(quote, small)
    baseline, exhaustive = _time(exhaustive_total, small)
    mismatches = sum(1 for q, e in zip(small_quotes, exhaustive, strict=True) if q.total != e)
    ratio = round(_ms(baseline, 0.5) / max(_ms(small_engine, 0.5), 1e-9), 2)
    print(
        f"small carts ({n_small}, 2-3 merchants x 3 lines, 40 promotions, 8 coupons): engine p50 "
        f"{_ms(small_engine, 0.5)} ms, exhaustive p50 {_ms(baseline, 0.5)} ms (x{ratio}), "
        f"{mismatches} total mismatches"
    )
    print(
        json.dumps(
            {
                "p50_ms": _ms(engine, 0.5),
                "p99_ms": _ms(engine, 0.99),
                "baseline_p50_ms": _ms(baseline, 0.5),
                "ratio": ratio,
                "quotes": len(engine),
                "optimal_checked": len(small),
                "optimal_mismatches": mismatches,
            }
        )
    )
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
