"""Price strategy suggestions (R2.3.4). Pure: no Django; a suggestion never changes a price.

Three strategies, each returning a suggested price in fen with the reasons spelled out:

- **cost-plus**: unit cost plus a target margin;
- **competitor-based**: the median of entered competitor prices, undercut by a small percentage;
- **dynamic**: the current price adjusted for sales trend, stock cover and season.

Every suggestion is floored at cost plus a minimum margin, and rounded to whole jiao (10 fen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from mallops.pricing.rulestext import yuan


@dataclass(frozen=True, slots=True)
class StrategyInput:
    sku: str
    current_price_fen: int
    unit_cost_fen: int
    competitor_prices_fen: tuple[int, ...] = ()
    sales_last_30d: int = 0
    sales_prev_30d: int = 0
    stock: int = 0
    month: int = 1  # the month the price would apply in (1..12)
    peak_months: tuple[int, ...] = ()
    off_months: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StrategyConfig:
    target_margin_percent: int = 30
    min_margin_percent: int = 5
    competitor_undercut_percent: int = 2
    slow_cover_days: int = 90  # more stock than this many days of sales: mark down
    fast_cover_days: int = 14  # less than this: room to raise
    trend_percent: int = 20  # sales change that counts as rising or falling
    markdown_percent: int = 10
    markup_percent: int = 5
    season_percent: int = 5


@dataclass(frozen=True, slots=True)
class Suggestion:
    strategy: str  # cost_plus, competitor, dynamic
    price_fen: int
    change_percent: float  # against the current price
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "strategy": self.strategy,
            "price_fen": self.price_fen,
            "change_percent": self.change_percent,
            "reasons": list(self.reasons),
        }


def _round_jiao(fen: int) -> int:
    return (fen + 5) // 10 * 10


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _floor(inp: StrategyInput, config: StrategyConfig) -> int:
    return _round_jiao(_ceil_div(inp.unit_cost_fen * (100 + config.min_margin_percent), 100))


def _make(
    strategy: str, price: int, inp: StrategyInput, config: StrategyConfig, reasons: list[str]
) -> Suggestion:
    floor = _floor(inp, config)
    if price < floor:
        reasons.append(f"不低于成本加最低毛利 {config.min_margin_percent}%：{yuan(floor)}。")
        price = floor
    change = 0.0
    if inp.current_price_fen > 0:
        change = round((price - inp.current_price_fen) * 100 / inp.current_price_fen, 1)
    return Suggestion(strategy, price, change, tuple(reasons))


def cost_plus(inp: StrategyInput, config: StrategyConfig) -> Suggestion:
    price = _round_jiao(_ceil_div(inp.unit_cost_fen * (100 + config.target_margin_percent), 100))
    reasons = [f"成本 {yuan(inp.unit_cost_fen)} 加目标毛利 {config.target_margin_percent}% = {yuan(price)}。"]
    return _make("cost_plus", price, inp, config, reasons)


def competitor(inp: StrategyInput, config: StrategyConfig) -> Suggestion | None:
    prices = sorted(p for p in inp.competitor_prices_fen if p > 0)
    if not prices:
        return None
    mid = int(median(prices))
    price = _round_jiao(mid * (100 - config.competitor_undercut_percent) // 100)
    reasons = [
        f"{len(prices)} 个竞品价格的中位数 {yuan(mid)}（最低 {yuan(prices[0])}，最高 {yuan(prices[-1])}），"
        f"低于中位数 {config.competitor_undercut_percent}% = {yuan(price)}。"
    ]
    return _make("competitor", price, inp, config, reasons)


def dynamic(inp: StrategyInput, config: StrategyConfig) -> Suggestion:
    factor = 100
    reasons: list[str] = []
    if inp.sales_prev_30d > 0:
        trend = (inp.sales_last_30d - inp.sales_prev_30d) * 100 // inp.sales_prev_30d
    else:
        trend = 100 if inp.sales_last_30d > 0 else 0
    daily = inp.sales_last_30d / 30
    cover = inp.stock / daily if daily > 0 else None
    if cover is None:
        if inp.stock > 0:
            factor -= config.markdown_percent
            reasons.append(
                f"近30日无销量而库存 {inp.stock} 件：建议降价 {config.markdown_percent}% 促进动销。"
            )
    elif cover > config.slow_cover_days:
        factor -= config.markdown_percent
        reasons.append(
            f"库存可售 {cover:.0f} 天，超过 {config.slow_cover_days} 天：建议降价 {config.markdown_percent}%。"
        )
    elif cover < config.fast_cover_days and trend >= config.trend_percent:
        factor += config.markup_percent
        reasons.append(f"销量环比增长 {trend}% 且库存仅够 {cover:.0f} 天：可上调 {config.markup_percent}%。")
    elif trend <= -config.trend_percent:
        factor -= config.markdown_percent // 2
        reasons.append(f"销量环比下降 {-trend}%：建议小幅降价 {config.markdown_percent // 2}%。")
    if inp.month in inp.peak_months:
        factor += config.season_percent
        reasons.append(f"{inp.month} 月为旺季：上调 {config.season_percent}%。")
    elif inp.month in inp.off_months:
        factor -= config.season_percent
        reasons.append(f"{inp.month} 月为淡季：下调 {config.season_percent}%。")
    if not reasons:
        reasons.append("销量、库存和季节均无明显信号：维持现价。")
    price = _round_jiao(inp.current_price_fen * factor // 100)
    return _make("dynamic", price, inp, config, reasons)


def suggest(inp: StrategyInput, config: StrategyConfig | None = None) -> list[Suggestion]:
    """Every applicable suggestion for one SKU, in the order cost-plus, competitor, dynamic."""
    config = config or StrategyConfig()
    out: list[Suggestion] = [cost_plus(inp, config)]
    comp = competitor(inp, config)
    if comp is not None:
        out.append(comp)
    out.append(dynamic(inp, config))
    return out


def suggest_many(
    inputs: Sequence[StrategyInput], config: StrategyConfig | None = None
) -> dict[str, list[Suggestion]]:
    return {inp.sku: suggest(inp, config) for inp in inputs}
