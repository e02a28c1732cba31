"""Where apps above dsr plug their personal-data stores into consent and retention (the layers forbid dsr
to import them; they register here in their ``AppConfig.ready``, as data handlers do in ``exporters``).

* ``register_withdrawal(purpose, name, prepare)``: ``prepare(buyer_id)`` runs inside the withdrawal's
  transaction and reads who the buyer is (an erasure renames the account later in that same transaction);
  the callable it returns de-identifies what the app holds for ``purpose`` about the buyer (returns how
  many records) and runs when the withdrawal commits (``consent._record``), so a withdrawal takes effect at
  once and a rolled-back one does nothing. An erasure request withdraws every granted purpose first, so
  it reaches the same hooks.
* ``register_store_retention(rule, plan, run)``: a retention rule (``dsr.retention.RULES``) whose data lives
  outside the database (the analytics event store): ``plan(cutoff, sample)`` returns (count, first refs)
  and reads only; ``run(cutoff)`` deletes what is past ``cutoff`` and returns how many went.
* ``register_row_retention(rule, object_type, due, erase)``: a retention rule whose rows another app owns
  (service tickets, ...): ``due(cutoff, held)`` returns the queryset of rows past ``cutoff``, leaving out the
  ids in ``held`` (open ``PersonalDataHold`` rows of ``object_type``); ``erase(row)`` erases one row. dsr
  keeps the rule, its period and the audit event of each erased row.
* ``register_identity_merges(canonical)``: ``canonical(distinct_ids)`` maps each of the ids that analytics
  merged into another identity to that identity (alias id -> distinct id); consent binding at ingestion
  (``dsr.binding``) finds the buyer behind a device id through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WithdrawalHook:
    purpose: str
    name: str
    prepare: Callable[[int], Callable[[], int]]


@dataclass(frozen=True)
class StoreRetention:
    rule: str
    plan: Callable[[datetime, int], tuple[int, list[str]]]
    run: Callable[[datetime], int]


@dataclass(frozen=True)
class RowRetention:
    rule: str
    object_type: str
    due: Callable[[datetime, list[int]], Any]
    erase: Callable[[Any], None]


_WITHDRAWAL: dict[tuple[str, str], WithdrawalHook] = {}
_RETENTION: dict[str, StoreRetention] = {}
_ROWS: dict[str, RowRetention] = {}
_IDENTITY: list[Callable[[set[str]], dict[str, str]]] = []


def register_withdrawal(purpose: str, name: str, prepare: Callable[[int], Callable[[], int]]) -> None:
    _WITHDRAWAL[(purpose, name)] = WithdrawalHook(purpose, name, prepare)


def register_store_retention(
    rule: str, *, plan: Callable[[datetime, int], tuple[int, list[str]]], run: Callable[[datetime], int]
) -> None:
    _RETENTION[rule] = StoreRetention(rule, plan, run)


def store_retention(rule: str) -> StoreRetention | None:
    return _RETENTION.get(rule)


def register_row_retention(
    rule: str, *, object_type: str, due: Callable[[datetime, list[int]], Any], erase: Callable[[Any], None]
) -> None:
    _ROWS[rule] = RowRetention(rule, object_type, due, erase)


def row_retention(rule: str) -> RowRetention:
    """The owner's rows of ``rule``; LookupError when no app registered them (retention must not skip)."""
    try:
        return _ROWS[rule]
    except KeyError:
        raise LookupError(f"no app registered the rows of the retention rule {rule!r}") from None


def register_identity_merges(canonical: Callable[[set[str]], dict[str, str]]) -> None:
    _IDENTITY[:] = [canonical]


def identity_merges(distinct_ids: set[str]) -> dict[str, str]:
    """alias id -> merged distinct id for those of ``distinct_ids`` that were merged (LookupError when no app
    registered the merges: consent binding must not pass a device id's events as unknown)."""
    if not _IDENTITY:
        raise LookupError("no app registered the identity merges (dsr.hooks.register_identity_merges)")
    return _IDENTITY[0](distinct_ids)


def withdrawal_effects(buyer_id: int, purpose: str) -> None:
    """Call inside the transaction that records the withdrawal: each hook of ``purpose`` reads the buyer now
    and acts on commit. A failing hook is logged and the others still run."""
    for (hook_purpose, name), hook in sorted(_WITHDRAWAL.items()):
        if hook_purpose == purpose:
            transaction.on_commit(partial(_run, name, buyer_id, hook.prepare(buyer_id)))


def _run(name: str, buyer_id: int, act: Callable[[], int]) -> None:
    try:
        act()
    except Exception:
        log.exception("withdrawal hook %s failed for buyer %s", name, buyer_id)
