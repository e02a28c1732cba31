"""Tier strategies (R4.1.2): rules as data mapping a segment and/or a membership tier to an action.

* ``care_task``: one private-domain care task per buyer for user operations (``tasks.services``; a buyer
  with an open care task of the strategy gets no second one);
* ``retarget_list``: the buyers form the run's retargeting audience for a social or search channel, exported
  as CSV for the channel's ad platform;
* ``winback_coupon``: one coupon of a platform batch per buyer, issued through ``pricing.coupons`` (which
  refuses a buyer already holding one and checks consent again).

A run resolves the audience (:mod:`.audience`: buyers without marketing consent are dropped and counted),
keeps the strategy's deterministic holdout aside (the same buyers run after run), acts on the rest and
stores its counts and targets. Runs are started on demand or by the daily Huey job, always acting as the
strategy's owner (their ``promotion.manage`` binds on the schedule too). A run is measured by the
conversion of acted-on buyers against the holdout within ``measure_days`` (:func:`run_results`).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Final

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.services import require_permission
from mallops.analytics.segments import SEGMENTS
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.marketing import audience
from mallops.marketing.errors import MarketingCode
from mallops.marketing.models import Action, Channel, Strategy, StrategyRun, StrategyTarget
from mallops.marketing.targeting import OrderFact, Results, results
from mallops.membership.selectors import tiers
from mallops.orders.selectors import paid_order_facts
from mallops.pricing.coupons import coupons_issue
from mallops.pricing.selectors import platform_batches
from mallops.tasks.contracts import Kind, Team
from mallops.tasks.services import task_open_once

PERMISSION: Final = "promotion.manage"
SCOPE: Final = "strategy"
SOURCE_TYPE: Final = "marketing.strategy"
RETARGET_KINDS: Final = (Channel.Kind.SOCIAL, Channel.Kind.SEARCH_ADS)
ISSUE_CHUNK: Final = 1000


def strategy_create(
    *,
    actor: Actor,
    name: str,
    action: str,
    segment: str = "",
    tier_code: str = "",
    channel_id: int | None = None,
    coupon_batch_id: int | None = None,
    holdout_percent: int = 10,
    measure_days: int = 14,
) -> Strategy:
    """A new strategy owned by ``actor``. 422 names each bad field (a retargeting list needs a social or
    search channel, a win-back coupon a platform coupon batch)."""
    require_permission(actor, PERMISSION)
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError(("body", "name"), "Required.", "required"))
    if action not in Action.values:
        errors.append(FieldError(("body", "action"), "Unknown strategy action.", "choice"))
    if not (segment or tier_code):
        errors.append(FieldError(("body", "segment"), "Choose a segment or a tier.", "required"))
    if segment and segment not in SEGMENTS:
        errors.append(FieldError(("body", "segment"), "Unknown segment.", "choice"))
    if tier_code and not tiers().filter(code=tier_code).exists():
        errors.append(FieldError(("body", "tier_code"), "Unknown membership tier.", "choice"))
    if (
        action == Action.RETARGET_LIST
        and not Channel.objects.filter(pk=channel_id or 0, kind__in=RETARGET_KINDS, is_active=True).exists()
    ):
        errors.append(FieldError(("body", "channel_id"), "Choose a social or search channel.", "choice"))
    if action == Action.WINBACK_COUPON and (
        coupon_batch_id is None or not platform_batches(actor=actor).filter(pk=coupon_batch_id).exists()
    ):
        errors.append(FieldError(("body", "coupon_batch_id"), "Unknown platform coupon batch.", "unknown"))
    if not 0 <= holdout_percent <= 50:
        errors.append(FieldError(("body", "holdout_percent"), "Between 0 and 50.", "range"))
    if not 1 <= measure_days <= 90:
        errors.append(FieldError(("body", "measure_days"), "Between 1 and 90.", "range"))
    if errors:
        raise validation_error(errors)
    with audited():
        strategy = Strategy.objects.create(
            name=name.strip(),
            action=action,
            segment=segment,
            tier_code=tier_code,
            channel_id=channel_id if action == Action.RETARGET_LIST else None,
            coupon_batch_id=coupon_batch_id if action == Action.WINBACK_COUPON else None,
            holdout_percent=holdout_percent,
            measure_days=measure_days,
            owner_id=actor.user_id or 0,
        )
        audit_record(
            actor=actor,
            action="marketing.strategy.create",
            obj=strategy,
            after={"action": action, "segment": segment, "tier_code": tier_code},
        )
    return strategy


def _get(strategy_id: int) -> Strategy:
    strategy = Strategy.objects.select_related("owner", "channel").filter(pk=strategy_id).first()
    if strategy is None:
        raise DomainError(
            detail="No such strategy.", code=MarketingCode.STRATEGY_NOT_FOUND, status=404, title="Not found"
        )
    return strategy


def strategy_run(
    *, actor: Actor, strategy_id: int, trigger: str = StrategyRun.Trigger.MANUAL, now: datetime | None = None
) -> StrategyRun:
    """Run a strategy now (see the module docstring). ``actor`` is the person asking; a scheduled run
    passes the owner. One audited transaction; returns the stored run with its counts."""
    require_permission(actor, PERMISSION)
    strategy = _get(strategy_id)
    now = now or timezone.now()
    with audited():
        found = audience.resolve(actor=actor, segment=strategy.segment, tier_code=strategy.tier_code)
        treated, holdout = found.split(scope=SCOPE, scope_id=strategy.pk, percent=strategy.holdout_percent)
        run = StrategyRun.objects.create(
            strategy=strategy,
            trigger=trigger,
            started_at=now,
            matched=found.matched,
            no_consent=found.no_consent,
            held_out=len(holdout),
        )
        outcomes: dict[int, str] = {}
        if strategy.action == Action.CARE_TASK:
            for buyer in treated:
                task = task_open_once(
                    source_type=SOURCE_TYPE,
                    source_id=f"{strategy.pk}:{buyer.pk}",
                    kind=Kind.FOLLOW_UP,
                    actor=None,
                    team=Team.USER_OPS,
                    title=f"私域关怀：{buyer.username}（{strategy.name}）",
                    detail="营销策略匹配的高价值客户：请通过私域（企业微信、社群）一对一关怀回访。",
                    now=now,
                )
                outcomes[buyer.pk] = "task_opened" if task is not None else "task_already_open"
        elif strategy.action == Action.RETARGET_LIST:
            outcomes = {buyer.pk: "listed" for buyer in treated}
        else:
            assert strategy.coupon_batch_id is not None
            by_name = {buyer.username: buyer.pk for buyer in treated}
            names = list(by_name)
            for start in range(0, len(names), ISSUE_CHUNK):
                issued = coupons_issue(
                    actor=actor,
                    merchant_id=None,
                    batch_id=strategy.coupon_batch_id,
                    usernames=names[start : start + ISSUE_CHUNK],
                )
                for name in names[start : start + ISSUE_CHUNK]:
                    outcomes[by_name[name]] = issued.refused.get(name, "coupon_issued")
        acted_outcomes = {"task_opened", "listed", "coupon_issued"}
        StrategyTarget.objects.bulk_create(
            [StrategyTarget(run=run, buyer=b, is_holdout=True, outcome="holdout") for b in holdout]
            + [StrategyTarget(run=run, buyer=b, outcome=outcomes[b.pk]) for b in treated],
            batch_size=1000,
        )
        run.acted = sum(1 for o in outcomes.values() if o in acted_outcomes)
        run.skipped = len(outcomes) - run.acted
        run.save()
        audit_record(
            actor=actor,
            action="marketing.strategy.run",
            obj=run,
            after={
                "strategy": strategy.pk,
                "trigger": trigger,
                "matched": run.matched,
                "no_consent": run.no_consent,
                "held_out": run.held_out,
                "acted": run.acted,
                "skipped": run.skipped,
            },
        )
    return run


def strategies_run_scheduled(*, now: datetime | None = None) -> dict[str, int]:
    """Every active strategy once, as its owner (the daily job). A run the owner may no longer make is
    stored with its error instead, so the failure shows on the strategy's page."""
    now = now or timezone.now()
    done = failed = 0
    for strategy in Strategy.objects.filter(is_active=True).select_related("owner").order_by("pk"):
        try:
            strategy_run(
                actor=actor_of(strategy.owner),
                strategy_id=strategy.pk,
                trigger=StrategyRun.Trigger.SCHEDULE,
                now=now,
            )
            done += 1
        except DomainError as exc:
            StrategyRun.objects.create(
                strategy=strategy,
                trigger=StrategyRun.Trigger.SCHEDULE,
                started_at=now,
                error=str(exc.code)[:200],
            )
            failed += 1
    return {"runs": done, "failed": failed}


def run_results(*, run: StrategyRun) -> Results:
    """The run measured: conversion of the acted-on buyers vs the holdout within the strategy's
    ``measure_days`` after the run (so far, while that window is open). Read-only."""
    rows = list(StrategyTarget.objects.filter(run=run).values_list("buyer_id", "is_holdout", "outcome"))
    acted = {"task_opened", "listed", "coupon_issued"}
    treated = [b for b, hold, outcome in rows if not hold and outcome in acted]
    holdout = [b for b, hold, _ in rows if hold]
    end = run.started_at + timedelta(days=run.strategy.measure_days)
    facts = [
        OrderFact(buyer_id=b, paid_at=at, paid_fen=paid, discount_fen=discount)
        for b, at, paid, discount in paid_order_facts(
            buyer_ids=treated + holdout, since=run.started_at, until=end
        )
    ]
    return results(treated=treated, holdout=holdout, orders=facts, start=run.started_at, end=end)


def retarget_export(*, actor: Actor, run: StrategyRun, purpose: str = "") -> str:
    """``retarget_csv`` for ``actor``, recorded as an export of personal data (buyers' usernames, audit
    ``privacy.export`` with the rows and ``purpose``); 422 ``validation_error`` on ``purpose`` when the
    list has ``privacy.exports.BULK_EXPORT_ROWS`` buyers or more and no purpose is given."""
    from mallops.privacy.exports import export_data_classes, export_purpose_check
    from mallops.privacy.services import personal_data_export_record

    rows = StrategyTarget.objects.filter(run=run, is_holdout=False, outcome="listed").count()
    export_purpose_check(rows=rows, purpose=purpose)
    text = retarget_csv(run=run)
    personal_data_export_record(
        actor=actor,
        what=f"retarget-run-{run.pk}",
        rows=rows,
        data_classes=export_data_classes(StrategyTarget, ["buyer__username"]),
        purpose=purpose,
        columns=["channel", "utm_source", "buyer"],
    )
    return text


def retarget_csv(*, run: StrategyRun) -> str:
    """The run's retargeting audience as CSV (``channel,utm_source,buyer``), holdout excluded."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["channel", "utm_source", "buyer"])
    channel = run.strategy.channel
    code, source = (channel.code, channel.utm_source) if channel is not None else ("", "")
    names = (
        StrategyTarget.objects.filter(run=run, is_holdout=False, outcome="listed")
        .order_by("buyer__username")
        .values_list("buyer__username", flat=True)
    )
    for name in names:
        writer.writerow([code, source, name])
    return out.getvalue()
