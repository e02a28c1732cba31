"""The quote: step 1 is fixed, steps 2-5 are searched exactly (``search``) for the lowest total, then
every discount is apportioned to lines and the buyer gets a hint towards the next threshold tier."""

from __future__ import annotations

from collections.abc import Iterable

from mallops.pricing.engine.model import (
    AppliedDiscount,
    Kind,
    Layer,
    NextThreshold,
    Promotion,
    Quote,
    QuoteLine,
    Scenario,
)
from mallops.pricing.engine.money import threshold_discount
from mallops.pricing.engine.search import search_best
from mallops.pricing.engine.steps import Pricer, is_active, platform_offers

__all__ = ["is_active", "quote"]


def _next_threshold(pricer: Pricer, amounts1: list[int], amounts3: list[int]) -> NextThreshold | None:
    """The nearest further tier among the active thresholds that cover a cart line.

    ``needed`` is measured on the promotion's own base in the chosen solution (store: after step 1,
    platform: after step 3); the hint names the smallest ``needed`` whose tier gives more than the
    promotion gives now (``off`` is the promotion's whole discount at that tier). Ties: by step, then
    as listed.
    """
    lines = pricer.scenario.lines
    best: tuple[int, int, int, NextThreshold] | None = None
    platform_scopes = {scoped.order: scoped.lines for scoped in platform_offers(pricer)[0]}
    # store thresholds of the cart's stores, then platform ones (ties are broken by ``k`` below)
    candidates: list[tuple[int, Promotion]] = [
        kp for m in pricer.merchants for kp in pricer.store_promotions.get(m, ())
    ]
    candidates.extend(pricer.platform_promotions)
    bases: dict[object, int] = {}  # offers often share a scope: each one is summed once
    for k, p in candidates:
        if p.kind is not Kind.THRESHOLD:
            continue
        if p.layer is Layer.PLATFORM:
            key: object = ("p", p.skus)
            if key not in bases:
                scope: Iterable[int] = platform_scopes.get(k, ())
                bases[key] = sum([amounts3[i] for i in scope]) if scope else -1
        else:
            key = (p.merchant, p.skus)
            if key not in bases:
                own = pricer.merchant_lines[p.merchant or ""]
                scope = own if p.skus is None else [i for i in own if lines[i].sku in p.skus]
                bases[key] = sum([amounts1[i] for i in scope]) if scope else -1
        base = bases[key]
        if base < 0:  # covers no line of the cart
            continue
        now = threshold_discount(p, base)
        target_min = target_off = -1
        if p.repeat:
            tier = p.tiers[0]
            reach = (base // tier.min + 1) * tier.min
            off = threshold_discount(p, reach)
            if off > now:
                target_min, target_off = reach, off
        else:
            # the lowest tier above the base that gives more (ties: the one listed first)
            for tier in p.tiers:
                if tier.min > base and tier.off > now and (target_min < 0 or tier.min < target_min):
                    target_min, target_off = tier.min, tier.off
        if target_min < 0:
            continue
        step = 2 if p.layer is Layer.STORE else 4
        rank = (target_min - base, step, k)
        if best is None or rank < best[:3]:
            best = (*rank, NextThreshold(p.id, target_min - base, target_off))
    return best[3] if best is not None else None


def quote(scenario: Scenario) -> Quote:
    """Price the cart: the best combination of steps 2-5, every discount apportioned to lines."""
    pricer = Pricer(scenario)
    amounts1, item_removed, item_applied = pricer.item_step()
    own = [pricer.merchant_lines[m] for m in pricer.merchants]
    options = [pricer.merchant_options(m, amounts1, item_removed) for m in pricer.merchants]
    best = search_best(pricer, amounts1, item_removed, options, own)

    amounts = list(amounts1)
    removed = item_removed
    applied = list(item_applied)
    for k, o in enumerate(best.choice):
        opt = options[k][o]
        applied.extend(opt.applied(own[k], [amounts1[i] for i in own[k]]))
        for j, i in enumerate(own[k]):
            amounts[i] = opt.amounts[j]
        removed |= opt.removed
    amounts3 = list(amounts)
    _, platform_applied = pricer.platform(amounts, removed, best.promo, best.coupon)
    applied.extend(platform_applied)
    applied.sort(key=lambda a: (a.step, a.order))

    ids = [line.id for line in scenario.lines]
    subtotals = pricer.subtotal_amounts
    quote_lines = tuple([QuoteLine(ids[i], subtotals[i], subtotals[i] - amounts[i]) for i in range(len(ids))])
    subtotal = sum(subtotals)
    return Quote(
        subtotal=subtotal,
        discount=subtotal - sum(amounts),
        # every step records its shares in line order
        applied=tuple(
            [
                AppliedDiscount(a.id, a.step, a.amount, tuple([(ids[i], share) for i, share in a.shares]))
                for a in applied
            ]
        ),
        lines=quote_lines,
        next_threshold=_next_threshold(pricer, amounts1, amounts3),
    )
