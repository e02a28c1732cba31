"""Channel attribution and budget reallocation (R4.1.1, R4.1.3): pure Python, no Django.

Attribution: a paid order is credited to one channel. The candidate touches are the buyer's (identity-
resolved) UTM touches at or before the order and at most ``lookback_us`` before it; *first touch* credits
the earliest, *last touch* the latest; an order with no candidate touch, or whose touch names no channel,
is left unattributed. Each channel then has: spend, orders, GMV, new buyers (buyers whose first paid order
ever is credited to it, each person once), CAC = spend / new buyers and ROI = (GMV - spend) / spend, the
same ROI as the analytics KPI report.

Budget suggestion: among channels with spend, those whose ROI is above the mean ROI gain and those below it
lose, each by at most ``max_step_percent`` of its own spend; the total budget is unchanged. What the losers
give is shared among the gainers in proportion to how far their ROI is above the mean, each capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from mallops.core.money import apportion


class Model(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"


@dataclass(frozen=True)
class Touch:
    person: str
    ts_us: int
    utm_source: str


@dataclass(frozen=True)
class PaidOrder:
    person: str
    ts_us: int
    order_id: str
    amount_fen: int


@dataclass(frozen=True)
class ChannelRow:
    code: str  # "" for the unattributed row
    spend_fen: int
    orders: int
    gmv_fen: int
    new_buyers: int
    cac_fen: int | None  # None without new buyers
    roi: Fraction | None  # None without spend


@dataclass(frozen=True)
class Attribution:
    model: Model
    rows: tuple[ChannelRow, ...]  # one per channel in the given order, then the unattributed row
    credited: dict[str, str]  # order id -> channel code ("" unattributed)


def _round_half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


def credit_orders(
    *,
    orders: Sequence[PaidOrder],
    touches: Iterable[Touch],
    channel_of_source: Mapping[str, str],
    model: Model,
    lookback_us: int,
) -> dict[str, str]:
    """Order id -> channel code credited under ``model`` ("" when no touch names a channel)."""
    by_person: dict[str, list[Touch]] = {}
    for touch in sorted(touches, key=lambda t: t.ts_us):
        by_person.setdefault(touch.person, []).append(touch)
    credited: dict[str, str] = {}
    for order in orders:
        candidates = [
            t for t in by_person.get(order.person, ()) if order.ts_us - lookback_us <= t.ts_us <= order.ts_us
        ]
        if not candidates:
            credited[order.order_id] = ""
            continue
        touch = candidates[0] if model is Model.FIRST_TOUCH else candidates[-1]
        credited[order.order_id] = channel_of_source.get(touch.utm_source, "")
    return credited


def attribute(
    *,
    channel_codes: Sequence[str],
    channel_of_source: Mapping[str, str],
    spend_fen: Mapping[str, int],
    orders: Sequence[PaidOrder],
    touches: Iterable[Touch],
    earlier_buyers: frozenset[str],
    model: Model,
    lookback_us: int,
) -> Attribution:
    """Per-channel figures of the period's ``orders`` (``earlier_buyers``: people who paid before it)."""
    ordered = sorted(orders, key=lambda o: (o.ts_us, o.order_id))
    credited = credit_orders(
        orders=ordered,
        touches=touches,
        channel_of_source=channel_of_source,
        model=model,
        lookback_us=lookback_us,
    )
    counts: dict[str, int] = {}
    gmv: dict[str, int] = {}
    new: dict[str, int] = {}
    seen: set[str] = set(earlier_buyers)
    for order in ordered:
        code = credited[order.order_id]
        counts[code] = counts.get(code, 0) + 1
        gmv[code] = gmv.get(code, 0) + order.amount_fen
        if order.person not in seen:
            seen.add(order.person)
            new[code] = new.get(code, 0) + 1
    rows = []
    for code in [*channel_codes, ""]:
        spend = spend_fen.get(code, 0) if code else 0
        buyers = new.get(code, 0)
        rows.append(
            ChannelRow(
                code=code,
                spend_fen=spend,
                orders=counts.get(code, 0),
                gmv_fen=gmv.get(code, 0),
                new_buyers=buyers,
                cac_fen=_round_half_up(Fraction(spend, buyers)) if code and buyers else None,
                roi=Fraction(gmv.get(code, 0) - spend, spend) if spend else None,
            )
        )
    return Attribution(model=model, rows=tuple(rows), credited=credited)


@dataclass(frozen=True)
class Move:
    code: str
    spend_fen: int
    roi: Fraction
    change_fen: int  # > 0 increase, < 0 decrease, 0 keep
    reason_zh: str


def _percent(value: Fraction) -> str:
    return f"{float(value * 100):.1f}%"


def reallocate(
    rows: Sequence[ChannelRow], *, max_step_percent: int = 20
) -> tuple[Fraction | None, list[Move]]:
    """The mean ROI of the channels with spend and one move per such channel (total spend unchanged)."""
    funded = [r for r in rows if r.code and r.spend_fen > 0 and r.roi is not None]
    if not funded:
        return None, []
    mean = sum((r.roi for r in funded if r.roi is not None), Fraction(0)) / len(funded)
    step = Fraction(max_step_percent, 100)
    losers = [r for r in funded if r.roi is not None and r.roi < mean]
    gainers = [r for r in funded if r.roi is not None and r.roi > mean]
    caps = {r.code: int(r.spend_fen * step) for r in funded}
    pool = min(sum(caps[r.code] for r in losers), sum(caps[r.code] for r in gainers))
    cuts = (
        dict(zip([r.code for r in losers], apportion(pool, [caps[r.code] for r in losers]), strict=True))
        if losers and pool
        else {}
    )
    gains: dict[str, int] = {}
    left, open_ = pool, list(gainers)
    while left > 0 and open_:  # share by ROI gap, capped; what a capped gainer cannot take goes round again
        weights = [int((r.roi - mean) * 1_000_000) or 1 for r in open_ if r.roi is not None]
        shares = apportion(left, weights)
        still_open = []
        for r, share in zip(open_, shares, strict=True):
            room = caps[r.code] - gains.get(r.code, 0)
            take = min(room, share)
            gains[r.code] = gains.get(r.code, 0) + take
            left -= take
            if take < room:
                still_open.append(r)
        if len(still_open) == len(open_) and left > 0 and all(s == 0 for s in shares):
            break
        open_ = still_open
    moves = []
    for r in funded:
        assert r.roi is not None
        change = gains.get(r.code, 0) - cuts.get(r.code, 0)
        if change > 0:
            reason = (
                f"ROI {_percent(r.roi)} 高于各渠道平均 {_percent(mean)}，建议增加预算 {change / 100:.2f} 元"
                f"（单次调整不超过本渠道花费的 {max_step_percent}%）。"
            )
        elif change < 0:
            reason = (
                f"ROI {_percent(r.roi)} 低于各渠道平均 {_percent(mean)}，建议削减预算 {-change / 100:.2f} 元，"
                f"转投 ROI 更高的渠道（单次调整不超过本渠道花费的 {max_step_percent}%）。"
            )
        else:
            reason = f"ROI {_percent(r.roi)} 与各渠道平均 {_percent(mean)} 持平或无可调配额度，建议维持预算。"
        moves.append(Move(code=r.code, spend_fen=r.spend_fen, roi=r.roi, change_fen=change, reason_zh=reason))
    return mean, moves
