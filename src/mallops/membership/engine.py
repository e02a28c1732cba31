"""Pure tier rules: growth value from paid orders, the tier it reaches, and what a recompute does.

No Django here (import-linter contract). The services feed it rows and act on its decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

GROWTH_PER_YUAN = 1  # one growth point per whole 元 paid (net of refunds)
GROWTH_PER_ORDER = 10  # and ten per paid order


def growth_value(paid_fen: int, orders: int) -> int:
    """Growth value of ``orders`` paid orders worth ``paid_fen`` net (negative inputs count as 0)."""
    return max(paid_fen, 0) // 100 * GROWTH_PER_YUAN + max(orders, 0) * GROWTH_PER_ORDER


@dataclass(frozen=True, slots=True)
class TierRule:
    code: str
    rank: int
    min_growth: int


def tier_for(growth: int, rules: Sequence[TierRule]) -> TierRule | None:
    """The highest-ranked tier whose threshold ``growth`` reaches (None: below every threshold)."""
    best: TierRule | None = None
    for rule in rules:
        if growth >= rule.min_growth and (best is None or rule.rank > best.rank):
            best = rule
    return best


class Action(StrEnum):
    NONE = "none"
    JOIN = "join"  # first tier reached
    UPGRADE = "upgrade"  # at once, a new period starts
    SCHEDULE_DOWNGRADE = "schedule_downgrade"  # below the tier now: it drops at period end (notice)
    CANCEL_DOWNGRADE = "cancel_downgrade"  # back up to the tier before the period ended
    DOWNGRADE = "downgrade"  # period over and still below: the lower tier (or none), a new period


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    tier: TierRule | None  # the tier the member has (or will have, for SCHEDULE_DOWNGRADE) after it


def _rank(rule: TierRule | None) -> int:
    return -1 if rule is None else rule.rank


def decide(
    *,
    current: TierRule | None,
    pending: TierRule | None,
    has_pending: bool,
    target: TierRule | None,
    now: datetime,
    period_ends_at: datetime | None,
) -> Decision:
    """What a recompute does to a member holding ``current`` whose growth now reaches ``target``.

    Upgrades apply at once; a drop waits for the end of the current period (``period_ends_at``) and
    is announced when first seen; rising back before then cancels it.
    """
    if _rank(target) > _rank(current):
        return Decision(Action.JOIN if current is None else Action.UPGRADE, target)
    if _rank(target) == _rank(current):
        return Decision(Action.CANCEL_DOWNGRADE if has_pending else Action.NONE, current)
    if period_ends_at is None or now >= period_ends_at:
        return Decision(Action.DOWNGRADE, target)
    if has_pending and _rank(pending) == _rank(target):
        return Decision(Action.NONE, current)
    return Decision(Action.SCHEDULE_DOWNGRADE, target)
