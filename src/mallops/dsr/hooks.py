"""Where apps above dsr plug their personal-data stores into consent and retention (the layers forbid dsr
to import them; they register here in their ``AppConfig.ready``, as data handlers do in ``exporters``).

* ``register_withdrawal(purpose, name, forget)``: ``forget(buyer_id)`` de-identifies what the app holds for
  ``purpose`` about the buyer (returns how many records). It runs when the buyer's withdrawal of that
  purpose commits (``consent._record``), so a withdrawal takes effect at once and a rolled-back one does
  nothing.
* ``register_store_retention(rule, plan, run)``: a retention rule (``dsr.retention.RULES``) whose data lives
  outside the database (the analytics event store): ``plan(cutoff, sample)`` returns (count, first refs)
  and reads only; ``run(cutoff)`` deletes what is past ``cutoff`` and returns how many went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WithdrawalHook:
    purpose: str
    name: str
    forget: Callable[[int], int]


@dataclass(frozen=True)
class StoreRetention:
    rule: str
    plan: Callable[[datetime, int], tuple[int, list[str]]]
    run: Callable[[datetime], int]


_WITHDRAWAL: dict[tuple[str, str], WithdrawalHook] = {}
_RETENTION: dict[str, StoreRetention] = {}


def register_withdrawal(purpose: str, name: str, forget: Callable[[int], int]) -> None:
    _WITHDRAWAL[(purpose, name)] = WithdrawalHook(purpose, name, forget)


def register_store_retention(
    rule: str, *, plan: Callable[[datetime, int], tuple[int, list[str]]], run: Callable[[datetime], int]
) -> None:
    _RETENTION[rule] = StoreRetention(rule, plan, run)


def store_retention(rule: str) -> StoreRetention | None:
    return _RETENTION.get(rule)


def withdrawal_effects(buyer_id: int, purpose: str) -> dict[str, int]:
    """Run every hook of ``purpose`` for the buyer; returns records per hook. A failing hook is logged and
    the others still run (the retention sweep of that store catches up)."""
    done: dict[str, int] = {}
    for (hook_purpose, name), hook in sorted(_WITHDRAWAL.items()):
        if hook_purpose != purpose:
            continue
        try:
            done[name] = hook.forget(buyer_id)
        except Exception:
            log.exception("withdrawal hook %s failed for buyer %s", name, buyer_id)
    return done
