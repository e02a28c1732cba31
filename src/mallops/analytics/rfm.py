"""RFM scores and segment tags (R3.2.5), pure Python.

Each buyer gets R, F and M scores 1-5 by quintile among all buyers of the run: ``1 + 5 * (number of buyers
with a strictly worse value) // buyers`` (ties share a score, so the result does not depend on order).
Recency counts days since the last paid order (fewer is better), frequency paid orders, monetary paid fen.

Tags, first match wins:

* ``churned``: R = 1 and F <= 2 (long gone, bought little);
* ``high_value``: R >= 4, F >= 4 and M >= 4;
* ``at_risk``: R <= 2 and F + M >= 7 (used to buy a lot, not lately) — private-domain care (R4.1.2);
* ``potential``: R >= 4 and F <= 3 (recent buyers to grow);
* ``regular``: everybody else.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Tag(StrEnum):
    HIGH_VALUE = "high_value"
    POTENTIAL = "potential"
    AT_RISK = "at_risk"
    CHURNED = "churned"
    REGULAR = "regular"


@dataclass(frozen=True)
class BuyerOrders:
    buyer: str
    recency_days: int
    frequency: int
    monetary_fen: int


@dataclass(frozen=True)
class Scored:
    buyer: str
    recency_days: int
    frequency: int
    monetary_fen: int
    r: int
    f: int
    m: int
    tag: Tag


def quintile_scores(values: Sequence[float], *, higher_is_better: bool = True) -> list[int]:
    """Score 1-5 per value: 1 + 5 * (count of strictly worse values) // n."""
    n = len(values)
    ordered = sorted(values)
    scores = []
    for value in values:
        if higher_is_better:
            worse = bisect.bisect_left(ordered, value)
        else:
            worse = n - bisect.bisect_right(ordered, value)
        scores.append(1 + 5 * worse // n)
    return scores


def tag_of(r: int, f: int, m: int) -> Tag:
    if r == 1 and f <= 2:
        return Tag.CHURNED
    if r >= 4 and f >= 4 and m >= 4:
        return Tag.HIGH_VALUE
    if r <= 2 and f + m >= 7:
        return Tag.AT_RISK
    if r >= 4 and f <= 3:
        return Tag.POTENTIAL
    return Tag.REGULAR


def score(buyers: Sequence[BuyerOrders]) -> list[Scored]:
    rs = quintile_scores([b.recency_days for b in buyers], higher_is_better=False)
    fs = quintile_scores([b.frequency for b in buyers])
    ms = quintile_scores([b.monetary_fen for b in buyers])
    return [
        Scored(b.buyer, b.recency_days, b.frequency, b.monetary_fen, r, f, m, tag_of(r, f, m))
        for b, r, f, m in zip(buyers, rs, fs, ms, strict=True)
    ]
