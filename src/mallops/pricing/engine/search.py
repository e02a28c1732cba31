"""The exact search for the best combination of steps 2-5.

Each merchant's store promotion and store coupon only touch that merchant's lines, so every merchant
gets a list of distinct *options* (resulting line amounts plus the lines a ``with_coupons: false``
promotion took out of later coupon bases), sorted by their store discount. The merchants are coupled
only through the platform promotion and coupon. For each distinct pair of those (pairs that price
identically are searched once), a depth-first branch-and-bound walks the merchants' options, most
promising child first; a node is cut when an upper bound of its total discount cannot beat the best
complete solution found so far. Every bound is a fact of the contract, never a heuristic:

- the platform promotion gives at most its largest value over the interval its base can still reach;
- the platform coupon is non-decreasing in its base, which is at most the remaining amounts in its
  scope, less the promotion's discount beyond what it can put on lines outside the coupon base, less
  the promotion's proportional shares on the lines inside it;
- reaching a tier or a coupon minimum needs base from the remaining merchants, which costs them store
  discount (a Lagrangian bound with multiplier 1);
- linear relaxations: a percent coupon gives at most ``percent/100`` of its base, a repeating
  threshold at most ``off/min`` of its base.

Integer arithmetic throughout; floors only loosen a bound. The last merchant's options are priced from
sums alone when the promotion's shares inside the coupon base are all of its discount or none of it;
otherwise a leaf re-runs steps 4-5 line by line. Exactness is proven against a brute-force oracle in
``tests/pricing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import add

from mallops.pricing.engine.model import Coupon, Promotion
from mallops.pricing.engine.money import coupon_discount, threshold_discount
from mallops.pricing.engine.search_support import (
    _RATE_WEIGHTS,
    _Columns,
    _promo_range,
    _segments,
)
from mallops.pricing.engine.steps import Option, Pricer, Scoped, platform_offers


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
        options: list[list[int]],  # store discount of each merchant's options
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
                    [xx + yy - vv for xx, yy, vv in zip(x[k], y[k], v[k], strict=True)]
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
            xs, ys, vs = x[k], y[k], v[k]
            ds = options[k]
            row = (
                ds[0],
                min(xs),
                max(xs),
                max(ys),
                max(vs),
                max([100 * d + rate * yy for d, yy in zip(ds, ys, strict=True)]) if rate else 0,
                max([100 * d + rate * vv for d, vv in zip(ds, vs, strict=True)]) if rate else 0,
                max([step_min * d + step_off * xx for d, xx in zip(ds, xs, strict=True)]) if step_off else 0,
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
                    [100 * d + rate * yy for d, yy in zip(options[k], y_out[k], strict=True)]
                )
        # Lagrangian-style columns: a tier or coupon minimum that needs ``n`` more base from the remaining
        # merchants leaves them at most sum(max(d + base)) - n of store discount.
        self.suf_dpx = [0] * (m + 1)
        self.suf_rate_steep: list[tuple[int, list[int]]] = []
        self.suf_ratev_steep: list[tuple[int, list[int]]] = []
        self._v = v
        self.suf_dpy = [0] * (m + 1)
        self.suf_dpyo = [0] * (m + 1)
        # Only read when a tier needs base (``dpx``) or the coupon has a minimum (``dpy``, ``dpyo``).
        needs_x, needs_y = bool(self.segments), self.coupon_min > 0
        for k in range(m - 1, -1, -1):
            opts = options[k]
            if needs_x:
                self.suf_dpx[k] = self.suf_dpx[k + 1] + max(
                    [d + xx for d, xx in zip(opts, x[k], strict=True)]
                )
            if needs_y:
                self.suf_dpy[k] = self.suf_dpy[k + 1] + max(
                    [d + yy for d, yy in zip(opts, y[k], strict=True)]
                )
            if needs_y and y_out is not None:
                self.suf_dpyo[k] = self.suf_dpyo[k + 1] + max(
                    [d + yy for d, yy in zip(opts, y_out[k], strict=True)]
                )
        self.suf_dxv = [0] * (m + 1)
        if rate and step_off:
            for k in range(m - 1, -1, -1):
                self.suf_dxv[k] = self.suf_dxv[k + 1] + max(
                    [
                        100 * step_min * d + rate * step_min * vv + (100 - rate) * step_off * xx
                        for d, xx, vv in zip(options[k], x[k], v[k], strict=True)
                    ]
                )

    def platform_top_at(self, k: int, done_x: int, done_y: int) -> int:
        """The most steps 4-5 can give below a node at merchant ``k`` (bases within their reach)."""
        top = 0
        if self.promo is not None:
            top = _promo_range(self.promo, self.segments, done_x + self.suf_xlo[k], done_x + self.suf_xhi[k])[
                1
            ]
        if self.coupon is not None:
            top += coupon_discount(self.coupon, done_y + self.suf_yhi[k])
        return top

    def sharpen(self, options: list[list[int]]) -> None:
        """Add the per-tier percent-coupon bounds (built only for pairs the cheaper bound cannot cut)."""
        m, x, y, v, rate = len(options), self.x, self.y, self._v, self.rate
        if not self.segments or not rate or self.suf_rate_steep:
            return
        # A percent coupon gives at most rate% of its base ``y``: per tier, store discount, coupon and
        # the base needed for the tier are traded together (scaled by 100). The coupon base is also at
        # most ``v`` less the promotion's discount, which is at most the tier's value:
        # 100 * total <= (100 - rate) * tier value + sum(100 d + rate v + 100 weight x).
        columns_y = [[0] * (m + 1) for _ in _RATE_WEIGHTS]
        columns_v = [[0] * (m + 1) for _ in _RATE_WEIGHTS]
        for k in range(m - 1, -1, -1):
            with_y = [100 * d + rate * yy for d, yy in zip(options[k], y[k], strict=True)]
            with_v = [100 * d + rate * vv for d, vv in zip(options[k], v[k], strict=True)]
            for column_y, column_v, weight in zip(columns_y, columns_v, _RATE_WEIGHTS, strict=True):
                scaled = [100 * weight * xx for xx in x[k]]
                column_y[k] = column_y[k + 1] + max(map(add, with_y, scaled))
                column_v[k] = column_v[k + 1] + max(map(add, with_v, scaled))
        self.suf_rate_steep = list(zip(_RATE_WEIGHTS, columns_y, strict=True))
        self.suf_ratev_steep = list(zip(_RATE_WEIGHTS, columns_v, strict=True))

    def bound(
        self,
        k: int,
        done_d: int,
        done_x: int,
        done_y: int,
        done_v: int,
        done_yo: int = 0,
        floor: int | None = None,
    ) -> int:
        """An upper bound of the total discount of steps 2-5 below a node at merchant ``k``.

        With ``floor``, a node whose cheap relaxations already give at most ``floor`` returns that
        (still an upper bound, so the caller cuts it) without the per-case bound; any node above
        ``floor`` gets the full bound.
        """
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
        # never below the per-case bound, which cannot exceed it
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
        if (self.segments or (coupon_hi and self.coupon_min)) and (floor is None or done_d + best > floor):
            cases = self._cases(k, done_x, done_y, done_v, done_yo, promo_hi, coupon_hi, blocked, slack)
            if cases < best:
                best = cases
        return done_d + best

    def _cases(
        self,
        k: int,
        done_x: int,
        done_y: int,
        done_v: int,
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
        rate_y = self.rate * done_y
        rate_v = self.rate * done_v
        dpx, dpy, dpyo = self.suf_dpx[k], self.suf_dpy[k], self.suf_dpyo[k]
        for promo_value, need_x in reversed(promo_cases):  # larger tiers first: more cases skip
            rest_p = suf_d
            if need_x > 0:
                rest_p = min(suf_d, dpx - need_x)
            case_best = 0
            for coupon_value, need_y, need_yo in coupon_cases:
                rest = rest_p
                if need_y > 0 and dpy - need_y < rest:
                    rest = dpy - need_y
                if need_yo > 0 and dpyo - need_yo < rest:
                    rest = dpyo - need_yo
                total = rest + promo_value + coupon_value
                if total > case_best:
                    case_best = total
            if case_best > best and self.suf_rate_steep:  # only a case that could raise ``best``
                need = need_x if need_x > 0 else 0
                for weight, column in self.suf_rate_steep:
                    value = promo_value + (column[k] + rate_y - 100 * weight * need) // 100
                    if value < case_best:
                        case_best = value
                promo_part = (100 - self.rate) * promo_value + rate_v
                for weight, column in self.suf_ratev_steep:
                    value = (column[k] + promo_part - 100 * weight * need) // 100
                    if value < case_best:
                        case_best = value
            if case_best > best:
                best = case_best
        return best


@dataclass(slots=True)
class Best:
    discount: int
    choice: tuple[int, ...]
    promo: Scoped | None
    coupon: Scoped | None


class _Walker:
    """Depth-first walk over the merchants' options for one platform pair, improving ``best``."""

    def __init__(
        self,
        pricer: Pricer,
        amounts1: list[int],
        item_removed: int,
        options: list[list[Option]],
        own: list[list[int]],
        best: Best,
    ) -> None:
        self.pricer, self.item_removed, self.options, self.own, self.best = (
            pricer,
            item_removed,
            options,
            own,
            best,
        )
        # where each scenario line sits: (merchant, position among its lines)
        layout = [(0, 0)] * len(amounts1)
        for k, lines in enumerate(own):
            for j, i in enumerate(lines):
                layout[i] = (k, j)
        self.layout = layout
        self.choice = [0] * len(options)
        self.search: _PairSearch | None = None
        self.v: list[list[int]] = []
        self.y_out: list[list[int]] = []
        self.promo: Scoped | None = None
        self.coupon: Scoped | None = None

    def run(
        self, search: _PairSearch, v: list[list[int]], promo: Scoped | None, coupon: Scoped | None
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
        # Options come by falling store discount: once even the most the platform steps can give on
        # top cannot beat the best, no later option can either.
        enough = self.best.discount - search.suf_d[k + 1] - search.platform_top_at(k, done_x, done_y) - done_d
        for o in range(len(opts)):
            if opts[o].discount <= enough:
                break
            d, xv, yv = done_d + opts[o].discount, done_x + xr[o], done_y + yr[o]
            vv, yo = done_v + vr[o], done_yo + yor[o]
            if last:
                extra = self._exact_from_sums(xv, yv, vv)
                if extra is not None:
                    if d + extra > self.best.discount:
                        self.choice[k] = o
                        self._record(d + extra)
                    continue
            bound = search.bound(k + 1, d, xv, yv, vv, yo, self.best.discount)
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
        removed = self.item_removed
        chosen = [self.options[k][o] for k, o in enumerate(self.choice)]
        for opt in chosen:
            removed |= opt.removed
        rows = [opt.amounts for opt in chosen]
        scratch = [rows[k][j] for k, j in self.layout]
        extra = self.pricer.platform_discount(scratch, removed, self.promo, self.coupon)
        if done_d + extra > self.best.discount:
            self._record(done_d + extra)


def _pricing_key(scoped: Scoped | None) -> object:
    """Equal keys price identically: the same rule on the same lines (ids and windows aside)."""
    if scoped is None:
        return None
    offer = scoped.offer
    if isinstance(offer, Promotion):
        return ("p", offer.tiers, offer.repeat, offer.cap, offer.with_coupons, scoped.lines)
    return ("c", offer.min, offer.off, offer.percent, offer.max_off, scoped.lines)


def search_best(
    pricer: Pricer,
    amounts1: list[int],
    item_removed: int,
    options: list[list[Option]],
    own: list[list[int]],
) -> Best:
    promos, coupons = platform_offers(pricer)
    # A buyer often holds several identical coupons and a platform runs look-alike promotions: offers
    # that price exactly alike (same rule, same lines) are searched once, the first listed standing in.
    promos = list({_pricing_key(p): p for p in reversed(promos)}.values())[::-1]
    coupons = list({_pricing_key(c): c for c in reversed(coupons)}.values())[::-1]
    m = len(options)
    greedy = sum(o[0].discount for o in options)
    best = Best(greedy, (0,) * m, None, None)
    if not promos and not coupons:
        return best

    # Cheap root bounds from step-1 amounts: a pair whose bound cannot beat the best is never walked.
    most_store = greedy
    distinct: list[tuple[int, int, Scoped | None, Scoped | None]] = []
    coupon_highs: list[tuple[Scoped | None, int]] = [(None, 0)]
    for held in coupons:
        assert isinstance(held.offer, Coupon)
        base = sum([amounts1[i] for i in held.lines if not item_removed >> i & 1])
        coupon_highs.append((held, coupon_discount(held.offer, base)))
    for ps in (None, *promos):
        promo_hi = 0
        if ps is not None:
            assert isinstance(ps.offer, Promotion)
            high = sum([amounts1[i] for i in ps.lines])
            promo_hi = _promo_range(ps.offer, _segments(ps.offer), max(0, high - most_store), high)[1]
        for cs, coupon_hi in coupon_highs:
            if (ps is None and cs is None) or promo_hi + coupon_hi == 0:
                continue
            distinct.append((greedy + promo_hi + coupon_hi, len(distinct), ps, cs))
    distinct.sort(key=lambda t: (-t[0], t[1]))

    columns = _Columns(options, own)
    discounts = [[o.discount for o in opts] for opts in options]
    walker = _Walker(pricer, amounts1, item_removed, options, own, best)
    # First a cheap incumbent: every merchant's largest store discount under each promising pair.
    for root_bound, _, ps, cs in distinct[:3]:
        if root_bound <= best.discount:
            break
        walker.promo, walker.coupon = ps, cs
        walker.choice = [0] * m
        walker.leaf(greedy)
    walker.choice = [0] * m
    # Every pair the cheap bound leaves gets its real root bound first; they are walked from the most
    # promising, so that a good solution found early cuts the others at their root.
    pending: list[tuple[int, int, _PairSearch, list[list[int]], Scoped | None, Scoped | None]] = []
    for root_bound, _, ps, cs in distinct:
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
            discounts,
            columns.promo(ps),
            columns.coupon(cs),
            v,
            promo,
            coupon,
            y_out,
            shared,
            len(ps.lines) if ps is not None else 0,
        )
        pair_bound = search.bound(0, 0, 0, 0, 0, 0, best.discount)
        if pair_bound <= best.discount:
            continue
        if search.segments and search.rate:
            search.sharpen(discounts)
            pair_bound = search.bound(0, 0, 0, 0, 0, 0, best.discount)
            if pair_bound <= best.discount:
                continue
        pending.append((pair_bound, len(pending), search, v, ps, cs))
    pending.sort(key=lambda t: (-t[0], t[1]))
    for pair_bound, _, search, v, ps, cs in pending:
        if pair_bound <= best.discount:
            break
        walker.run(search, v, ps, cs)
    return best
