"""A slow, literal reading of guide/pricing-contract.md, for checking the engine on small carts.

It works on the raw JSON dicts, shares no code with the engine, and tries every combination of
steps 2-5 (each merchant: store promotion or none, store coupon or none; the order: platform promotion
or none, platform coupon or none), applying the steps exactly as the contract words them.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

CST = timezone(timedelta(hours=8))


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=CST)


def _active(offer: dict[str, Any], scenario: dict[str, Any]) -> bool:
    if offer.get("members_only") and not scenario.get("member"):
        return False
    if scenario.get("at") is None:
        return True
    at = _when(scenario["at"])
    if offer.get("starts_at") and not _when(offer["starts_at"]) <= at:
        return False
    return not (offer.get("ends_at") and not at < _when(offer["ends_at"]))


def _in_scope(offer: dict[str, Any], line: dict[str, Any]) -> bool:
    if "skus" in offer and offer["skus"] is not None and line["sku"] not in offer["skus"]:
        return False
    return not (offer.get("merchant") is not None and line["merchant"] != offer["merchant"])


def largest_remainder(discount: int, amounts: list[int]) -> list[int]:
    base = sum(amounts)
    if discount == 0:
        return [0 for _ in amounts]
    exact = [Fraction(discount * a, base) for a in amounts]
    shares = [math.floor(e) for e in exact]
    leftover = discount - sum(shares)
    ranked = sorted(range(len(amounts)), key=lambda k: (-(exact[k] - shares[k]), k))
    for k in ranked[:leftover]:
        shares[k] += 1
    return shares


def _threshold(promo: dict[str, Any], base: int) -> int:
    tiers = promo["tiers"]
    if promo.get("repeat"):
        off = (base // tiers[0]["min"]) * tiers[0]["off"]
        if promo.get("cap") is not None:
            off = min(off, promo["cap"])
    else:
        reached = [t for t in tiers if base >= t["min"]]
        off = max(reached, key=lambda t: t["min"])["off"] if reached else 0
    return min(off, base)


def _coupon(coupon: dict[str, Any], base: int) -> int:
    if base < coupon.get("min", 0):
        return 0
    if coupon.get("off") is not None:
        return min(coupon["off"], base)
    off = base * coupon["percent"] // 100
    if coupon.get("max_off") is not None:
        off = min(off, coupon["max_off"])
    return off


def _item(promo: dict[str, Any], line: dict[str, Any], amount: int) -> int:
    if promo["kind"] == "percent_off":
        return amount * promo["percent"] // 100
    if promo["kind"] == "amount_off":
        return min(line["unit_price"], promo["amount"]) * line["qty"]
    return (line["qty"] // promo["n"]) * line["unit_price"] * promo["percent"] // 100


def run(
    scenario: dict[str, Any],
    store_promos: dict[str, Any],
    store_coupons: dict[str, Any],
    platform_promo: Any,
    platform_coupon: Any,
) -> dict[str, Any]:
    """Apply one combination literally; returns the applied discounts and the final line amounts."""
    lines = scenario["lines"]
    amount = [ln["unit_price"] * ln["qty"] for ln in lines]
    no_coupons: set[int] = set()
    applied: list[dict[str, Any]] = []
    promos = [p for p in scenario.get("promotions", []) if _active(p, scenario)]

    # Step 1: each line takes its best item promotion, ties to the one listed first.
    item_shares: dict[str, dict[int, int]] = {}
    chosen: list[tuple[int, dict[str, Any]] | None] = []
    for i, line in enumerate(lines):
        best = None
        for promo in promos:
            if promo["kind"] in ("percent_off", "amount_off", "nth_item") and _in_scope(promo, line):
                d = _item(promo, line, amount[i])
                if best is None or d > best[0]:
                    best = (d, promo)
        chosen.append(best)
    for i, best in enumerate(chosen):
        if best is not None and best[0] > 0:
            d, promo = best
            amount[i] -= d
            item_shares.setdefault(promo["id"], {})[i] = d
            if promo.get("with_coupons") is False:
                no_coupons.add(i)
    for promo in scenario.get("promotions", []):
        if promo["id"] in item_shares:
            shares = item_shares[promo["id"]]
            applied.append({"id": promo["id"], "step": 1, "shares": shares})

    def apply(offer: dict[str, Any], step: int, scope: list[int], discount_of) -> dict[int, int]:
        base = sum(amount[i] for i in scope)
        d = discount_of(base)
        assert 0 <= d <= base
        if d == 0:
            return {}
        parts = largest_remainder(d, [amount[i] for i in scope])
        shares = {i: s for i, s in zip(scope, parts, strict=False) if s > 0}
        for i, s in shares.items():
            amount[i] -= s
        applied.append({"id": offer["id"], "step": step, "shares": shares})
        return shares

    # Step 2
    for merchant, promo in store_promos.items():
        if promo is None:
            continue
        scope = [i for i, ln in enumerate(lines) if ln["merchant"] == merchant and _in_scope(promo, ln)]
        if promo["kind"] == "multi_buy":
            units = sum(lines[i]["qty"] for i in scope)
            shares = apply(
                promo,
                2,
                scope,
                lambda b, p=promo, u=units: b * p["percent"] // 100 if u >= p["min_qty"] else 0,
            )
        else:
            shares = apply(promo, 2, scope, lambda b, p=promo: _threshold(p, b))
        if promo.get("with_coupons") is False:
            no_coupons.update(shares)
    # Step 3
    for merchant, coupon in store_coupons.items():
        if coupon is None:
            continue
        scope = [
            i
            for i, ln in enumerate(lines)
            if ln["merchant"] == merchant and _in_scope(coupon, ln) and i not in no_coupons
        ]
        apply(coupon, 3, scope, lambda b, c=coupon: _coupon(c, b))
    # Step 4
    if platform_promo is not None:
        scope = [i for i, ln in enumerate(lines) if _in_scope(platform_promo, ln)]
        shares = apply(platform_promo, 4, scope, lambda b: _threshold(platform_promo, b))
        if platform_promo.get("with_coupons") is False:
            no_coupons.update(shares)
    # Step 5
    if platform_coupon is not None:
        scope = [i for i, ln in enumerate(lines) if _in_scope(platform_coupon, ln) and i not in no_coupons]
        apply(platform_coupon, 5, scope, lambda b: _coupon(platform_coupon, b))

    subtotal = sum(ln["unit_price"] * ln["qty"] for ln in lines)
    return {"total": sum(amount), "subtotal": subtotal, "amounts": amount, "applied": applied}


def choices(scenario: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], Any, Any]]:
    merchants = list(dict.fromkeys(ln["merchant"] for ln in scenario["lines"]))
    promos = [p for p in scenario.get("promotions", []) if _active(p, scenario)]
    coupons = [c for c in scenario.get("coupons", []) if _active(c, scenario)]

    def store_layer(p: dict[str, Any]) -> bool:
        return p["kind"] == "multi_buy" or (p["kind"] == "threshold" and p["layer"] == "store")

    per_promo = [[None] + [p for p in promos if store_layer(p) and p["merchant"] == m] for m in merchants]
    per_coupon = [
        [None] + [c for c in coupons if c["layer"] == "store" and c["merchant"] == m] for m in merchants
    ]
    platform_promos = [None] + [p for p in promos if p["kind"] == "threshold" and p["layer"] == "platform"]
    platform_coupons = [None] + [c for c in coupons if c["layer"] == "platform"]
    out = []
    for sp in itertools.product(*per_promo):
        for sc in itertools.product(*per_coupon):
            for pp in platform_promos:
                for pc in platform_coupons:
                    out.append(
                        (
                            dict(zip(merchants, sp, strict=False)),
                            dict(zip(merchants, sc, strict=False)),
                            pp,
                            pc,
                        )
                    )
    return out


def best_total(scenario: dict[str, Any]) -> int:
    return min(run(scenario, *choice)["total"] for choice in choices(scenario))


def replay(scenario: dict[str, Any], applied_ids: set[str]) -> dict[str, Any]:
    """Run the combination a quote chose (its applied ids of steps 2-5)."""
    for choice in choices(scenario):
        sp, sc, pp, pc = choice
        picked = {o["id"] for o in (*sp.values(), *sc.values(), pp, pc) if o is not None}
        if picked == applied_ids:
            return run(scenario, *choice)
    raise AssertionError(f"no combination uses exactly {sorted(applied_ids)}")
