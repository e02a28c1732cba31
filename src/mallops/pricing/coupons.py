"""Writes for coupons: batches, issuing to buyers, claiming by code, redeeming, expiring (sweep).

Limits hold under concurrency: claiming locks the batch row (``SELECT ... FOR UPDATE``) before it counts
the buyer's coupons, and raises ``issued_count`` with a conditional UPDATE (``WHERE issued_count <
total_quantity``); redeeming is one conditional UPDATE (``WHERE status = 'unused'``), so two orders using
one coupon at once cannot both succeed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mallops.accounts.models import User
from mallops.accounts.roles import Kind, require_buyer
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.pricing.checks import blocking, check_texts
from mallops.pricing.errors import PricingCode
from mallops.pricing.models import Coupon, CouponBatch
from mallops.risk import flows as risk_flows
from mallops.risk.contracts import NO_CONTEXT, RiskContext


@dataclass
class BatchInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    total_quantity: int
    min_fen: int = 0
    off_fen: int | None = None
    percent: int | None = None
    max_off_fen: int | None = None
    skus: list[str] = field(default_factory=list)
    members_only: bool = False
    valid_days: int | None = None
    per_buyer_limit: int = 1
    style: str = "voucher"
    claim_code: str | None = None  # "" or None: no code; "auto": generate one


def _permission(merchant_id: int | None) -> str:
    return "promotion.manage" if merchant_id is None else "store.promotion.manage"


def _validate(data: BatchInput, platform: bool, now: datetime) -> list[FieldError]:
    errors: list[FieldError] = []

    def bad(name: str, msg: str) -> None:
        errors.append(FieldError(loc=("body", name), msg=msg))

    if not data.name.strip():
        bad("name", "must not be empty")
    if (data.off_fen is None) == (data.percent is None):
        bad("off_fen", "give exactly one of off_fen and percent")
    if data.off_fen is not None and data.off_fen < 1:
        bad("off_fen", "must be at least 1 fen")
    if data.percent is not None and not 1 <= data.percent <= 100:
        bad("percent", "must be 1..100")
    if data.max_off_fen is not None and (data.percent is None or data.max_off_fen < 1):
        bad("max_off_fen", "only a percent coupon has max_off_fen (at least 1 fen)")
    if data.min_fen < 0:
        bad("min_fen", "must not be negative")
    if data.ends_at <= data.starts_at:
        bad("ends_at", "must be after starts_at")
    if data.ends_at <= now:
        bad("ends_at", "must be in the future")
    if data.total_quantity < 1:
        bad("total_quantity", "must be at least 1")
    if data.per_buyer_limit < 1:
        bad("per_buyer_limit", "must be at least 1")
    if data.valid_days is not None and data.valid_days < 1:
        bad("valid_days", "must be at least 1")
    if data.style not in CouponBatch.Style.values:
        bad("style", "must be voucher or red_packet")
    if data.style == CouponBatch.Style.RED_PACKET and (not platform or data.min_fen or data.off_fen is None):
        bad("style", "a red packet is a platform coupon with a fixed amount and no threshold")
    code = (data.claim_code or "").strip()
    if code and code.lower() != "auto" and not (4 <= len(code) <= 32 and code.isascii() and code.isalnum()):
        bad("claim_code", "4-32 letters and digits")
    return errors


def _snapshot(batch: CouponBatch) -> dict[str, Any]:
    return {
        "status": batch.status,
        "issued_count": batch.issued_count,
        "total_quantity": batch.total_quantity,
    }


@transaction.atomic
def coupon_batch_create(*, actor: Actor, merchant_id: int | None, data: BatchInput) -> CouponBatch:
    require_permission(actor, _permission(merchant_id))
    now = timezone.now()
    errors = _validate(data, merchant_id is None, now)
    code = (data.claim_code or "").strip().upper()
    if code == "AUTO":
        code = secrets.token_hex(5).upper()
    if code and CouponBatch.objects.unscoped(reason="claim code uniqueness").filter(claim_code=code).exists():
        errors.append(FieldError(loc=("body", "claim_code"), msg="already in use", code="duplicate"))
    if errors:
        raise validation_error(errors)
    findings = check_texts([("name", data.name.strip())])
    blocked = blocking(findings)
    if blocked:
        raise DomainError(
            detail="The coupon batch cannot be created: "
            + "; ".join(f"{f.citation.text}: {f.message}" for f in blocked),
            code=PricingCode.COUPON_BATCH_BLOCKED,
            status=409,
            title="Blocked by pre-launch checks",
            extra={"findings": [f.as_dict() for f in findings]},
        )
    batch: CouponBatch = CouponBatch.objects.create(
        merchant_id=merchant_id,
        name=data.name.strip(),
        style=data.style,
        layer="platform" if merchant_id is None else "store",
        min_fen=data.min_fen,
        off_fen=data.off_fen,
        percent=data.percent,
        max_off_fen=data.max_off_fen,
        skus=[str(s) for s in data.skus],
        members_only=data.members_only,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        valid_days=data.valid_days,
        total_quantity=data.total_quantity,
        per_buyer_limit=data.per_buyer_limit,
        claim_code=code or None,
        created_by_id=actor.user_id,
    )
    audit_record(actor=actor, action="pricing.coupon_batch_create", obj=batch, after=_snapshot(batch))
    return batch


def _locked_batch(batch_id: int, merchant_id: int | None, actor: Actor) -> CouponBatch:
    if merchant_id is None:
        qs = CouponBatch.objects.for_platform(actor, "promotion.manage").filter(merchant__isnull=True)
    else:
        qs = CouponBatch.objects.for_merchant(merchant_id)
    batch: CouponBatch | None = qs.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise not_found("coupon batch")
    return batch


def batch_input_from(batch: CouponBatch) -> BatchInput:
    """The terms of ``batch`` as an input (a partial edit starts from it; the claim code is kept)."""
    return BatchInput(
        name=batch.name,
        starts_at=batch.starts_at,
        ends_at=batch.ends_at,
        total_quantity=batch.total_quantity,
        min_fen=batch.min_fen,
        off_fen=batch.off_fen,
        percent=batch.percent,
        max_off_fen=batch.max_off_fen,
        skus=list(batch.skus),
        members_only=batch.members_only,
        valid_days=batch.valid_days,
        per_buyer_limit=batch.per_buyer_limit,
        style=batch.style,
        claim_code=None,
    )


def _batch_terms(batch: CouponBatch) -> dict[str, Any]:
    return {
        **_snapshot(batch),
        "name": batch.name,
        "min_fen": batch.min_fen,
        "off_fen": batch.off_fen,
        "percent": batch.percent,
        "max_off_fen": batch.max_off_fen,
        "starts_at": batch.starts_at.isoformat(),
        "ends_at": batch.ends_at.isoformat(),
        "valid_days": batch.valid_days,
        "per_buyer_limit": batch.per_buyer_limit,
        "claim_code": batch.claim_code,
    }


@transaction.atomic
def coupon_batch_update(
    *, actor: Actor, merchant_id: int | None, batch_id: int, data: BatchInput
) -> CouponBatch:
    """Replace the terms of a batch nobody holds yet (``issued_count`` 0: nothing has been promised to a
    buyer, so the batch is still a draft). Locks the row; 404 outside the actor's scope, 409
    ``coupon_batch_issued`` once a coupon was issued, ``coupon_batch_cancelled`` after a stop, 422 and
    409 ``coupon_batch_blocked`` as ``coupon_batch_create``. ``claim_code`` None keeps the current code."""
    require_permission(actor, _permission(merchant_id))
    batch = _locked_batch(batch_id, merchant_id, actor)
    if batch.status == CouponBatch.Status.CANCELLED:
        raise conflict("The batch is cancelled.", code=PricingCode.COUPON_BATCH_CANCELLED)
    if batch.issued_count:
        raise conflict(
            "Coupons of this batch have been issued: its terms can no longer change.",
            code=PricingCode.COUPON_BATCH_ISSUED,
        )
    now = timezone.now()
    errors = _validate(data, merchant_id is None, now)
    code = batch.claim_code or ""
    if data.claim_code is not None:
        code = data.claim_code.strip().upper()
        if code == "AUTO":
            code = secrets.token_hex(5).upper()
    taken = CouponBatch.objects.unscoped(reason="claim code uniqueness").filter(claim_code=code)
    if code and taken.exclude(pk=batch.pk).exists():
        errors.append(FieldError(loc=("body", "claim_code"), msg="already in use", code="duplicate"))
    if errors:
        raise validation_error(errors)
    findings = check_texts([("name", data.name.strip())])
    blocked = blocking(findings)
    if blocked:
        raise DomainError(
            detail="The coupon batch cannot be saved: "
            + "; ".join(f"{f.citation.text}: {f.message}" for f in blocked),
            code=PricingCode.COUPON_BATCH_BLOCKED,
            status=409,
            title="Blocked by pre-launch checks",
            extra={"findings": [f.as_dict() for f in findings]},
        )
    before = _batch_terms(batch)
    batch.name = data.name.strip()
    batch.style = data.style
    batch.min_fen = data.min_fen
    batch.off_fen = data.off_fen
    batch.percent = data.percent
    batch.max_off_fen = data.max_off_fen
    batch.skus = [str(s) for s in data.skus]
    batch.members_only = data.members_only
    batch.starts_at = data.starts_at
    batch.ends_at = data.ends_at
    batch.valid_days = data.valid_days
    batch.total_quantity = data.total_quantity
    batch.per_buyer_limit = data.per_buyer_limit
    batch.claim_code = code or None
    batch.save()
    audit_record(
        actor=actor,
        action="pricing.coupon_batch_update",
        obj=batch,
        before=before,
        after=_batch_terms(batch),
    )
    return batch


@transaction.atomic
def coupon_batch_cancel(*, actor: Actor, merchant_id: int | None, batch_id: int) -> CouponBatch:
    """Stop issuing; coupons already held stay valid (an announced offer is honoured)."""
    require_permission(actor, _permission(merchant_id))
    batch = _locked_batch(batch_id, merchant_id, actor)
    before = _snapshot(batch)
    if batch.status == CouponBatch.Status.CANCELLED:
        raise conflict("The batch is already cancelled.", code=PricingCode.COUPON_BATCH_CANCELLED)
    batch.status = CouponBatch.Status.CANCELLED
    batch.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="pricing.coupon_batch_cancel",
        obj=batch,
        before=before,
        after=_snapshot(batch),
    )
    return batch


def _issue(batch: CouponBatch, buyer: User, now: datetime) -> Coupon:
    """Issue one coupon of the locked ``batch`` to ``buyer`` or raise 409."""
    if batch.status != CouponBatch.Status.ACTIVE:
        raise conflict("The coupon batch is not active.", code=PricingCode.COUPON_BATCH_CANCELLED)
    if now >= batch.ends_at:
        raise conflict("The coupon batch has ended.", code=PricingCode.COUPON_BATCH_ENDED)
    held = Coupon.objects.for_buyer(buyer.pk).filter(batch_id=batch.pk).count()
    if held >= batch.per_buyer_limit:
        raise conflict(
            "This buyer already holds as many of these coupons as allowed.",
            code=PricingCode.COUPON_LIMIT_REACHED,
        )
    rows = (
        CouponBatch.objects.unscoped(reason="issue a coupon")
        .filter(pk=batch.pk, issued_count__lt=F("total_quantity"))
        .update(issued_count=F("issued_count") + 1)
    )
    if rows != 1:
        raise conflict("All coupons of this batch have been issued.", code=PricingCode.COUPON_BATCH_EXHAUSTED)
    valid_from = max(now, batch.starts_at)
    expires = batch.ends_at
    if batch.valid_days is not None:
        expires = min(expires, valid_from + timedelta(days=batch.valid_days))
    coupon: Coupon = Coupon.objects.create(
        batch=batch,
        merchant_id=batch.merchant_id,
        buyer=buyer,
        claimed_at=now,
        valid_from=valid_from,
        expires_at=expires,
        expires_due_at=expires,
    )
    return coupon


def coupon_claim(*, buyer: Any, code: str, context: RiskContext = NO_CONTEXT, request: Any = None) -> Coupon:
    """A buyer claims one coupon with a batch's claim code.

    Risk control assesses the claim first, in its own transaction (so a refused claim still counts as
    an attempt): a ``block`` refuses with 403 ``risk_blocked`` and issues nothing, a ``review`` issues
    and queues the claim for the analysts. Then the batch row is locked and the coupon issued in one
    transaction. Must not be called inside another transaction.
    """
    require_buyer(buyer)  # 403 buyer_only (once buyers_only, issue 16)
    code = code.strip().upper()
    batch_id = CouponBatch.objects.claimable_by_code(code).values_list("pk", flat=True).first()
    if batch_id is None:
        raise not_found("coupon code")
    risk_flows.coupon_claim_assess(buyer_id=buyer.pk, batch_id=batch_id, context=context)
    return _claim(buyer=buyer, code=code, batch_id=batch_id, request=request)


@transaction.atomic
def _claim(*, buyer: Any, code: str, batch_id: int, request: Any) -> Coupon:
    batch: CouponBatch | None = (
        CouponBatch.objects.claimable_by_code(code).filter(pk=batch_id).select_for_update().first()
    )
    if batch is None:
        raise not_found("coupon code")
    now = timezone.now()
    coupon = _issue(batch, buyer, now)
    audit_record(
        actor=buyer,
        action="pricing.coupon_claim",
        obj=coupon,
        after={"batch": batch.pk, "status": coupon.status},
        request=request,
    )
    return coupon


NO_CONSENT = "no_marketing_consent"
NO_CONSENT_REASON = "未同意营销信息推送（或已撤回同意），按《个人信息保护法》第十三至十五条跳过"


@dataclass(frozen=True)
class IssueResult:
    issued: list[int]
    refused: dict[str, str]  # username → reason code
    no_consent: int = 0  # buyers skipped for want of marketing consent (also in ``refused``)


@transaction.atomic
def coupons_issue(
    *, actor: Actor, merchant_id: int | None, batch_id: int, usernames: list[str]
) -> IssueResult:
    """Issue one coupon to each listed buyer (platform operations, or a merchant to its buyers).

    A buyer without marketing consent (``dsr`` consent, as for a segment issue) is skipped: refused with
    ``no_marketing_consent`` and counted in ``no_consent``; an unknown name is refused ``not_a_buyer``.
    """
    require_permission(actor, _permission(merchant_id))
    if not usernames or len(usernames) > 1000:
        raise validation_error([FieldError(loc=("body", "buyers"), msg="give 1 to 1000 buyer usernames")])
    batch = _locked_batch(batch_id, merchant_id, actor)
    buyers = {
        u.username: u for u in User.objects.filter(username__in=usernames, kind=Kind.BUYER, is_active=True)
    }
    # consent binds as for a segment issue: a coupon sent to a named buyer is marketing (PIPL Art. 13-15)
    from mallops.pricing.audiences import marketing_consenting

    consenting = marketing_consenting([u.pk for u in buyers.values()])
    now = timezone.now()
    issued: list[int] = []
    refused: dict[str, str] = {}
    for name in dict.fromkeys(usernames):
        buyer = buyers.get(name)
        if buyer is None:
            refused[name] = "not_a_buyer"
            continue
        if buyer.pk not in consenting:
            refused[name] = NO_CONSENT
            continue
        try:
            with transaction.atomic():
                issued.append(_issue(batch, buyer, now).pk)
        except DomainError as exc:
            refused[name] = exc.code
    no_consent = sum(1 for reason in refused.values() if reason == NO_CONSENT)
    batch.refresh_from_db(fields=["issued_count"])
    audit_record(
        actor=actor,
        action="pricing.coupons_issue",
        obj=batch,
        after={
            "issued": len(issued),
            "refused": len(refused),
            "no_consent": no_consent,
            "issued_count": batch.issued_count,
        },
    )
    return IssueResult(issued=issued, refused=refused, no_consent=no_consent)


@dataclass(frozen=True)
class Audience:
    """Buyers an app above pricing chose for a coupon issue (analytics: an RFM segment), in issue order,
    and what the issue's audit event says about how they were chosen."""

    buyer_ids: list[int]
    audit: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AudienceIssue:
    issued: list[int]  # new coupon ids
    already: int  # buyers who already held a coupon of the batch
    refused: dict[str, int]  # reason code -> buyers
    issued_count: int  # the batch's issued count after the issue


_BATCH_REFUSALS = (
    PricingCode.COUPON_BATCH_EXHAUSTED,
    PricingCode.COUPON_BATCH_CANCELLED,
    PricingCode.COUPON_BATCH_ENDED,
)


@transaction.atomic
def coupons_issue_audience(
    *,
    actor: Actor,
    merchant_id: int | None,
    batch_id: int,
    audience: Callable[[], Audience],
    action: str,
) -> AudienceIssue:
    """Issue one coupon of the batch to each buyer of ``audience`` who holds none of it yet.

    Pricing owns the issue, not the choice of buyers: ``audience`` is called once the permission is
    checked (403) and the batch locked in the actor's scope (404), so it may refuse with its own 422 and
    reads nothing for a caller who may not issue. A buyer who already holds a coupon of the batch is
    skipped (issuing twice issues nothing new); once the batch itself refuses (exhausted, cancelled,
    ended) every later buyer is refused the same way. One audit event ``action`` with the audience's
    ``audit`` facts and the counts.
    """
    require_permission(actor, _permission(merchant_id))
    batch = _locked_batch(batch_id, merchant_id, actor)
    chosen = audience()
    holders = set(
        Coupon.objects.unscoped(reason="who already holds a coupon of this batch")
        .filter(batch_id=batch.pk)
        .values_list("buyer_id", flat=True)
    )
    buyers = {u.pk: u for u in User.objects.filter(pk__in=chosen.buyer_ids, kind=Kind.BUYER, is_active=True)}
    issued: list[int] = []
    already = 0
    refused: dict[str, int] = {}
    now = timezone.now()
    stopped = ""  # set when the batch itself refuses
    for buyer_id in chosen.buyer_ids:
        buyer = buyers.get(buyer_id)
        if buyer is None:
            continue
        if buyer_id in holders:
            already += 1
            continue
        if stopped:
            refused[stopped] = refused.get(stopped, 0) + 1
            continue
        try:
            with transaction.atomic():
                issued.append(_issue(batch, buyer, now).pk)
        except DomainError as exc:
            refused[exc.code] = refused.get(exc.code, 0) + 1
            if exc.code in _BATCH_REFUSALS:
                stopped = exc.code
    batch.refresh_from_db(fields=["issued_count"])
    audit_record(
        actor=actor,
        action=action,
        obj=batch,
        merchant_id=merchant_id,
        after={
            **chosen.audit,
            "issued": len(issued),
            "already": already,
            "refused": refused,
            "issued_count": batch.issued_count,
        },
    )
    return AudienceIssue(issued=issued, already=already, refused=refused, issued_count=batch.issued_count)


@transaction.atomic
def coupons_grant_benefit(*, batch_id: int, buyer_id: int, count: int, now: datetime) -> list[int]:
    """Issue up to ``count`` coupons of the platform batch ``batch_id`` to a buyer as a benefit the buyer
    holds (a membership tier's coupons; system actor). No marketing-consent check: handing over what the
    membership promises performs the buyer's contract (PIPL Art. 13(1)(2)), it is not marketing. Locks the
    batch; stops at the first refusal (inactive, ended, exhausted, per-buyer limit). Returns the coupon ids;
    the caller records the audit event.
    """
    batch: CouponBatch | None = (
        CouponBatch.objects.unscoped(reason="member benefit coupons")
        .filter(pk=batch_id, merchant__isnull=True)
        .select_for_update()
        .first()
    )
    buyer = User.objects.filter(pk=buyer_id, kind=Kind.BUYER, is_active=True).first()
    if batch is None or buyer is None or count < 1:
        return []
    issued: list[int] = []
    for _n in range(count):
        try:
            with transaction.atomic():
                issued.append(_issue(batch, buyer, now).pk)
        except DomainError:
            break
    return issued


@transaction.atomic
def coupon_redeem(*, buyer_id: int, coupon_id: int, order_ref: str) -> Coupon:
    """Use a coupon for an order: one conditional UPDATE, so concurrent orders cannot both use it."""
    now = timezone.now()
    updated = (
        Coupon.objects.for_buyer(buyer_id)
        .filter(pk=coupon_id, status=Coupon.Status.UNUSED, valid_from__lte=now, expires_at__gt=now)
        .update(status=Coupon.Status.USED, used_at=now, order_ref=order_ref, expires_due_at=None)
    )
    if updated != 1:
        if not Coupon.objects.for_buyer(buyer_id).filter(pk=coupon_id).exists():
            raise not_found("coupon")
        raise conflict("The coupon is used, expired or not yet valid.", code=PricingCode.COUPON_UNAVAILABLE)
    coupon: Coupon = Coupon.objects.for_buyer(buyer_id).get(pk=coupon_id)
    audit_record(
        actor=None,
        action="pricing.coupon_redeem",
        obj=coupon,
        after={"status": "used", "order_ref": order_ref},
    )
    return coupon


def coupon_expire_due(coupon: Coupon, now: datetime) -> None:
    """Sweep handler: an unused coupon past its expiry becomes expired; any other leaves the due set."""
    if coupon.status == Coupon.Status.UNUSED and coupon.expires_at <= now:
        coupon.status = Coupon.Status.EXPIRED
    coupon.expires_due_at = None
    coupon.save(update_fields=["status", "expires_due_at"])
