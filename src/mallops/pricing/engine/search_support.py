"""Helpers of the best-combination search: promotion segments, tier ranges and bound columns."""

from __future__ import annotations

from mallops.pricing.engine.model import Promotion
from mallops.pricing.engine.money import threshold_discount
from mallops.pricing.engine.steps import Option, Scoped

_Segments = tuple[tuple[int, int, int], ...]


# Lagrangian multipliers for the base a platform tier needs, in the per-tier bounds with a percent
# coupon (any multiplier >= 0 gives a valid bound; when only part of a store discount lands on the
# promotion's lines, each fen of base gained costs more than one fen of store discount).
_RATE_WEIGHTS = (1, 2, 8)


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


class _Columns:
    """Per merchant and option, the sums the bounds need; computed once per platform offer or pair."""

    def __init__(self, options: list[list[Option]], own: list[list[int]]) -> None:
        self.options, self.own = options, own
        self.zeros = [[0] * len(o) for o in options]
        self._promo: dict[int, list[list[int]]] = {}
        self._coupon: dict[int, list[list[int]]] = {}
        self._outside: dict[tuple[int, int], list[list[int]]] = {}
        self._by_lines: dict[tuple[frozenset[int], bool], list[list[int]]] = {}
        self._with: dict[tuple[tuple[int, ...], tuple[int, ...]], list[list[int]]] = {}
        # Per merchant: each line's amounts across the options, and the options that removed lines.
        self._by_line = [list(zip(*(o.amounts for o in opts), strict=True)) for opts in options]
        # Options grouped by the lines they took out of coupon bases (few distinct sets per merchant).
        self._removing: list[dict[int, list[int]]] = []
        for opts in options:
            groups: dict[int, list[int]] = {}
            for o, opt in enumerate(opts):
                if opt.removed:
                    groups.setdefault(opt.removed, []).append(o)
            self._removing.append(groups)

    def _rows(self, lines: frozenset[int], removed_count: bool) -> list[list[int]]:
        # Platform offers often share their lines (the whole cart, a category): each set is summed once.
        cached = self._by_lines.get((lines, removed_count))
        if cached is not None:
            return cached
        out = []
        for k, opts in enumerate(self.options):
            own = self.own[k]
            positions = [j for j, i in enumerate(own) if i in lines]
            if not positions:
                out.append([0] * len(opts))
                continue
            by_line = self._by_line[k]
            if len(positions) == 1:
                row = list(by_line[positions[0]])
            else:
                row = list(map(sum, zip(*[by_line[j] for j in positions], strict=True)))
            if removed_count and self._removing[k]:
                mask = sum([1 << own[j] for j in positions])
                for removed, group in self._removing[k].items():
                    if not removed & mask:
                        continue
                    kept = [by_line[j] for j in positions if not removed >> own[j] & 1]
                    if not kept:
                        for o in group:
                            row[o] = 0
                        continue
                    sums = kept[0] if len(kept) == 1 else list(map(sum, zip(*kept, strict=True)))
                    for o in group:
                        row[o] = sums[o]
            out.append(row)
        self._by_lines[(lines, removed_count)] = out
        return out

    def promo(self, scoped: Scoped | None) -> list[list[int]]:
        if scoped is None:
            return self.zeros
        if scoped.order not in self._promo:
            self._promo[scoped.order] = self._rows(frozenset(scoped.lines), False)
        return self._promo[scoped.order]

    def coupon(self, scoped: Scoped | None) -> list[list[int]]:
        if scoped is None:
            return self.zeros
        if scoped.order not in self._coupon:
            self._coupon[scoped.order] = self._rows(frozenset(scoped.lines), True)
        return self._coupon[scoped.order]

    def coupon_outside(self, promo: Scoped, coupon: Scoped) -> list[list[int]]:
        """The coupon's base restricted to lines outside the promotion's scope."""
        key = (-1 - promo.order, coupon.order)
        if key not in self._outside:
            self._outside[key] = self._rows(frozenset(coupon.lines) - frozenset(promo.lines), True)
        return self._outside[key]

    def with_outside(self, promo: Scoped | None, coupon: Scoped | None) -> list[list[int]]:
        """``y + w``: the coupon's base plus the promotion's lines outside it (removed ones included)."""
        y = self.coupon(coupon)
        if promo is None or coupon is None:
            return y
        key = (promo.lines, coupon.lines)
        if key not in self._with:
            x = self.promo(promo)
            promo_lines, coupon_lines = frozenset(promo.lines), frozenset(coupon.lines)
            both_kept = y if coupon_lines <= promo_lines else self._rows(promo_lines & coupon_lines, True)
            # w = x - (promotion lines that stay in the coupon base)
            self._with[key] = [
                [yy + xx - kept for yy, xx, kept in zip(yr, xr, kr, strict=True)]
                for yr, xr, kr in zip(y, x, both_kept, strict=True)
            ]
        return self._with[key]
