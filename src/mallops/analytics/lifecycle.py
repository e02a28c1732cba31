"""Product lifecycle stage from the sales curve (R2.4.1) and the actions each stage suggests (R2.4.2).

Input: units sold per day for one SPU, from its first sale to the evaluation day (pure Python).

* ``introduction``: on sale for fewer than 14 days;
* ``growth``: the least-squares slope of the last 14 days is above +2 % of their mean per day;
* ``decline``: nothing sold in the last 14 days, or the slope is below -2 % per day and the last 7 days
  sold under 70 % of the best 7 days;
* ``maturity``: otherwise (steady sales).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

INTRO_DAYS: Final = 14
TREND_DAYS: Final = 14
SLOPE: Final = 0.02
DECLINE_SHARE: Final = 0.7


class Stage(StrEnum):
    INTRODUCTION = "introduction"
    GROWTH = "growth"
    MATURITY = "maturity"
    DECLINE = "decline"


ACTIONS: Final[dict[Stage, tuple[str, ...]]] = {
    Stage.INTRODUCTION: ("Increase exposure: search ads, content seeding, new-product placement.",),
    Stage.GROWTH: (
        "Run promotions to accelerate.",
        "Optimise the detail page (images, selling points, reviews).",
    ),
    Stage.MATURITY: (
        "Secure stock and hold the price.",
        "Drive repurchase: member offers, bundles, reminders.",
    ),
    Stage.DECLINE: ("Clear stock with markdowns.", "Plan the take-down and a successor product."),
}
ACTIONS_ZH: Final[dict[Stage, str]] = {
    Stage.INTRODUCTION: "导入期：加大曝光",
    Stage.GROWTH: "成长期：促销与详情页优化",
    Stage.MATURITY: "成熟期：稳库存稳价格、促复购",
    Stage.DECLINE: "衰退期：清库存、准备下架",
}


@dataclass(frozen=True)
class Lifecycle:
    stage: Stage
    age_days: int
    slope_per_day: float  # relative to the mean of the trend window
    last7: int
    best7: int
    actions: tuple[str, ...]


def _relative_slope(values: Sequence[int]) -> float:
    n = len(values)
    mean_y = sum(values) / n
    if mean_y == 0 or n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    return sxy / sxx / mean_y


def classify(daily_units: Sequence[int]) -> Lifecycle:
    age = len(daily_units)
    window = list(daily_units[-TREND_DAYS:])
    slope = _relative_slope(window) if window else 0.0
    last7 = sum(daily_units[-7:])
    best7 = max((sum(daily_units[i : i + 7]) for i in range(max(1, age - 6))), default=0)
    if age < INTRO_DAYS:
        stage = Stage.INTRODUCTION
    elif sum(window) == 0 or (slope < -SLOPE and last7 < DECLINE_SHARE * best7):
        stage = Stage.DECLINE
    elif slope > SLOPE:
        stage = Stage.GROWTH
    else:
        stage = Stage.MATURITY
    return Lifecycle(stage, age, slope, last7, best7, ACTIONS[stage])
