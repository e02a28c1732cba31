"""Steps 1-5 of the stacking rules for one scenario: the fixed item step, each merchant's store options
and the platform steps applied to given line amounts. The search over choices is in ``search``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mallops.pricing.engine.model import Coupon, Layer, Promotion, Scenario
from mallops.pricing.engine.money import (
    apportion,
    coupon_discount,
    item_discount,
    order_discount,
    threshold_discount,
)


def is_active(offer: Promotion | Coupon, at: datetime | None, member: bool) -> bool:
    """Members-only offers need a member; windows (start inclusive, end exclusive) need ``at`` inside."""
    if offer.members_only and not member:
        return False
    if at is None:
        return True
    if offer.starts_at is not None and at < offer.starts_at:
        return False
    return not (offer.ends_at is not None and at >= offer.ends_at)


@dataclass(slots=True)
class Applied:
    """A discount of one candidate solution: ``order`` is its position in its scenario list."""

    order: int
    id: str
    step: int
    amount: int
    shares: tuple[tuple[int, int], ...]  # (line index, fen), only shares above 0


@dataclass(slots=True)
class Option:
    """One merchant's choice of store promotion and store coupon, and what it leaves behind.

    The discounts' shares are not kept (only the chosen option's are needed): ``applied`` rebuilds
    them from the amounts before and after each step.
    """

    discount: int
    amounts: tuple[int, ...]  # after step 3, aligned with the merchant's lines
    removed: int  # bit per scenario line taken out of platform coupon bases
    promo: tuple[int, str, int, tuple[int, ...]] | None  # (order, id, discount, amounts after step 2)
    coupon: tuple[int, str, int] | None  # (order, id, discount)

    def applied(self, own: list[int], start: list[int]) -> list[Applied]:
        """The option's step-2 and step-3 discounts; ``start`` holds the step-1 amounts of ``own``."""
        out = []
        after = start
        if self.promo is not None:
            k, pid, d, after_promo = self.promo
            after = list(after_promo)
            shares = tuple((i, s - a) for i, s, a in zip(own, start, after, strict=True) if s != a)
            out.append(Applied(k, pid, 2, d, shares))
        if self.coupon is not None:
            k, cid, d = self.coupon
            shares = tuple((i, a - f) for i, a, f in zip(own, after, self.amounts, strict=True) if a != f)
            out.append(Applied(k, cid, 3, d, shares))
        return out


@dataclass(slots=True)
class Scoped:
    """An active store/platform promotion or coupon and the lines it covers (scenario positions)."""

    order: int
    offer: Promotion | Coupon
    lines: tuple[int, ...]


class Pricer:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        lines = scenario.lines
        self.n = len(lines)
        self.subtotal_amounts = [line.amount for line in lines]
        self.sku_lines: dict[str, list[int]] = {}
        self.merchants: list[str] = []
        self.merchant_lines: dict[str, list[int]] = {}
        for i, line in enumerate(lines):
            self.sku_lines.setdefault(line.sku, []).append(i)
            if line.merchant not in self.merchant_lines:
                self.merchants.append(line.merchant)
                self.merchant_lines[line.merchant] = []
            self.merchant_lines[line.merchant].append(i)
        self.cart_skus = cart_skus = frozenset(self.sku_lines)
        cart_merchants = self.merchant_lines
        at, member = scenario.at, scenario.member
        # One pass sorts the active offers that can touch the cart by layer (store ones by merchant):
        # store offers of other merchants and item offers of SKUs not in the cart never apply.
        self.item_promotions: list[tuple[int, Promotion]] = []
        self.platform_promotions: list[tuple[int, Promotion]] = []
        self.store_promotions: dict[str, list[tuple[int, Promotion]]] = {}
        store, platform = Layer.STORE, Layer.PLATFORM
        for k, p in enumerate(scenario.promotions):
            layer = p.layer
            if layer is store:
                if p.merchant not in cart_merchants:
                    continue
            elif layer is not platform and (
                (p.merchant is not None and p.merchant not in cart_merchants)
                or (p.skus is not None and p.skus.isdisjoint(cart_skus))
            ):
                continue
            if (p.members_only and not member) or (
                at is not None
                and (
                    (p.starts_at is not None and at < p.starts_at)
                    or (p.ends_at is not None and at >= p.ends_at)
                )
            ):
                continue
            if layer is store:
                assert p.merchant is not None
                self.store_promotions.setdefault(p.merchant, []).append((k, p))
            elif layer is platform:
                self.platform_promotions.append((k, p))
            else:
                self.item_promotions.append((k, p))
        self.coupons = [(k, c) for k, c in enumerate(scenario.coupons) if is_active(c, at, member)]
        self.store_coupons: dict[str, list[tuple[int, Coupon]]] = {}
        for k, c in self.coupons:
            if c.layer is Layer.STORE and c.merchant is not None:
                self.store_coupons.setdefault(c.merchant, []).append((k, c))
        self._platform_scoped: tuple[list[Scoped], list[Scoped]] | None = None
        self._scopes: dict[frozenset[str] | None, tuple[int, ...]] = {}

    def scope(self, skus: frozenset[str] | None) -> tuple[int, ...]:
        """The scenario positions of the lines an offer without a merchant covers, in scenario order."""
        found = self._scopes.get(skus)
        if found is None:
            if skus is None:
                found = tuple(range(self.n))
            else:
                sku_lines = self.sku_lines
                found = tuple(sorted([i for sku in skus & self.cart_skus for i in sku_lines[sku]]))
            self._scopes[skus] = found  # offers sharing a scope share its tuple (and later sums)
        return found

    # step 1 ---------------------------------------------------------------------------------------

    def item_step(self) -> tuple[list[int], int, list[Applied]]:
        lines = self.scenario.lines
        by_sku: dict[str, list[tuple[int, Promotion]]] = {}
        unscoped: list[tuple[int, Promotion]] = []
        cart_skus = self.cart_skus
        for k, p in self.item_promotions:
            if p.skus is None:
                unscoped.append((k, p))
            else:
                # only the cart's SKUs matter (most promotions cover none of them)
                for sku in p.skus & cart_skus:
                    by_sku.setdefault(sku, []).append((k, p))
        amounts = list(self.subtotal_amounts)
        removed = 0
        shares: dict[int, list[tuple[int, int]]] = {}
        for i, line in enumerate(lines):
            best_k, best_d, best_p = -1, 0, None
            for k, p in (*by_sku.get(line.sku, ()), *unscoped):
                if p.merchant is not None and p.merchant != line.merchant:
                    continue
                d = item_discount(p, line, amounts[i])
                if d > best_d or (d == best_d and d > 0 and k < best_k):
                    best_k, best_d, best_p = k, d, p
            if best_p is None:
                continue
            amounts[i] -= best_d
            shares.setdefault(best_k, []).append((i, best_d))
            if not best_p.with_coupons:
                removed |= 1 << i
        applied = [
            Applied(k, self.scenario.promotions[k].id, 1, sum([d for _, d in s]), tuple(s))
            for k, s in sorted(shares.items())
        ]
        return amounts, removed, applied

    # steps 2 and 3 --------------------------------------------------------------------------------

    def merchant_options(self, merchant: str, amounts: list[int], item_removed: int) -> list[Option]:
        lines = self.scenario.lines
        own = self.merchant_lines[merchant]
        start = tuple([amounts[i] for i in own])
        own_removed = item_removed & sum([1 << i for i in own])
        # Offers often share a scope: each distinct SKU set is resolved and summed once.
        scopes: dict[frozenset[str] | None, tuple[list[int], int, int]] = {}

        def scoped(skus: frozenset[str] | None) -> tuple[list[int], int, int]:
            if skus not in scopes:
                scope = [j for j, i in enumerate(own) if skus is None or lines[i].sku in skus]
                base = sum([start[j] for j in scope])
                scopes[skus] = (scope, base, sum([lines[own[j]].qty for j in scope]))
            return scopes[skus]

        promos: list[tuple[int, Promotion, list[int]]] = []
        for k, p in self.store_promotions.get(merchant, ()):
            scope = scoped(p.skus)[0]
            if scope:
                promos.append((k, p, scope))
        coupons: list[tuple[int, Coupon, list[int]]] = []
        for k, c in self.store_coupons.get(merchant, ()):
            scope = scoped(c.skus)[0]
            if scope:
                coupons.append((k, c, scope))
        options: dict[tuple[tuple[int, ...], int], Option] = {}
        PromoChoice = tuple[list[int], int, tuple[int, str, int, tuple[int, ...]] | None]
        promo_choices: list[PromoChoice] = [(list(start), own_removed, None)]
        # The same discount on the same scope (and the same effect on coupons) gives the same amounts
        # as an earlier promotion; its results would all be duplicates, so it is not split again.
        split: set[tuple[int, frozenset[str] | None, bool]] = set()
        for k, p, scope in promos:
            _, base, qty = scoped(p.skus)
            d = order_discount(p, base, qty)
            if d == 0:
                continue
            promo_key = (d, p.skus, p.with_coupons)
            if promo_key in split:
                continue
            split.add(promo_key)
            removed = own_removed
            if len(scope) == len(own):  # the whole store
                parts = apportion(d, start)
                after = [a - share for a, share in zip(start, parts, strict=True)]
            else:
                parts = apportion(d, [start[j] for j in scope])
                after = list(start)
                for j, share in zip(scope, parts, strict=True):
                    after[j] -= share
            if not p.with_coupons:
                for j, share in zip(scope, parts, strict=True):
                    if share:
                        removed |= 1 << own[j]
            promo_choices.append((after, removed, (k, p.id, d, tuple(after))))
        start_sum = sum(start)
        n_own = len(own)
        eligible_of: dict[tuple[frozenset[str] | None, int], tuple[list[int], tuple[int, ...], bool]] = {}
        after_steps: set[tuple[tuple[int, ...], int]] = set()
        for after, removed, promo in promo_choices:
            key = (tuple(after), removed)
            if key in after_steps:
                # The same amounts and removed lines give the same coupon results, already kept.
                continue
            after_steps.add(key)
            if key not in options:
                options[key] = Option(start_sum - sum(after), key[0], removed, promo, None)
            seen: set[tuple[int, tuple[int, ...]]] = set()
            for k, c, scope in coupons:
                # the coupon's eligible lines depend only on its scope and the removed lines
                entry = eligible_of.get((c.skus, removed))
                if entry is None:
                    eligible = [j for j in scope if not removed >> own[j] & 1] if removed else scope
                    entry = (eligible, tuple(eligible), len(eligible) == n_own)
                    eligible_of[(c.skus, removed)] = entry
                eligible, eligible_key, full = entry
                base_amounts = after if full else [after[j] for j in eligible]
                d = coupon_discount(c, sum(base_amounts))
                if d == 0:
                    continue
                # A coupon giving the same discount on the same lines leaves the same amounts.
                same = (d, eligible_key)
                if same in seen:
                    continue
                seen.add(same)
                parts = apportion(d, base_amounts)
                if full:
                    final = tuple([a - share for a, share in zip(after, parts, strict=True)])
                else:
                    changed = list(after)
                    for j, share in zip(eligible, parts, strict=True):
                        changed[j] -= share
                    final = tuple(changed)
                key = (final, removed)
                if key not in options:
                    options[key] = Option(start_sum - sum(final), final, removed, promo, (k, c.id, d))
        return sorted(options.values(), key=lambda o: -o.discount)

    # steps 4 and 5 --------------------------------------------------------------------------------

    def platform(
        self, amounts: list[int], removed: int, promo: Scoped | None, coupon: Scoped | None
    ) -> tuple[int, list[Applied]]:
        """Apply a platform promotion and coupon to ``amounts`` in place; return their discount."""
        total = 0
        applied: list[Applied] = []
        if promo is not None:
            scope = promo.lines
            base_amounts = [amounts[i] for i in scope]
            assert isinstance(promo.offer, Promotion)
            d = threshold_discount(promo.offer, sum(base_amounts))
            if d:
                shares = []
                for i, share in zip(scope, apportion(d, base_amounts), strict=True):
                    if share:
                        amounts[i] -= share
                        shares.append((i, share))
                        if not promo.offer.with_coupons:
                            removed |= 1 << i
                applied.append(Applied(promo.order, promo.offer.id, 4, d, tuple(shares)))
                total += d
        if coupon is not None:
            assert isinstance(coupon.offer, Coupon)
            scope = tuple(i for i in coupon.lines if not removed >> i & 1)
            base_amounts = [amounts[i] for i in scope]
            d = coupon_discount(coupon.offer, sum(base_amounts))
            if d:
                shares = []
                for i, share in zip(scope, apportion(d, base_amounts), strict=True):
                    if share:
                        amounts[i] -= share
                        shares.append((i, share))
                applied.append(Applied(coupon.order, coupon.offer.id, 5, d, tuple(shares)))
                total += d
        return total, applied

    def platform_discount(
        self, amounts: list[int], removed: int, promo: Scoped | None, coupon: Scoped | None
    ) -> int:
        """What ``platform`` returns as its discount, without recording shares (may change ``amounts``)."""
        total = 0
        if promo is not None:
            scope = promo.lines
            base_amounts = [amounts[i] for i in scope]
            offer = promo.offer
            assert isinstance(offer, Promotion)
            d = threshold_discount(offer, sum(base_amounts))
            if d and coupon is not None:  # the coupon's base needs the promotion's shares
                with_coupons = offer.with_coupons
                for i, share in zip(scope, apportion(d, base_amounts), strict=True):
                    if share:
                        amounts[i] -= share
                        if not with_coupons:
                            removed |= 1 << i
            total += d
        if coupon is not None:
            assert isinstance(coupon.offer, Coupon)
            base = sum([amounts[i] for i in coupon.lines if not removed >> i & 1])
            total += coupon_discount(coupon.offer, base)
        return total


def platform_offers(pricer: Pricer) -> tuple[list[Scoped], list[Scoped]]:
    """The active platform promotions and coupons that cover a cart line, with their lines (cached)."""
    if pricer._platform_scoped is not None:
        return pricer._platform_scoped
    promos = []
    for k, p in pricer.platform_promotions:
        scope = pricer.scope(p.skus)
        if scope:
            promos.append(Scoped(k, p, scope))
    coupons = []
    for k, c in pricer.coupons:
        if c.layer is Layer.PLATFORM:
            scope = pricer.scope(c.skus)
            if scope:
                coupons.append(Scoped(k, c, scope))
    pricer._platform_scoped = (promos, coupons)
    return promos, coupons
