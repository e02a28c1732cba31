"""The quote: step 1 is fixed, steps 2-5 are searched exactly for the lowest total.

Search. Each merchant's store promotion and store coupon only touch that merchant's lines, so every
merchant gets a list of distinct *options* (resulting line amounts plus the lines a
``with_coupons: false`` promotion took out of later coupon bases), sorted by their store discount.
The merchants are coupled only through the platform promotion and coupon. For each such pair a
depth-first branch-and-bound walks the merchants' options; a node is cut when an upper bound of its
best total discount cannot beat the best complete solution found so far. The bounds are exact facts of
the contract: the platform promotion's discount is at most its largest value over the interval its base
can still reach, the platform coupon's discount is non-decreasing in its base and that base is at most
the sum of the remaining amounts in its scope, and (linear relaxations) a percent coupon gives at most
``percent/100`` of that base, a repeating threshold at most ``off/min`` of its base. Pairs are tried in
order of their root bound, so most are cut without being walked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from mallops.pricing.engine.model import (
    AppliedDiscount,
    Coupon,
    Kind,
    Layer,
    NextThreshold,
    Promotion,
    Quote,
    QuoteLine,
    Scenario,
)
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


@dataclass(frozen=True, slots=True)
class _Applied:
    """A discount of one candidate solution: ``order`` is its position in its scenario list."""

    order: int
    id: str
    step: int
    amount: int
    shares: tuple[tuple[int, int], ...]  # (line index, fen), only shares above 0


@dataclass(frozen=True, slots=True)
class _Option:
    """One merchant's choice of store promotion and store coupon, and what it leaves behind."""

    discount: int
    amounts: tuple[int, ...]  # after step 3, aligned with the merchant's lines
    removed: int  # bit per scenario line taken out of platform coupon bases
    applied: tuple[_Applied, ...]


@dataclass(frozen=True, slots=True)
class _Scoped:
    """An active store/platform promotion or coupon and the lines it covers (scenario positions)."""

    order: int
    offer: Promotion | Coupon
    lines: tuple[int, ...]


def _covers(offer: Promotion | Coupon, sku: str, merchant: str) -> bool:
    if offer.merchant is not None and offer.merchant != merchant:
        return False
    return offer.skus is None or sku in offer.skus


class _Pricer:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        lines = scenario.lines
        self.n = len(lines)
        self.subtotal_amounts = [line.amount for line in lines]
        at, member = scenario.at, scenario.member
        self.promotions = [(k, p) for k, p in enumerate(scenario.promotions) if is_active(p, at, member)]
        self.coupons = [(k, c) for k, c in enumerate(scenario.coupons) if is_active(c, at, member)]
        self.store_promotions: dict[str, list[tuple[int, Promotion]]] = {}
        for k, p in self.promotions:
            if p.layer is Layer.STORE and p.merchant is not None:
                self.store_promotions.setdefault(p.merchant, []).append((k, p))
        self.store_coupons: dict[str, list[tuple[int, Coupon]]] = {}
        for k, c in self.coupons:
            if c.layer is Layer.STORE and c.merchant is not None:
                self.store_coupons.setdefault(c.merchant, []).append((k, c))
        self.merchants: list[str] = []
        self.merchant_lines: dict[str, list[int]] = {}
        for i, line in enumerate(lines):
            if line.merchant not in self.merchant_lines:
                self.merchants.append(line.merchant)
                self.merchant_lines[line.merchant] = []
            self.merchant_lines[line.merchant].append(i)

    # step 1 ---------------------------------------------------------------------------------------

    def item_step(self) -> tuple[list[int], int, list[_Applied]]:
        lines = self.scenario.lines
        by_sku: dict[str, list[tuple[int, Promotion]]] = {}
        unscoped: list[tuple[int, Promotion]] = []
        for k, p in self.promotions:
            if p.layer is not Layer.ITEM:
                continue
            if p.skus is None:
                unscoped.append((k, p))
            else:
                for sku in p.skus:
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
            _Applied(k, self.scenario.promotions[k].id, 1, sum(d for _, d in s), tuple(s))
            for k, s in sorted(shares.items())
        ]
        return amounts, removed, applied

    # steps 2 and 3 --------------------------------------------------------------------------------

    def merchant_options(self, merchant: str, amounts: list[int], item_removed: int) -> list[_Option]:
        lines = self.scenario.lines
        own = self.merchant_lines[merchant]
        start = tuple(amounts[i] for i in own)
        own_removed = item_removed & sum(1 << i for i in own)
        promos: list[tuple[int, Promotion, list[int]]] = []
        for k, p in self.store_promotions.get(merchant, ()):
            scope = [j for j, i in enumerate(own) if p.skus is None or lines[i].sku in p.skus]
            if scope:
                promos.append((k, p, scope))
        coupons: list[tuple[int, Coupon, list[int]]] = []
        for k, c in self.store_coupons.get(merchant, ()):
            scope = [j for j, i in enumerate(own) if c.skus is None or lines[i].sku in c.skus]
            if scope:
                coupons.append((k, c, scope))
        options: dict[tuple[tuple[int, ...], int], _Option] = {}
        promo_choices: list[tuple[list[int], int, tuple[_Applied, ...]]] = [(list(start), own_removed, ())]
        for k, p, scope in promos:
            base = sum(start[j] for j in scope)
            qty = sum(lines[own[j]].qty for j in scope)
            d = order_discount(p, base, qty)
            if d == 0:
                continue
            after = list(start)
            removed = own_removed
            parts = apportion(d, [start[j] for j in scope])
            shares = []
            for j, share in zip(scope, parts, strict=True):
                if share:
                    after[j] -= share
                    shares.append((own[j], share))
                    if not p.with_coupons:
                        removed |= 1 << own[j]
            promo_choices.append((after, removed, (_Applied(k, p.id, 2, d, tuple(shares)),)))
        for after, removed, applied in promo_choices:
            key = (tuple(after), removed)
            if key not in options:
                options[key] = _Option(sum(start) - sum(after), key[0], removed, applied)
            for k, c, scope in coupons:
                eligible = [j for j in scope if not removed >> own[j] & 1] if removed else scope
                base_amounts = [after[j] for j in eligible]
                d = coupon_discount(c, sum(base_amounts))
                if d == 0:
                    continue
                final = list(after)
                parts = apportion(d, base_amounts)
                shares = []
                for j, share in zip(eligible, parts, strict=True):
                    if share:
                        final[j] -= share
                        shares.append((own[j], share))
                key = (tuple(final), removed)
                if key not in options:
                    step3 = _Applied(k, c.id, 3, d, tuple(shares))
                    options[key] = _Option(sum(start) - sum(final), key[0], removed, (*applied, step3))
        return sorted(options.values(), key=lambda o: -o.discount)

    # steps 4 and 5 --------------------------------------------------------------------------------

    def platform(
        self, amounts: list[int], removed: int, promo: _Scoped | None, coupon: _Scoped | None
    ) -> tuple[int, list[_Applied]]:
        """Apply a platform promotion and coupon to ``amounts`` in place; return their discount."""
        total = 0
        applied: list[_Applied] = []
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
                applied.append(_Applied(promo.order, promo.offer.id, 4, d, tuple(shares)))
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
                applied.append(_Applied(coupon.order, coupon.offer.id, 5, d, tuple(shares)))
                total += d
        return total, applied


def _platform_offers(pricer: _Pricer) -> tuple[list[_Scoped], list[_Scoped]]:
    lines = pricer.scenario.lines
    promos = []
    for k, p in pricer.promotions:
        if p.layer is Layer.PLATFORM:
            scope = tuple(i for i, ln in enumerate(lines) if p.skus is None or ln.sku in p.skus)
            if scope:
                promos.append(_Scoped(k, p, scope))
    coupons = []
    for k, c in pricer.coupons:
        if c.layer is Layer.PLATFORM:
            scope = tuple(i for i, ln in enumerate(lines) if c.skus is None or ln.sku in c.skus)
            if scope:
                coupons.append(_Scoped(k, c, scope))
    return promos, coupons


_Segments = tuple[tuple[int, int, int], ...]


def _segments(promo: Promotion) -> _Segments:
    """A non-repeating threshold's tiers as (first base, last base, off), by base; -1 means no end."""
    tiers = sorted(promo.tiers, key=lambda t: t.min)
    return tuple(
        (tier.min, tiers[j + 1].min - 1 if j + 1 < len(tiers) else -1, tier.off)
        for j, tier in enumerate(tiers)
    )


def _promo_range(promo: Promotion, segments: _Segments, low: int, high: int) -> tuple[int, int]:
    """The smallest and largest discount a platform threshold gives for a base in ``[low, high]``."""
    if promo.repeat:  # non-decreasing in the base
        return threshold_discount(promo, low), threshold_discount(promo, high)
    least = 0 if low < segments[0][0] else -1
    most = 0
    for first, last, off in segments:
        if first > high:
            break
        top = high if last < 0 or last > high else last
        bottom = low if low > first else first
        if bottom <= top:
            value = off if off < top else top
            if value > most:
                most = value
            value = off if off < bottom else bottom
            if least < 0 or value < least:
                least = value
    return (least if least > 0 else 0), most


def _sum_at(positions: tuple[int, ...]) -> Callable[[tuple[int, ...]], int]:
    """A fast ``sum`` of the values at ``positions`` of a tuple."""
    if not positions:
        return lambda values: 0
    if len(positions) == 1:
        only = positions[0]
        return lambda values: values[only]
    pick = itemgetter(*positions)
    return lambda values: sum(pick(values))


class _PairSearch:
    """Upper bounds of the total discount of steps 2-5 for one platform promotion and coupon pair.

    Per merchant ``k`` and option ``o``: ``x`` is what the option puts in the platform promotion's base,
    ``y`` in the platform coupon's base before step 4, ``v = y + w`` where ``w`` is what it puts in the
    promotion's base but not the coupon's. The coupon's real base is at most ``y`` and at most
    ``v - promotion discount`` (the promotion's shares on lines outside the coupon base are at most
    ``w``). Several relaxations are combined and the smallest is the bound; linear ones are scaled to
    integers and floored, which is safe because totals are integers.
    """

    def __init__(
        self,
        options: list[list[_Option]],
        x: list[list[int]],
        y: list[list[int]],
        v: list[list[int]],
        promo: Promotion | None,
        coupon: Coupon | None,
        y_out: list[list[int]] | None = None,
        shared_lines: int = 0,
        promo_lines: int = 0,
    ) -> None:
        self.x, self.y = x, y
        self.promo, self.coupon = promo, coupon
        self.segments = _segments(promo) if promo is not None and not promo.repeat else ()
        self.coupon_min = coupon.min if coupon is not None else 0
        # The promotion's shares inside the coupon base ("kept" amounts) are at least
        # discount * kept / base, less one fen per line: a cut the coupon base cannot escape.
        self.promo_lines = promo_lines
        m_ = len(options)
        self.suf_kept = [0] * (m_ + 1)
        if promo is not None and coupon is not None:
            for k in range(m_ - 1, -1, -1):
                self.suf_kept[k] = self.suf_kept[k + 1] + min(
                    xx + yy - vv for xx, yy, vv in zip(x[k], y[k], v[k], strict=True)
                )
        m = len(options)
        self.rate = coupon.percent if coupon is not None and coupon.percent is not None else 0
        repeat = promo is not None and promo.repeat
        self.step_off = promo.tiers[0].off if promo is not None and repeat else 0
        self.step_min = promo.tiers[0].min if promo is not None and repeat else 1
        # Suffix sums over merchants k..m-1 of per-merchant extremes.
        cols: list[list[int]] = [[0] * (m + 1) for _ in range(8)]
        rate, step_off, step_min = self.rate, self.step_off, self.step_min
        for k in range(m - 1, -1, -1):
            opts, xs, ys, vs = options[k], x[k], y[k], v[k]
            ds = [o.discount for o in opts]
            row = (
                ds[0],
                min(xs),
                max(xs),
                max(ys),
                max(vs),
                max(100 * d + rate * yy for d, yy in zip(ds, ys, strict=True)) if rate else 0,
                max(100 * d + rate * vv for d, vv in zip(ds, vs, strict=True)) if rate else 0,
                max(step_min * d + step_off * xx for d, xx in zip(ds, xs, strict=True)) if step_off else 0,
            )
            for col, value in zip(cols, row, strict=True):
                col[k] = col[k + 1] + value
        (
            self.suf_d,
            self.suf_xlo,
            self.suf_xhi,
            self.suf_yhi,
            self.suf_vhi,
            self.suf_dy,
            self.suf_dv,
            self.suf_dx,
        ) = cols
        # A promotion with "with_coupons": false that gives something takes every line it discounts out
        # of the coupon base; a line of its scope it leaves undiscounted is smaller than base/discount.
        self.y_out = y_out
        self.shared_lines = shared_lines
        self.suf_yo = [0] * (m + 1)
        self.suf_dyo = [0] * (m + 1)
        if y_out is not None:
            for k in range(m - 1, -1, -1):
                self.suf_yo[k] = self.suf_yo[k + 1] + max(y_out[k])
                self.suf_dyo[k] = self.suf_dyo[k + 1] + max(
                    100 * o.discount + rate * yy for o, yy in zip(options[k], y_out[k], strict=True)
                )
        # Lagrangian-style columns: a tier or coupon minimum that needs ``n`` more base from the remaining
        # merchants leaves them at most sum(max(d + base)) - n of store discount.
        self.suf_dpx = [0] * (m + 1)
        self.suf_dpy = [0] * (m + 1)
        self.suf_dpyo = [0] * (m + 1)
        for k in range(m - 1, -1, -1):
            opts = options[k]
            self.suf_dpx[k] = self.suf_dpx[k + 1] + max(
                o.discount + xx for o, xx in zip(opts, x[k], strict=True)
            )
            self.suf_dpy[k] = self.suf_dpy[k + 1] + max(
                o.discount + yy for o, yy in zip(opts, y[k], strict=True)
            )
            if y_out is not None:
                self.suf_dpyo[k] = self.suf_dpyo[k + 1] + max(
                    o.discount + yy for o, yy in zip(opts, y_out[k], strict=True)
                )
        self.suf_dxv = [0] * (m + 1)
        if rate and step_off:
            for k in range(m - 1, -1, -1):
                self.suf_dxv[k] = self.suf_dxv[k + 1] + max(
                    100 * step_min * o.discount + rate * step_min * vv + (100 - rate) * step_off * xx
                    for o, xx, vv in zip(options[k], x[k], v[k], strict=True)
                )

    def bound(self, k: int, done_d: int, done_x: int, done_y: int, done_v: int, done_yo: int = 0) -> int:
        """An upper bound of the total discount of steps 2-5 below a node at merchant ``k``."""
        promo_lo = promo_hi = 0
        if self.promo is not None:
            promo_lo, promo_hi = _promo_range(
                self.promo, self.segments, done_x + self.suf_xlo[k], done_x + self.suf_xhi[k]
            )
        coupon_hi = 0
        rate = self.rate
        blocked = self.y_out is not None and promo_lo > 0
        slack = cut = 0
        if self.coupon is not None:
            base_hi = min(done_y + self.suf_yhi[k], done_v + self.suf_vhi[k] - promo_lo)
            if blocked:
                slack = self.shared_lines * ((done_x + self.suf_xhi[k]) // promo_lo + 1)
                base_hi = min(base_hi, done_yo + self.suf_yo[k] + slack)
            if promo_lo:
                x_hi = done_x + self.suf_xhi[k]
                cut = promo_lo * (done_x + done_y - done_v + self.suf_kept[k]) // x_hi - self.promo_lines
                if cut > 0:
                    base_hi = min(base_hi, done_y + self.suf_yhi[k] - cut)
            coupon_hi = coupon_discount(self.coupon, base_hi) if base_hi > 0 else 0
        if self.segments or (coupon_hi and self.coupon_min):
            best = self._cases(k, done_x, done_y, done_yo, promo_hi, coupon_hi, blocked, slack)
        else:
            best = self.suf_d[k] + promo_hi + coupon_hi
        if rate:
            best = min(
                best,
                promo_hi + (self.suf_dy[k] + rate * done_y) // 100,
                (self.suf_dv[k] + rate * done_v + (100 - rate) * promo_hi) // 100,
            )
            if blocked:
                best = min(best, promo_hi + (self.suf_dyo[k] + rate * (done_yo + slack)) // 100)
            if cut > 0:
                best = min(best, promo_hi + (self.suf_dy[k] + rate * (done_y - cut)) // 100)
        if self.step_off:
            step_off, step_min = self.step_off, self.step_min
            best = min(best, coupon_hi + (self.suf_dx[k] + step_off * done_x) // step_min)
            if rate:
                best = min(
                    best,
                    (self.suf_dxv[k] + rate * step_min * done_v + (100 - rate) * step_off * done_x)
                    // (100 * step_min),
                )
        return done_d + best

    def _cases(
        self,
        k: int,
        done_x: int,
        done_y: int,
        done_yo: int,
        promo_hi: int,
        coupon_hi: int,
        blocked: bool,
        slack: int,
    ) -> int:
        """Bound by cases: which promotion tier is reached and whether the coupon's minimum is."""
        suf_d = self.suf_d[k]
        promo_cases: list[tuple[int, int]]
        if self.promo is None or not self.segments:
            promo_cases = [(promo_hi, 0)]
        else:
            low, high = done_x + self.suf_xlo[k], done_x + self.suf_xhi[k]
            promo_cases = [(0, 0)] if low < self.segments[0][0] else []
            for first, last, off in self.segments:
                if first > high:
                    break
                if last < 0 or last >= low:
                    top = high if last < 0 or last > high else last
                    promo_cases.append((off if off < top else top, first - done_x))
        coupon_cases = [(0, 0, 0)]
        if coupon_hi and self.coupon is not None:
            need = self.coupon.min
            coupon_cases.append((coupon_hi, need - done_y, need - slack - done_yo if blocked else 0))
        best = 0
        dpx, dpy, dpyo = self.suf_dpx[k], self.suf_dpy[k], self.suf_dpyo[k]
        for promo_value, need_x in promo_cases:
            rest_p = suf_d if need_x <= 0 else min(suf_d, dpx - need_x)
            for coupon_value, need_y, need_yo in coupon_cases:
                rest = rest_p
                if need_y > 0 and dpy - need_y < rest:
                    rest = dpy - need_y
                if need_yo > 0 and dpyo - need_yo < rest:
                    rest = dpyo - need_yo
                total = rest + promo_value + coupon_value
                if total > best:
                    best = total
        return best


@dataclass(slots=True)
class _Best:
    discount: int
    choice: tuple[int, ...]
    promo: _Scoped | None
    coupon: _Scoped | None


class _Walker:
    """Depth-first walk over the merchants' options for one platform pair, improving ``best``."""

    def __init__(
        self,
        pricer: _Pricer,
        amounts1: list[int],
        item_removed: int,
        options: list[list[_Option]],
        own: list[list[int]],
        best: _Best,
    ) -> None:
        self.pricer, self.item_removed, self.options, self.own, self.best = (
            pricer,
            item_removed,
            options,
            own,
            best,
        )
        self.scratch = list(amounts1)
        self.choice = [0] * len(options)
        self.search: _PairSearch | None = None
        self.v: list[list[int]] = []
        self.y_out: list[list[int]] = []
        self.promo: _Scoped | None = None
        self.coupon: _Scoped | None = None

    def run(
        self, search: _PairSearch, v: list[list[int]], promo: _Scoped | None, coupon: _Scoped | None
    ) -> None:
        self.search, self.v, self.promo, self.coupon = search, v, promo, coupon
        self.y_out = search.y_out if search.y_out is not None else search.y
        self._walk(0, 0, 0, 0, 0, 0)

    def _walk(self, k: int, done_d: int, done_x: int, done_y: int, done_v: int, done_yo: int) -> None:
        if k == len(self.options):
            self.leaf(done_d)
            return
        search = self.search
        assert search is not None
        opts, xr, yr, vr, yor = self.options[k], search.x[k], search.y[k], self.v[k], self.y_out[k]
        last = k + 1 == len(self.options)
        children: list[tuple[int, int, int, int, int, int, int]] = []
        for o in range(len(opts)):
            d, xv, yv = done_d + opts[o].discount, done_x + xr[o], done_y + yr[o]
            vv, yo = done_v + vr[o], done_yo + yor[o]
            if last:
                extra = self._exact_from_sums(xv, yv, vv)
                if extra is not None:
                    if d + extra > self.best.discount:
                        self.choice[k] = o
                        self._record(d + extra)
                    continue
            bound = search.bound(k + 1, d, xv, yv, vv, yo)
            if bound > self.best.discount:
                children.append((bound, o, d, xv, yv, vv, yo))
        # Most promising child first: good solutions early make the later cuts sharper.
        children.sort(key=lambda child: -child[0])
        for bound, o, d, xv, yv, vv, yo in children:
            if bound <= self.best.discount:
                break
            self.choice[k] = o
            self._walk(k + 1, d, xv, yv, vv, yo)

    def _exact_from_sums(self, x: int, y: int, v: int) -> int | None:
        """Steps 4-5 from the sums alone, when the platform promotion's shares inside the coupon base
        are all of its discount or none of it; None when the shares must be computed line by line."""
        search = self.search
        assert search is not None
        promo, coupon = search.promo, search.coupon
        promo_off = threshold_discount(promo, x) if promo is not None else 0
        if coupon is None:
            return promo_off
        if promo is None or promo_off == 0:
            base = y
        else:
            outside = v - y  # promotion amounts outside the coupon base
            if outside == x:  # nothing of the promotion's base is in the coupon base
                base = y
            elif outside == 0 and promo.with_coupons:
                base = y - promo_off
            else:
                return None
        return promo_off + coupon_discount(coupon, base)

    def _record(self, discount: int) -> None:
        best = self.best
        best.discount = discount
        best.choice = tuple(self.choice)
        best.promo, best.coupon = self.promo, self.coupon

    def leaf(self, done_d: int) -> None:
        scratch, removed = self.scratch, self.item_removed
        for k, o in enumerate(self.choice):
            opt = self.options[k][o]
            for j, i in enumerate(self.own[k]):
                scratch[i] = opt.amounts[j]
            removed |= opt.removed
        extra, _ = self.pricer.platform(scratch, removed, self.promo, self.coupon)
        if done_d + extra > self.best.discount:
            self._record(done_d + extra)


class _Columns:
    """Per merchant and option, the sums the bounds need; computed once per platform offer or pair."""

    def __init__(self, options: list[list[_Option]], own: list[list[int]]) -> None:
        self.options, self.own = options, own
        self.zeros = [[0] * len(o) for o in options]
        self._promo: dict[int, list[list[int]]] = {}
        self._coupon: dict[int, list[list[int]]] = {}
        self._outside: dict[tuple[int, int], list[list[int]]] = {}

    def _rows(self, lines: frozenset[int], removed_count: bool) -> list[list[int]]:
        out = []
        for k, opts in enumerate(self.options):
            own = self.own[k]
            positions = tuple(j for j, i in enumerate(own) if i in lines)
            total = _sum_at(positions)
            mask = sum(1 << own[j] for j in positions)
            row = []
            for opt in opts:
                if removed_count and opt.removed & mask:
                    row.append(sum(opt.amounts[j] for j in positions if not opt.removed >> own[j] & 1))
                else:
                    row.append(total(opt.amounts))
            out.append(row)
        return out

    def promo(self, scoped: _Scoped | None) -> list[list[int]]:
        if scoped is None:
            return self.zeros
        if scoped.order not in self._promo:
            self._promo[scoped.order] = self._rows(frozenset(scoped.lines), False)
        return self._promo[scoped.order]

    def coupon(self, scoped: _Scoped | None) -> list[list[int]]:
        if scoped is None:
            return self.zeros
        if scoped.order not in self._coupon:
            self._coupon[scoped.order] = self._rows(frozenset(scoped.lines), True)
        return self._coupon[scoped.order]

    def coupon_outside(self, promo: _Scoped, coupon: _Scoped) -> list[list[int]]:
        """The coupon's base restricted to lines outside the promotion's scope."""
        key = (-1 - promo.order, coupon.order)
        if key not in self._outside:
            self._outside[key] = self._rows(frozenset(coupon.lines) - frozenset(promo.lines), True)
        return self._outside[key]

    def with_outside(self, promo: _Scoped | None, coupon: _Scoped | None) -> list[list[int]]:
        """``y + w``: the coupon's base plus the promotion's lines outside it (removed ones included)."""
        y = self.coupon(coupon)
        if promo is None or coupon is None:
            return y
        key = (promo.order, coupon.order)
        if key not in self._outside:
            x = self.promo(promo)
            promo_lines, coupon_lines = frozenset(promo.lines), frozenset(coupon.lines)
            both_kept = y if coupon_lines <= promo_lines else self._rows(promo_lines & coupon_lines, True)
            # w = x - (promotion lines that stay in the coupon base)
            self._outside[key] = [
                [yy + xx - kept for yy, xx, kept in zip(yr, xr, kr, strict=True)]
                for yr, xr, kr in zip(y, x, both_kept, strict=True)
            ]
        return self._outside[key]


def _pricing_key(scoped: _Scoped | None) -> object:
    """Equal keys price identically: the same rule on the same lines (ids and windows aside)."""
    if scoped is None:
        return None
    offer = scoped.offer
    if isinstance(offer, Promotion):
        return ("p", offer.tiers, offer.repeat, offer.cap, offer.with_coupons, scoped.lines)
    return ("c", offer.min, offer.off, offer.percent, offer.max_off, scoped.lines)


def _search(
    pricer: _Pricer,
    amounts1: list[int],
    item_removed: int,
    options: list[list[_Option]],
    own: list[list[int]],
) -> _Best:
    promos, coupons = _platform_offers(pricer)
    m = len(options)
    greedy = sum(o[0].discount for o in options)
    best = _Best(greedy, (0,) * m, None, None)
    if not promos and not coupons:
        return best

    # Cheap root bounds from step-1 amounts: a pair whose bound cannot beat the best is never walked.
    most_store = sum(o[0].discount for o in options)
    pairs: list[tuple[int, int, _Scoped | None, _Scoped | None]] = []
    coupon_highs: list[tuple[_Scoped | None, int]] = [(None, 0)]
    for held in coupons:
        assert isinstance(held.offer, Coupon)
        base = sum(amounts1[i] for i in held.lines if not item_removed >> i & 1)
        coupon_highs.append((held, coupon_discount(held.offer, base)))
    for ps in (None, *promos):
        promo_hi = 0
        if ps is not None:
            assert isinstance(ps.offer, Promotion)
            high = sum(amounts1[i] for i in ps.lines)
            promo_hi = _promo_range(ps.offer, _segments(ps.offer), max(0, high - most_store), high)[1]
        for cs, coupon_hi in coupon_highs:
            if ps is None and cs is None:
                continue
            if promo_hi + coupon_hi == 0:
                continue
            pairs.append((greedy + promo_hi + coupon_hi, len(pairs), ps, cs))
    pairs.sort(key=lambda t: (-t[0], t[1]))

    columns = _Columns(options, own)
    walker = _Walker(pricer, amounts1, item_removed, options, own, best)
    # A buyer often holds several identical coupons and a platform runs look-alike promotions: a pair
    # that prices exactly like one already taken cannot do better.
    distinct: list[tuple[int, _Scoped | None, _Scoped | None]] = []
    seen: set[tuple[object, object]] = set()
    for root_bound, _, ps, cs in pairs:
        key = (_pricing_key(ps), _pricing_key(cs))
        if key not in seen:
            seen.add(key)
            distinct.append((root_bound, ps, cs))
    # First a cheap incumbent: every merchant's largest store discount under each promising pair.
    for root_bound, ps, cs in distinct[:3]:
        if root_bound <= best.discount:
            break
        walker.promo, walker.coupon = ps, cs
        walker.choice = [0] * m
        walker.leaf(greedy)
    walker.choice = [0] * m
    for root_bound, ps, cs in distinct:
        if root_bound <= best.discount:
            break
        promo = ps.offer if ps is not None else None
        coupon = cs.offer if cs is not None else None
        assert promo is None or isinstance(promo, Promotion)
        assert coupon is None or isinstance(coupon, Coupon)
        v = columns.with_outside(ps, cs)
        y_out = None
        shared = 0
        if ps is not None and cs is not None and promo is not None and not promo.with_coupons:
            y_out = columns.coupon_outside(ps, cs)
            shared = len(frozenset(ps.lines) & frozenset(cs.lines))
        search = _PairSearch(
            options,
            columns.promo(ps),
            columns.coupon(cs),
            v,
            promo,
            coupon,
            y_out,
            shared,
            len(ps.lines) if ps is not None else 0,
        )
        if search.bound(0, 0, 0, 0, 0) <= best.discount:
            continue
        walker.run(search, v, ps, cs)
    return best


def _next_threshold(pricer: _Pricer, amounts1: list[int], amounts3: list[int]) -> NextThreshold | None:
    """The nearest further tier among the active thresholds that cover a cart line.

    ``needed`` is measured on the promotion's own base in the chosen solution (store: after step 1,
    platform: after step 3); the hint names the smallest ``needed`` whose tier gives more than the
    promotion gives now (``off`` is the promotion's whole discount at that tier). Ties: by step, then
    as listed.
    """
    lines = pricer.scenario.lines
    best: tuple[int, int, int, NextThreshold] | None = None
    for k, p in pricer.promotions:
        if p.kind is not Kind.THRESHOLD:
            continue
        if p.layer is Layer.PLATFORM:
            candidates: Iterable[int] = range(len(lines))
        else:
            candidates = pricer.merchant_lines.get(p.merchant or "", ())
        scope = [i for i in candidates if p.skus is None or lines[i].sku in p.skus]
        if not scope:
            continue
        source = amounts1 if p.layer is Layer.STORE else amounts3
        base = sum(source[i] for i in scope)
        now = threshold_discount(p, base)
        target: tuple[int, int] | None = None
        if p.repeat:
            tier = p.tiers[0]
            reach = (base // tier.min + 1) * tier.min
            off = threshold_discount(p, reach)
            if off > now:
                target = (reach, off)
        else:
            for tier in sorted(p.tiers, key=lambda t: t.min):
                if tier.min > base and tier.off > now:
                    target = (tier.min, tier.off)
                    break
        if target is None:
            continue
        step = 2 if p.layer is Layer.STORE else 4
        candidate = (target[0] - base, step, k, NextThreshold(p.id, target[0] - base, target[1]))
        if best is None or candidate[:3] < best[:3]:
            best = candidate
    return best[3] if best is not None else None


def quote(scenario: Scenario) -> Quote:
    """Price the cart: the best combination of steps 2-5, every discount apportioned to lines."""
    pricer = _Pricer(scenario)
    amounts1, item_removed, item_applied = pricer.item_step()
    own = [pricer.merchant_lines[m] for m in pricer.merchants]
    options = [pricer.merchant_options(m, amounts1, item_removed) for m in pricer.merchants]
    best = _search(pricer, amounts1, item_removed, options, own)

    amounts = list(amounts1)
    removed = item_removed
    applied = list(item_applied)
    for k, o in enumerate(best.choice):
        opt = options[k][o]
        for j, i in enumerate(own[k]):
            amounts[i] = opt.amounts[j]
        removed |= opt.removed
        applied.extend(opt.applied)
    amounts3 = list(amounts)
    _, platform_applied = pricer.platform(amounts, removed, best.promo, best.coupon)
    applied.extend(platform_applied)
    applied.sort(key=lambda a: (a.step, a.order))

    lines = scenario.lines
    quote_lines = tuple(
        QuoteLine(line.id, pricer.subtotal_amounts[i], pricer.subtotal_amounts[i] - amounts[i])
        for i, line in enumerate(lines)
    )
    subtotal = sum(pricer.subtotal_amounts)
    return Quote(
        subtotal=subtotal,
        discount=subtotal - sum(amounts),
        applied=tuple(
            AppliedDiscount(
                a.id, a.step, a.amount, tuple((lines[i].id, share) for i, share in sorted(a.shares))
            )
            for a in applied
        ),
        lines=quote_lines,
        next_threshold=_next_threshold(pricer, amounts1, amounts3),
    )
