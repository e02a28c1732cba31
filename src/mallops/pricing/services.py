"""Writes for promotions: create, check, launch, cancel, advance (sweep), redeem, observe prices.

Status table: ``mallops.pricing.models.PROMOTION_TRANSITIONS``. Launch runs the pre-launch checks
(``mallops.pricing.checks``) and refuses with 409 ``promotion_blocked`` listing the findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mallops.accounts.models import Merchant
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.pricing import rulestext
from mallops.pricing.adapters import ObservationHistory, promotion_facts
from mallops.pricing.checks import ACTIVE_STATUSES, Finding, blocking, check_promotion
from mallops.pricing.errors import PricingCode
from mallops.pricing.facts import ITEM_KINDS, KINDS
from mallops.pricing.models import (
    PROMOTION_TRANSITIONS,
    Membership,
    PriceObservation,
    Promotion,
    PromotionStatus,
    PromotionUse,
)


@dataclass
class PromotionInput:
    name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    percent: int = 0
    amount_fen: int = 0
    n: int = 0
    tiers: list[dict[str, int]] = field(default_factory=list)
    repeat: bool = False
    cap_fen: int | None = None
    min_qty: int = 0
    with_coupons: bool = True
    members_only: bool = False
    time_limited: bool = False
    skus: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    merchants: list[int] = field(default_factory=list)
    sku_prices: list[dict[str, Any]] = field(default_factory=list)
    per_buyer_limit: int | None = None
    total_limit: int | None = None
    budget_fen: int | None = None
    description: str = ""
    rules_text: str | None = None  # None: generated from the promotion


def _loc(name: str, *rest: str | int) -> tuple[str | int, ...]:
    return ("body", name, *rest)


def _validate(data: PromotionInput, *, platform: bool, now: datetime) -> list[FieldError]:
    errors: list[FieldError] = []

    def bad(loc: tuple[str | int, ...], msg: str) -> None:
        errors.append(FieldError(loc=loc, msg=msg))

    if not data.name.strip():
        bad(_loc("name"), "must not be empty")
    if data.kind not in KINDS:
        bad(_loc("kind"), f"must be one of {', '.join(KINDS)}")
        return errors
    if data.ends_at <= data.starts_at:
        bad(_loc("ends_at"), "must be after starts_at")
    if data.ends_at <= now:
        bad(_loc("ends_at"), "must be in the future")
    if data.kind in {"percent_off", "nth_item", "multi_buy"} and not 1 <= data.percent <= 100:
        bad(_loc("percent"), "must be 1..100")
    if data.kind == "amount_off" and data.amount_fen < 1:
        bad(_loc("amount_fen"), "must be at least 1 fen")
    if data.kind == "nth_item" and data.n < 2:
        bad(_loc("n"), "must be at least 2")
    if data.kind == "multi_buy":
        if platform:
            bad(_loc("kind"), "multi_buy is a store promotion")
        if data.min_qty < 1:
            bad(_loc("min_qty"), "must be at least 1")
    if data.kind == "threshold":
        if not data.tiers:
            bad(_loc("tiers"), "a threshold promotion needs at least one tier")
        mins = [t.get("min", 0) for t in data.tiers]
        if len(set(mins)) != len(mins):
            bad(_loc("tiers"), "tiers need distinct min values")
        for i, tier in enumerate(data.tiers):
            if tier.get("min", 0) < 1 or tier.get("off", 0) < 1 or tier.get("off", 0) > tier.get("min", 0):
                bad(_loc("tiers", i), "needs 1 <= off <= min")
        if data.repeat and len(data.tiers) != 1:
            bad(_loc("tiers"), "a repeating threshold has exactly one tier")
    if data.cap_fen is not None and not (data.kind == "threshold" and data.repeat):
        bad(_loc("cap_fen"), "only a repeating threshold has a cap")
    if data.cap_fen is not None and data.cap_fen < 1:
        bad(_loc("cap_fen"), "must be at least 1 fen")
    if data.merchants and not platform:
        bad(_loc("merchants"), "only platform promotions name participating merchants")
    for i, sp in enumerate(data.sku_prices):
        if not str(sp.get("sku", "")).strip():
            bad(_loc("sku_prices", i, "sku"), "must not be empty")
        price = sp.get("price_fen")
        if not isinstance(price, int) or price < 1:
            bad(_loc("sku_prices", i, "price_fen"), "must be a positive integer")
        ref = sp.get("reference_price_fen")
        if ref is not None and (not isinstance(ref, int) or ref < 1):
            bad(_loc("sku_prices", i, "reference_price_fen"), "must be a positive integer")
    for name in ("per_buyer_limit", "total_limit", "budget_fen"):
        value = getattr(data, name)
        if value is not None and value < 1:
            bad(_loc(name), "must be at least 1")
    return errors


def _layer(kind: str, platform: bool) -> str:
    if kind in ITEM_KINDS:
        return "item"
    if kind == "threshold" and platform:
        return "platform"
    return "store"


def _permission(merchant_id: int | None) -> str:
    return "promotion.manage" if merchant_id is None else "store.promotion.manage"


def _snapshot(row: Promotion) -> dict[str, Any]:
    return {"status": row.status, "name": row.name, "kind": row.kind, "layer": row.layer}


def merchant_names(row: Promotion) -> dict[int, str]:
    ids = set(row.merchants) | ({row.merchant_id} if row.merchant_id else set())
    return dict(Merchant.objects.filter(pk__in=ids).values_list("pk", "name"))


def _apply(row: Promotion, data: PromotionInput, merchant_id: int | None) -> None:
    """Copy the validated ``data`` onto ``row`` (create and draft edit share it); rules generated when
    ``data.rules_text`` is None."""
    row.name = data.name.strip()
    row.kind = data.kind
    row.layer = _layer(data.kind, merchant_id is None)
    row.percent = data.percent
    row.amount_fen = data.amount_fen
    row.n = data.n
    row.tiers = [{"min": int(t["min"]), "off": int(t["off"])} for t in data.tiers]
    row.repeat = data.repeat
    row.cap_fen = data.cap_fen
    row.min_qty = data.min_qty
    row.with_coupons = data.with_coupons
    row.members_only = data.members_only
    row.time_limited = data.time_limited
    row.starts_at = data.starts_at
    row.ends_at = data.ends_at
    row.skus = [str(s) for s in data.skus]
    row.categories = [str(c) for c in data.categories]
    row.merchants = sorted({int(m) for m in data.merchants})
    row.sku_prices = [
        {
            "sku": str(sp["sku"]),
            "price_fen": sp["price_fen"],
            "reference_price_fen": sp.get("reference_price_fen"),
        }
        for sp in data.sku_prices
    ]
    row.per_buyer_limit = data.per_buyer_limit
    row.total_limit = data.total_limit
    row.budget_fen = data.budget_fen
    row.description = data.description.strip()
    names = merchant_names(row)
    if data.rules_text is None:
        row.rules_text = rulestext.generate(promotion_facts(row, names.get(merchant_id or 0, "")), names).text
    else:
        row.rules_text = data.rules_text


def promotion_input_from(row: Promotion) -> PromotionInput:
    """The terms of ``row`` as an input (a partial edit starts from it). ``rules_text`` is None when the
    stored rules are the generated ones (or empty), so an edit regenerates them; a merchant's own wording
    is kept."""
    names = merchant_names(row)
    generated = rulestext.generate(promotion_facts(row, names.get(row.merchant_id or 0, "")), names).text
    return PromotionInput(
        name=row.name,
        kind=row.kind,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        percent=row.percent,
        amount_fen=row.amount_fen,
        n=row.n,
        tiers=[dict(t) for t in row.tiers],
        repeat=row.repeat,
        cap_fen=row.cap_fen,
        min_qty=row.min_qty,
        with_coupons=row.with_coupons,
        members_only=row.members_only,
        time_limited=row.time_limited,
        skus=list(row.skus),
        categories=list(row.categories),
        merchants=list(row.merchants),
        sku_prices=[dict(sp) for sp in row.sku_prices],
        per_buyer_limit=row.per_buyer_limit,
        total_limit=row.total_limit,
        budget_fen=row.budget_fen,
        description=row.description,
        rules_text=None if row.rules_text.strip() in ("", generated.strip()) else row.rules_text,
    )


def _terms(row: Promotion) -> dict[str, Any]:
    """What a draft edit may change, for the audit event's before and after."""
    return {
        **_snapshot(row),
        "percent": row.percent,
        "amount_fen": row.amount_fen,
        "n": row.n,
        "tiers": row.tiers,
        "repeat": row.repeat,
        "cap_fen": row.cap_fen,
        "min_qty": row.min_qty,
        "starts_at": row.starts_at.isoformat(),
        "ends_at": row.ends_at.isoformat(),
        "skus": row.skus,
        "categories": row.categories,
        "merchants": row.merchants,
        "sku_prices": row.sku_prices,
        "per_buyer_limit": row.per_buyer_limit,
        "total_limit": row.total_limit,
        "budget_fen": row.budget_fen,
        "rules_text": row.rules_text,
    }


@transaction.atomic
def promotion_create(*, actor: Actor, merchant_id: int | None, data: PromotionInput) -> Promotion:
    """A draft promotion of ``merchant_id`` (None: a platform promotion)."""
    require_permission(actor, _permission(merchant_id))
    now = timezone.now()
    errors = _validate(data, platform=merchant_id is None, now=now)
    if errors:
        raise validation_error(errors)
    row = Promotion(merchant_id=merchant_id, created_by_id=actor.user_id or 0)
    _apply(row, data, merchant_id)
    row.save()
    if merchant_id is not None:
        for sp in row.sku_prices:
            _observe(merchant_id, sp["sku"], sp["price_fen"], now, "promotion")
    audit_record(actor=actor, action="pricing.promotion_create", obj=row, after=_snapshot(row))
    return row


@transaction.atomic
def promotion_update(
    *, actor: Actor, merchant_id: int | None, promotion_id: int, data: PromotionInput
) -> Promotion:
    """Replace the terms of a draft (``merchant_id`` None: a platform draft). Locks the row; 404 for a
    promotion outside the actor's scope, 409 ``promotion_not_draft`` once it was launched or cancelled,
    422 as ``promotion_create``. The findings are not stored: they are re-run at launch."""
    require_permission(actor, _permission(merchant_id))
    row = _locked(promotion_id, merchant_id, actor)
    if row.status != PromotionStatus.DRAFT:
        raise conflict(
            f"Only a draft can be edited (this one is {row.status}).",
            code=PricingCode.PROMOTION_NOT_DRAFT,
            current_status=row.status,
        )
    now = timezone.now()
    errors = _validate(data, platform=merchant_id is None, now=now)
    if errors:
        raise validation_error(errors)
    before = _terms(row)
    _apply(row, data, merchant_id)
    row.save()
    if merchant_id is not None:
        for sp in row.sku_prices:
            _observe(merchant_id, sp["sku"], sp["price_fen"], now, "promotion")
    audit_record(
        actor=actor,
        action="pricing.promotion_update",
        obj=row,
        before=before,
        after=_terms(row),
    )
    return row


def _observe(merchant_id: int, sku: str, price_fen: int, at: datetime, source: str) -> None:
    last = (
        PriceObservation.objects.for_merchant(merchant_id)
        .filter(sku=sku, observed_at__lte=at)
        .order_by("-observed_at", "-pk")
        .first()
    )
    if last is None or last.price_fen != price_fen:
        PriceObservation.objects.create(
            merchant_id=merchant_id, sku=sku, price_fen=price_fen, observed_at=at, source=source
        )


@transaction.atomic
def price_observation_record(
    *, merchant_id: int, sku: str, price_fen: int, at: datetime | None = None, source: str = "listing"
) -> None:
    """Record a SKU's price from ``at`` on (catalogue price changes and paid order lines call this)."""
    if price_fen < 1 or not sku:
        raise validation_error([FieldError(loc=("body", "price_fen"), msg="must be a positive integer")])
    _observe(merchant_id, sku, price_fen, at or timezone.now(), source)


def _others(row: Promotion) -> list[Promotion]:
    if row.merchant_id is not None:
        qs = Promotion.objects.for_merchant(row.merchant_id)
    else:
        qs = Promotion.objects.unscoped(reason="overlap check of platform promotions").filter(
            merchant__isnull=True
        )
    return list(qs.filter(layer=row.layer, status__in=ACTIVE_STATUSES).exclude(pk=row.pk))


def promotion_findings(row: Promotion) -> list[Finding]:
    """Run the pre-launch checks on ``row`` against the live and scheduled promotions and price history."""
    names = merchant_names(row)
    facts = promotion_facts(row, names.get(row.merchant_id or 0, ""))
    return check_promotion(
        facts,
        others=[promotion_facts(o) for o in _others(row)],
        history=ObservationHistory(row.merchant_id),
        merchant_names=names,
        now=timezone.now(),
    )


def promotion_preview(
    *, actor: Actor, merchant_id: int | None, data: PromotionInput, promotion_id: int | None = None
) -> list[Finding]:
    """The pre-launch findings ``data`` would get, without writing anything (the console's "check"
    button). ``promotion_id`` names the draft being edited (so it does not overlap itself). 422 as
    ``promotion_create``."""
    require_permission(actor, _permission(merchant_id))
    errors = _validate(data, platform=merchant_id is None, now=timezone.now())
    if errors:
        raise validation_error(errors)
    row = Promotion(pk=promotion_id, merchant_id=merchant_id, created_by_id=actor.user_id or 0)
    _apply(row, data, merchant_id)
    return promotion_findings(row)


def _transition(row: Promotion, to: str) -> None:
    if (row.status, to) not in PROMOTION_TRANSITIONS:
        raise conflict(
            f"A {row.status} promotion cannot become {to}.",
            code=PricingCode.PROMOTION_BAD_TRANSITION,
            current_status=row.status,
        )
    row.status = to


def _locked(promotion_id: int, merchant_id: int | None, actor: Actor) -> Promotion:
    if merchant_id is None:
        qs = Promotion.objects.for_platform(actor, "promotion.manage").filter(merchant__isnull=True)
    else:
        qs = Promotion.objects.for_merchant(merchant_id)
    row: Promotion | None = qs.select_for_update().filter(pk=promotion_id).first()
    if row is None:
        raise not_found("promotion")
    return row


@transaction.atomic
def promotion_launch(*, actor: Actor, merchant_id: int | None, promotion_id: int) -> Promotion:
    """Check and launch a draft: scheduled before its start, live after. 409 with the findings if blocked."""
    require_permission(actor, _permission(merchant_id))
    row = _locked(promotion_id, merchant_id, actor)
    before = _snapshot(row)
    now = timezone.now()
    if row.status != PromotionStatus.DRAFT:
        raise conflict(
            f"Only a draft can be launched (this one is {row.status}).",
            code=PricingCode.PROMOTION_BAD_TRANSITION,
        )
    if row.ends_at <= now:
        raise conflict("The promotion has already ended.", code=PricingCode.PROMOTION_BAD_TRANSITION)
    findings = promotion_findings(row)
    blocked = blocking(findings)
    if blocked:
        raise DomainError(
            detail="The promotion cannot go live: "
            + "; ".join(f"{f.citation.text}: {f.message}" for f in blocked),
            code=PricingCode.PROMOTION_BLOCKED,
            status=409,
            title="Blocked by pre-launch checks",
            extra={"findings": [f.as_dict() for f in findings]},
        )
    live = row.starts_at <= now
    _transition(row, PromotionStatus.LIVE if live else PromotionStatus.SCHEDULED)
    row.status_due_at = row.ends_at if live else row.starts_at
    row.findings = [f.as_dict() for f in findings]
    row.launched_at = now
    row.save(update_fields=["status", "status_due_at", "findings", "launched_at"])
    audit_record(
        actor=actor,
        action="pricing.promotion_launch",
        obj=row,
        before=before,
        after=_snapshot(row),
    )
    return row


@transaction.atomic
def promotion_cancel(*, actor: Actor, merchant_id: int | None, promotion_id: int) -> Promotion:
    require_permission(actor, _permission(merchant_id))
    row = _locked(promotion_id, merchant_id, actor)
    before = _snapshot(row)
    _transition(row, PromotionStatus.CANCELLED)
    row.status_due_at = None
    row.save(update_fields=["status", "status_due_at"])
    audit_record(
        actor=actor,
        action="pricing.promotion_cancel",
        obj=row,
        before=before,
        after=_snapshot(row),
    )
    return row


def promotion_advance_due(row: Promotion, now: datetime) -> None:
    """Sweep handler: scheduled → live at the start, live (or never started) → ended at the end."""
    before = _snapshot(row)
    if row.status in ACTIVE_STATUSES and row.ends_at <= now:
        _transition(row, PromotionStatus.ENDED)
        row.status_due_at = None
    elif row.status == PromotionStatus.SCHEDULED and row.starts_at <= now:
        _transition(row, PromotionStatus.LIVE)
        row.status_due_at = row.ends_at
    elif row.status == PromotionStatus.SCHEDULED:
        row.status_due_at = row.starts_at
    elif row.status == PromotionStatus.LIVE:
        row.status_due_at = row.ends_at
    else:
        row.status_due_at = None
    row.save(update_fields=["status", "status_due_at"])
    if before["status"] != row.status:
        audit_record(
            actor=None, action="pricing.promotion_advance", obj=row, before=before, after=_snapshot(row)
        )


@transaction.atomic
def promotion_redeem(*, promotion_id: int, buyer_id: int, order_ref: str, discount_fen: int) -> PromotionUse:
    """Count one use of a live promotion by an order; the per-buyer and total limits and the budget hold
    under concurrency (row lock, then a conditional UPDATE). 409 ``promotion_exhausted`` otherwise."""
    qs = Promotion.objects.unscoped(reason="order redeems a promotion")
    row: Promotion | None = qs.select_for_update().filter(pk=promotion_id).first()
    if row is None:
        raise not_found("promotion")
    now = timezone.now()
    if row.status != PromotionStatus.LIVE or not row.starts_at <= now < row.ends_at:
        raise conflict("The promotion is not live.", code=PricingCode.PROMOTION_NOT_LIVE)
    uses = PromotionUse.objects.unscoped(reason="per-buyer limit").filter(promotion_id=row.pk)
    if row.per_buyer_limit is not None and uses.filter(buyer_id=buyer_id).count() >= row.per_buyer_limit:
        raise conflict(
            "This buyer has used the promotion as often as allowed.", code=PricingCode.PROMOTION_EXHAUSTED
        )
    cond = Q(pk=row.pk)
    if row.total_limit is not None:
        cond &= Q(used_count__lt=row.total_limit)
    if row.budget_fen is not None:
        cond &= Q(spent_fen__lte=row.budget_fen - discount_fen)
    updated = qs.filter(cond).update(used_count=F("used_count") + 1, spent_fen=F("spent_fen") + discount_fen)
    if updated != 1:
        raise conflict("The promotion's quantity or budget is used up.", code=PricingCode.PROMOTION_EXHAUSTED)
    row.refresh_from_db(fields=["used_count", "spent_fen"])
    if row.total_limit is not None and row.used_count >= row.total_limit:
        before = _snapshot(row)
        _transition(row, PromotionStatus.ENDED)
        row.status_due_at = None
        row.save(update_fields=["status", "status_due_at"])
        audit_record(
            actor=None, action="pricing.promotion_sold_out", obj=row, before=before, after=_snapshot(row)
        )
    use: PromotionUse = PromotionUse.objects.create(
        promotion=row,
        merchant_id=row.merchant_id,
        buyer_id=buyer_id,
        order_ref=order_ref,
        discount_fen=discount_fen,
        used_at=now,
    )
    return use


def platform_membership_level_sync(
    *, buyer_id: int, level: str | None, is_managed: Callable[[str], bool], now: datetime
) -> None:
    """Make ``level`` the level of the buyer's active platform membership, opening one (granted by the
    buyer, from ``now``) when there is none; with ``level`` None, revoke the active one only when
    ``is_managed(its level)`` (a level the caller manages: a membership granted by hand keeps).

    The membership app keeps its tiers here (the quote reads the level from this row). Call inside the
    caller's transaction: it locks the active row. Not audited here: the caller audits the tier change."""
    row = (
        Membership.objects.for_buyer(buyer_id)
        .select_for_update()
        .filter(merchant__isnull=True, status=Membership.Status.ACTIVE)
        .first()
    )
    if level is None:
        if row is not None and is_managed(row.level):
            row.status = Membership.Status.REVOKED
            row.save(update_fields=["status", "updated_at"])
        return
    if row is None:
        row = Membership(buyer_id=buyer_id, valid_from=now, granted_by_id=buyer_id)
    row.level = level
    row.save()
