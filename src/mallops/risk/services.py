"""Risk control writes: assess an event, analysts confirm or clear decisions, publish a rule profile.

**Engine state.** Each process keeps one :class:`~mallops.risk.engine.RiskEngine` in memory, guarded by a
lock. Every assessed event is stored in ``RiskEventLog``, so the state survives restarts: the first
``assess`` of a process (or the first after the active profile changed) replays the whole log into a new
engine; later calls first replay the rows other processes appended since (by ``pk``) and apply rings that
analysts confirmed, then decide. A row earlier than what the engine has seen (another process's clock) is
taken as simultaneous with the latest event. Two processes deciding at the same instant do not see each
other's event; the log and the next catch-up do.

**Transactions.** ``assess`` commits on its own (``atomic(durable=True)``): call it *before* the action's
transaction, so an attempt that the action later refuses or rolls back is still recorded (the rules
count attempts, whatever their outcome), and raise :func:`risk_blocked` when the decision is ``block``.
One exception: a request carrying an ``Idempotency-Key`` runs entirely inside the idempotency
middleware's transaction (checkout always does). There ``assess`` joins it (a savepoint): the event is
committed with the response, which a refusal (403, 409, 422) still is, since only a 5xx rolls back.
If the outer transaction does roll back, the engine holds an event the log lost; the next ``assess``
checks that the row of such a joined assessment exists and rebuilds the engine from the log if not.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.risk.contracts import RiskEvent
from mallops.risk.engine import (
    BASELINE,
    REQUIRED,
    Decision,
    Event,
    EventType,
    Profile,
    ProfileError,
    RiskEngine,
    Rule,
    Verdict,
    from_micros,
    to_micros,
)
from mallops.risk.errors import RiskCode
from mallops.risk.models import ReviewStatus, RiskDecision, RiskEventLog, RiskProfileVersion

VIEW_PERMISSION = "risk.view"
DECIDE_PERMISSION = "risk.decide"
MANAGE_PERMISSION = "risk.manage"
EVIDENCE_LIMIT = 50
# rules whose confirmation marks the buyer's linked accounts as a ring (their next claims are blocked)
RING_RULES = frozenset({Rule.COUPON_RING, Rule.NEW_ACCOUNT_HARVEST, Rule.BRUSHING, Rule.CONFIRMED_RING})
_FIELDS = ("device", "ip", "address", "batch", "order", "merchant", "amount_fen", "rating", "text", "kind")

# what a refused buyer is told, per rule (never the thresholds or the linked accounts)
BUYER_MESSAGES: dict[Rule, str] = {
    Rule.CONFIRMED_RING: "该账号存在异常领券行为，暂时无法领取优惠券。",
    Rule.COUPON_RING: "该账号存在异常领券行为，暂时无法领取优惠券。",
    Rule.NEW_ACCOUNT_HARVEST: "该账号领券过于频繁，请稍后再试。",
    Rule.BRUSHING: "订单存在异常，暂时无法提交，请联系客服。",
    Rule.REVIEW_WITHOUT_PURCHASE: "只能评价您已购买的订单。",
    Rule.DUPLICATE_REVIEW_TEXT: "评价内容与他人重复，请修改后再提交。",
    Rule.ACCOUNT_TAKEOVER: "账号近期存在异常登录，为保护您的资金安全，请先完成身份验证或联系客服。",
    Rule.REFUND_ABUSE: "退款申请过于频繁，请联系客服处理。",
}


def risk_blocked(decision: Decision) -> DomainError:
    """The problem the action answers with when ``decision`` is ``block`` (code ``risk_blocked``)."""
    blocking = [r for r in decision.reasons if r.verdict is Verdict.BLOCK]
    message = BUYER_MESSAGES.get(
        blocking[0].rule if blocking else Rule.COUPON_RING, "操作存在风险，已被拦截。"
    )
    return DomainError(
        detail=message,
        code=RiskCode.RISK_BLOCKED,
        status=403,
        title="Blocked by risk control",
        extra={"event": decision.event_id},
    )


def require_allowed(decision: Decision) -> None:
    """Raise :func:`risk_blocked` for a ``block`` decision; ``allow`` and ``review`` go through."""
    if decision.verdict is Verdict.BLOCK:
        raise risk_blocked(decision)


# -- engine state -----------------------------------------------------------------------------------------


@dataclass
class _State:
    engine: RiskEngine
    profile_version: int
    last_log_id: int = 0
    confirmed: set[int] = field(default_factory=set)
    confirmed_since: datetime | None = None
    # the log row of an assessment that joined an outer transaction (it may have rolled back since)
    unconfirmed_log_id: int | None = None


_LOCK = threading.Lock()
_state: _State | None = None


def reset_engine() -> None:
    """Forget the in-memory engine; the next ``assess`` rebuilds it from the log (tests, profile tools)."""
    global _state
    with _LOCK:
        _state = None


def active_profile() -> tuple[int, Profile]:
    """The active profile version and its rules (version 0 = the baseline, when none was published)."""
    row = RiskProfileVersion.objects.filter(is_active=True).first()
    if row is None:
        return 0, BASELINE
    return row.version, Profile.from_json(row.rules)


def _event_of(row: RiskEventLog, at: int) -> Event:
    payload = row.payload
    return Event(
        row.event_id,
        EventType(row.event_type),
        at,
        row.buyer,
        *(payload.get(name) for name in _FIELDS),
    )


def _replay(engine: RiskEngine, rows: Any) -> int:
    last_id = 0
    for row in rows:
        at = max(row.at_us, engine.last_at or row.at_us)
        engine.assess(_event_of(row, at))
        last_id = row.pk
    return last_id


def _apply_confirmations(state: _State) -> None:
    """Mark the rings analysts confirmed since the last call (any process)."""
    confirmed = RiskDecision.objects.filter(status=ReviewStatus.CONFIRMED)
    if state.confirmed_since is not None:
        confirmed = confirmed.filter(reviewed_at__gte=state.confirmed_since)
    ring_rules = {str(rule) for rule in RING_RULES}
    for pk, buyer, rules, reviewed_at in confirmed.values_list("pk", "buyer", "rules", "reviewed_at"):
        if pk in state.confirmed:
            continue
        state.confirmed.add(pk)
        if reviewed_at is not None and (state.confirmed_since is None or reviewed_at > state.confirmed_since):
            state.confirmed_since = reviewed_at
        if ring_rules.intersection(rules):
            state.engine.confirm_ring(buyer)


def _current_state(version: int, profile: Profile) -> _State:
    """The engine caught up with the log (call holding ``_LOCK``)."""
    global _state
    state = _state
    if state is not None and state.unconfirmed_log_id is not None:
        if not RiskEventLog.objects.filter(pk=state.unconfirmed_log_id).exists():
            state = None  # the outer transaction rolled back: the engine saw an event the log lost
        else:
            state.unconfirmed_log_id = None
    if state is None or state.profile_version != version:
        state = _State(RiskEngine(profile), version)
        _state = state
    rows = RiskEventLog.objects.filter(pk__gt=state.last_log_id).order_by("pk")
    last_id = _replay(state.engine, rows.iterator(chunk_size=2000))
    if last_id:
        state.last_log_id = last_id
    _apply_confirmations(state)
    return state


def _subject_ref(event: RiskEvent) -> str:
    if event.type is EventType.COUPON_CLAIM:
        return f"batch:{event.batch}"
    if event.order:
        return f"order:{event.order}"
    return ""


def assess(*, event: RiskEvent) -> Decision:
    """Decide ``event`` with the active profile, store it in the log and, for ``review``/``block``, put a
    ``RiskDecision`` with its evidence in the analysts' queue and audit it (``risk.review``/``risk.block``).

    Commits on its own: call it before the action's own transaction (see the module docstring) and
    refuse the action with :func:`require_allowed`. Inside an outer transaction (the idempotency
    middleware's) it joins it instead. Holds the process's engine lock while deciding.
    """
    global _state
    kind = EventType(event.type)
    missing = [name for name in REQUIRED[kind] if getattr(event, name) is None]
    if missing:
        raise ValueError(f"a {kind} event needs {', '.join(missing)}")
    nested = transaction.get_connection().in_atomic_block
    # Lock order: the database transaction first, then the engine lock. On SQLite (IMMEDIATE) BEGIN takes
    # the write lock, so a thread never holds the engine lock while waiting for the database behind a
    # request that already writes (the idempotency middleware's) and then wants the engine lock.
    try:
        with transaction.atomic(durable=not nested), _LOCK:
            try:
                version, profile = active_profile()
                state = _current_state(version, profile)
                engine = state.engine
                at = to_micros(event.at or timezone.now())
                if engine.last_at is not None and at < engine.last_at:
                    at = engine.last_at
                values = {name: getattr(event, name) for name in _FIELDS}
                decision = engine.assess(Event(event.id, kind, at, event.buyer, **values))
                log = RiskEventLog.objects.create(
                    event_id=event.id,
                    event_type=str(event.type),
                    buyer=event.buyer,
                    at=from_micros(at),
                    at_us=at,
                    payload={k: v for k, v in values.items() if v is not None},
                    outcome=str(decision.verdict),
                    profile_version=version,
                )
                state.last_log_id = log.pk
                if nested:
                    state.unconfirmed_log_id = log.pk
                if decision.verdict is not Verdict.ALLOW:
                    _record_decision(event, decision, log, engine, version)
            except BaseException:
                _state = None  # the engine may hold an event the log does not: rebuild on the next call
                raise
    except BaseException:
        _state = None  # the commit failed after the engine saw the event
        raise
    return decision


def _record_decision(
    event: RiskEvent, decision: Decision, log: RiskEventLog, engine: RiskEngine, version: int
) -> None:
    linked = engine.linked(event.buyer, limit=EVIDENCE_LIMIT)
    component = engine.links.component_of(engine.links.buyer(event.buyer))
    evidence = {
        "event": {"id": event.id, "type": str(event.type), **log.payload},
        "linked": linked,
        "linked_buyer_count": component.buyer_count,
    }
    row = RiskDecision.objects.create(
        event=log,
        event_type=str(event.type),
        buyer=event.buyer,
        subject_ref=_subject_ref(event),
        outcome=str(decision.verdict),
        rules=[str(r.rule) for r in decision.reasons],
        reasons=[
            {"rule": str(r.rule), "decision": str(r.verdict), "detail": r.detail} for r in decision.reasons
        ],
        evidence=evidence,
        profile_version=version,
        created_at=log.at,
    )
    audit_record(
        actor=None,
        action=f"risk.{decision.verdict}",
        obj=row,
        after={
            "event": event.id,
            "event_type": str(event.type),
            "buyer": event.buyer,
            "rules": row.rules,
            "linked_buyers": component.buyer_count,
            "profile_version": version,
            "reasons": row.reasons,
            "evidence": evidence,
        },
    )


# -- analysts ---------------------------------------------------------------------------------------------


def _review(*, actor: Actor, decision_id: int, status: ReviewStatus, note: str) -> RiskDecision:
    require_permission(actor, DECIDE_PERMISSION)
    note = (note or "").strip()
    if len(note) > 1000:
        raise validation_error([FieldError(("body", "note"), "at most 1000 characters", "too_long")])
    row = RiskDecision.objects.select_for_update().filter(pk=decision_id).first()
    if row is None:
        raise not_found("risk decision")
    if row.status != ReviewStatus.OPEN:
        raise conflict(
            f"The decision is already {row.status}.", code=RiskCode.RISK_DECISION_CLOSED, status=row.status
        )
    row.status = status
    row.analyst_id = actor.user_id
    row.note = note
    row.reviewed_at = timezone.now()
    row.full_clean()
    row.save(update_fields=["status", "analyst", "note", "reviewed_at"])
    audit_record(
        actor=actor,
        action=f"risk.decision_{'confirm' if status == ReviewStatus.CONFIRMED else 'clear'}",
        obj=row,
        before={"status": ReviewStatus.OPEN.value},
        after={"status": row.status, "rules": row.rules, "buyer": row.buyer, "note": note},
    )
    return row


@transaction.atomic
def decision_confirm(*, actor: Actor, decision_id: int, note: str = "") -> RiskDecision:
    """The analyst confirms the risk. For ring rules (coupon_ring, new_account_harvest, brushing) every
    account linked to the buyer is then blocked on its next coupon claims (``confirmed_ring``). Locks the
    decision row; 409 ``risk_decision_closed`` unless it is open; audited ``risk.decision_confirm``."""
    return _review(actor=actor, decision_id=decision_id, status=ReviewStatus.CONFIRMED, note=note)


@transaction.atomic
def decision_clear(*, actor: Actor, decision_id: int, note: str = "") -> RiskDecision:
    """The analyst finds no abuse. Same locks, errors and audit (``risk.decision_clear``) as confirm."""
    return _review(actor=actor, decision_id=decision_id, status=ReviewStatus.CLEARED, note=note)


# -- rule profiles ----------------------------------------------------------------------------------------


def _parse_profile(rules: Any) -> Profile:
    try:
        return Profile.from_json(rules)
    except ProfileError as exc:
        raise validation_error(
            [FieldError(("body", "rules", where), message, "invalid") for where, message in exc.problems]
        ) from None


@transaction.atomic
def profile_publish(*, actor: Actor, rules: dict[str, Any], note: str = "") -> RiskProfileVersion:
    """Add a profile version (missing keys keep the baseline) and make it the active one. Engines rebuild
    from the log with it on their next ``assess``. Audited ``risk.profile_publish`` with both versions."""
    require_permission(actor, MANAGE_PERMISSION)
    profile = _parse_profile(rules)
    previous = RiskProfileVersion.objects.select_for_update().filter(is_active=True).first()
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    latest = RiskProfileVersion.objects.aggregate(v=Max("version"))["v"] or 0
    row = RiskProfileVersion.objects.create(
        version=latest + 1,
        rules=profile.to_json(),
        is_active=True,
        note=(note or "").strip()[:500],
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="risk.profile_publish",
        obj=row,
        before={
            "version": previous.version if previous else 0,
            "rules": previous.rules if previous else BASELINE.to_json(),
        },
        after={"version": row.version, "rules": row.rules, "note": row.note},
    )
    return row


@dataclass(frozen=True)
class DryRun:
    """How a candidate profile would have decided the logged events of the last ``days`` days."""

    days: int
    events: int
    changed: int
    before: dict[str, int]
    after: dict[str, int]
    changed_by_rule: dict[str, int]


def profile_dry_run(*, actor: Actor, rules: dict[str, Any], days: int = 30) -> DryRun:
    """Replay the whole log through the active and the candidate profile (links need all of history) and
    compare their decisions on the events of the last ``days`` days. Writes nothing."""
    require_permission(actor, MANAGE_PERMISSION)
    candidate = _parse_profile(rules)
    if not 1 <= days <= 365:
        raise validation_error([FieldError(("body", "days"), "1 to 365", "out_of_range")])
    _, current = active_profile()
    since = to_micros(timezone.now() - timedelta(days=days))
    old, new = RiskEngine(current), RiskEngine(candidate)
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    events = changed = 0
    for row in RiskEventLog.objects.order_by("pk").iterator(chunk_size=2000):
        at = max(row.at_us, old.last_at or row.at_us)
        event = _event_of(row, at)
        a, b = old.assess(event), new.assess(event)
        if row.at_us < since:
            continue
        events += 1
        before[str(a.verdict)] += 1
        after[str(b.verdict)] += 1
        if a.verdict is not b.verdict:
            changed += 1
            for rule in {str(r.rule) for r in a.reasons} ^ {str(r.rule) for r in b.reasons}:
                by_rule[rule] += 1
    return DryRun(days, events, changed, dict(before), dict(after), dict(by_rule))
