"""Targeted campaigns (R4.2.1, R1.4.1): audience + offer + message + channel + schedule.

``campaign_create`` keeps a draft; ``campaign_approve`` is a second person's (four eyes): the message and
the offer's text pass the compliance engine, a ``block`` finding refuses (422 ``compliance_blocked``, each
blocking span with its cited article), ``review`` findings need ``acknowledge_findings``;
``campaign_launch`` checks the texts again (a rule pack may have changed since) and schedules the campaign,
or starts it when its start has come; ``campaigns_sweep`` (Huey, every five minutes) starts scheduled
campaigns whose time has come and finishes running ones past their end (a scheduled one whose whole window
passed while the worker was down finishes without delivering late).

Starting a campaign resolves its audience (:mod:`.audience`: buyers without marketing consent are dropped
first and never reach a delivery row), puts a deterministic holdout aside (a row with nothing delivered),
issues the coupon offer through ``pricing.coupons.coupons_issue`` (which checks consent again) and records
one notification per reached buyer (``CampaignDelivery``; nothing is sent outside the platform).
Every write needs ``promotion.manage`` and records an audit event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.services import require_any_permission, require_permission
from mallops.analytics.segments import SEGMENTS
from mallops.audit.services import audit_record, audited
from mallops.compliance.engine import check_text
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, validation_error
from mallops.marketing import audience
from mallops.marketing.errors import MarketingCode
from mallops.marketing.models import Campaign, CampaignDelivery, Channel
from mallops.marketing.tags import TARGETING
from mallops.marketing.targeting import OrderFact, Results, results
from mallops.membership.selectors import tiers
from mallops.orders.selectors import paid_order_facts
from mallops.pricing.coupons import coupons_issue
from mallops.pricing.selectors import platform_batches, platform_promotions

logger = logging.getLogger(__name__)

PERMISSION: Final = "promotion.manage"
SCOPE: Final = "campaign"
MAX_MESSAGE: Final = 500
ISSUE_CHUNK: Final = 1000  # coupons_issue takes at most 1000 names a call

S = Campaign.Status
TRANSITIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "approve": {S.DRAFT: (S.APPROVED,)},
    "launch": {S.APPROVED: (S.SCHEDULED, S.RUNNING)},
    "start": {S.SCHEDULED: (S.RUNNING,)},
    "finish": {S.SCHEDULED: (S.FINISHED,), S.RUNNING: (S.FINISHED,)},
}


def _not_found() -> DomainError:
    return DomainError(
        detail="No such campaign.", code=MarketingCode.CAMPAIGN_NOT_FOUND, status=404, title="Not found"
    )


def _locked(campaign_id: int) -> Campaign:
    row = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if row is None:
        raise _not_found()
    return row


def _move(campaign: Campaign, step: str, to: str) -> str:
    allowed = TRANSITIONS[step].get(campaign.status, ())
    if to not in allowed:
        raise conflict(
            "The campaign's status does not allow this step.",
            code=MarketingCode.CAMPAIGN_TRANSITION_NOT_ALLOWED,
        )
    before = campaign.status
    campaign.status = to
    return before


def offer_text(campaign: Campaign) -> str:
    """The offer's own words as buyers see them: the coupon batch's or the promotion's name."""
    offer = campaign.coupon_batch or campaign.promotion
    return str(offer.name) if offer is not None else ""


def campaign_findings(campaign: Campaign) -> list[dict[str, Any]]:
    """The compliance engine's findings on the message and the offer's text (read as descriptions)."""
    return [
        {
            "field": field,
            "rule": hit.rule,
            "start": hit.start,
            "end": hit.end,
            "text": hit.text,
            "basis": hit.basis,
            "severity": str(hit.severity),
        }
        for field, text in (("message", campaign.message), ("offer", offer_text(campaign)))
        for hit in check_text("description", text)
    ]


def _refuse_blocking(findings: list[dict[str, Any]]) -> None:
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking:
        raise DomainError(
            detail="The text breaks content rules and cannot be published.",
            code=MarketingCode.COMPLIANCE_BLOCKED,
            status=422,
            title="Validation failed",
            errors=[
                FieldError(("body", f["field"]), f"{f['text']}: {f['basis']}", "compliance_blocked")
                for f in blocking
            ],
            extra={"findings": findings},
        )


def _need_acknowledgement(findings: list[dict[str, Any]]) -> DomainError:
    return DomainError(
        detail="The approver must acknowledge the compliance findings.",
        code=MarketingCode.FINDINGS_NOT_ACKNOWLEDGED,
        status=422,
        title="Validation failed",
        errors=[FieldError(("body", "acknowledge_findings"), "must be true", "findings_not_acknowledged")],
        extra={"findings": findings},
    )


@dataclass(frozen=True)
class CampaignInput:
    name: str
    channel_id: int
    offer_kind: str
    message: str
    starts_at: datetime
    ends_at: datetime
    segment: str = ""
    tier_code: str = ""
    tags: tuple[str, ...] = ()
    coupon_batch_id: int | None = None
    promotion_id: int | None = None
    holdout_percent: int = 10
    message_cost_fen: int = 0


def _validate(actor: Actor, data: CampaignInput) -> list[FieldError]:
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError(("body", "name"), "Required.", "required"))
    if not data.message.strip():
        errors.append(FieldError(("body", "message"), "Required.", "required"))
    elif len(data.message) > MAX_MESSAGE:
        errors.append(FieldError(("body", "message"), "At most 500 characters.", "too_long"))
    if not (data.segment or data.tier_code or data.tags):
        errors.append(
            FieldError(("body", "segment"), "Choose a segment, a tier or tags for the audience.", "required")
        )
    if data.segment and data.segment not in SEGMENTS:
        errors.append(FieldError(("body", "segment"), "Unknown segment.", "choice"))
    if data.tier_code and not tiers().filter(code=data.tier_code).exists():
        errors.append(FieldError(("body", "tier_code"), "Unknown membership tier.", "choice"))
    if not Channel.objects.filter(pk=data.channel_id, is_active=True).exists():
        errors.append(FieldError(("body", "channel_id"), "Unknown channel.", "unknown"))
    if data.offer_kind == Campaign.OfferKind.COUPON:
        if data.coupon_batch_id is None or not (
            platform_batches(actor=actor).filter(pk=data.coupon_batch_id).exists()
        ):
            errors.append(
                FieldError(("body", "coupon_batch_id"), "Unknown platform coupon batch.", "unknown")
            )
    elif data.offer_kind == Campaign.OfferKind.PROMOTION:
        if data.promotion_id is None or not (
            platform_promotions(actor=actor, platform_only=True).filter(pk=data.promotion_id).exists()
        ):
            errors.append(FieldError(("body", "promotion_id"), "Unknown platform promotion.", "unknown"))
    else:
        errors.append(FieldError(("body", "offer_kind"), "Unknown offer kind.", "choice"))
    if data.ends_at <= data.starts_at:
        errors.append(FieldError(("body", "ends_at"), "The end must be after the start.", "order"))
    if not 0 <= data.holdout_percent <= 50:
        errors.append(FieldError(("body", "holdout_percent"), "Between 0 and 50.", "range"))
    if data.message_cost_fen < 0:
        errors.append(FieldError(("body", "message_cost_fen"), "Cannot be negative.", "negative"))
    return errors


def campaign_create(*, actor: Actor, data: CampaignInput) -> Campaign:
    """A draft campaign (platform coupon batch or platform promotion as its offer). 422 names each bad
    field; 403 without ``user_ops.manage`` or ``promotion.manage`` (``tags.TARGETING``)."""
    require_any_permission(actor, TARGETING)
    errors = _validate(actor, data)
    if errors:
        raise validation_error(errors)
    coupon = data.offer_kind == Campaign.OfferKind.COUPON
    with audited():
        campaign = Campaign(
            name=data.name.strip(),
            segment=data.segment,
            tier_code=data.tier_code,
            tags=sorted({t.strip() for t in data.tags if t.strip()}),
            offer_kind=data.offer_kind,
            coupon_batch_id=data.coupon_batch_id if coupon else None,
            promotion_id=None if coupon else data.promotion_id,
            message=data.message.strip(),
            channel_id=data.channel_id,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            holdout_percent=data.holdout_percent,
            message_cost_fen=data.message_cost_fen,
            created_by_id=actor.user_id or 0,
        )
        campaign.save()
        audit_record(
            actor=actor,
            action="marketing.campaign.create",
            obj=campaign,
            after={"status": campaign.status, "offer_kind": campaign.offer_kind, "channel": data.channel_id},
        )
    return campaign


def campaign_approve(
    *, actor: Actor, campaign_id: int, acknowledge_findings: bool = False, now: datetime | None = None
) -> Campaign:
    """A second person approves a draft. Errors: 409 ``four_eyes_required`` (the approver created it),
    422 ``compliance_blocked`` (nothing changes), 422 ``findings_not_acknowledged``, 409
    ``campaign_transition_not_allowed``, 404, 403. Locks the campaign row."""
    require_permission(actor, PERMISSION)
    now = now or timezone.now()
    with audited():
        campaign = _locked(campaign_id)
        before = _move(campaign, "approve", S.APPROVED)
        if campaign.created_by_id == actor.pk:
            raise conflict(
                "A second person must approve what one person submitted.",
                code=MarketingCode.FOUR_EYES_REQUIRED,
            )
        findings = campaign_findings(campaign)
        _refuse_blocking(findings)
        if findings and not acknowledge_findings:
            raise _need_acknowledgement(findings)
        campaign.findings, campaign.findings_acknowledged = findings, bool(findings)
        campaign.approved_by_id, campaign.approved_at = actor.user_id, now
        campaign.save()
        audit_record(
            actor=actor,
            action="marketing.campaign.approve",
            obj=campaign,
            before={"status": before},
            after={"status": campaign.status, "findings": len(findings)},
        )
    return campaign


def campaign_launch(*, actor: Actor, campaign_id: int, now: datetime | None = None) -> Campaign:
    """Launch an approved campaign: scheduled until ``starts_at``, or started at once (delivered).

    The texts pass the compliance engine again: a ``block`` refuses with 422 ``compliance_blocked`` (the
    finding and its cited article; nothing changes), ``review`` findings other than the acknowledged ones
    refuse with 422 ``findings_not_acknowledged``. 409 ``campaign_transition_not_allowed`` unless
    approved. Deliveries run as ``actor`` (its ``promotion.manage`` issues the coupons)."""
    require_permission(actor, PERMISSION)
    now = now or timezone.now()
    with audited():
        campaign = _locked(campaign_id)
        to = S.RUNNING if campaign.starts_at <= now else S.SCHEDULED
        before = _move(campaign, "launch", to)
        findings = campaign_findings(campaign)
        _refuse_blocking(findings)
        if findings and not (campaign.findings_acknowledged and findings == campaign.findings):
            raise _need_acknowledgement(findings)
        campaign.launched_by_id, campaign.launched_at = actor.user_id, now
        if to == S.RUNNING:
            _deliver(campaign, now)
        campaign.save()
        audit_record(
            actor=actor,
            action="marketing.campaign.launch",
            obj=campaign,
            before={"status": before},
            after={"status": campaign.status},
        )
    return campaign


def _deliver(campaign: Campaign, now: datetime) -> None:
    """Resolve the audience, keep the holdout aside, issue the offer and record the notifications.
    Inside the caller's transaction, the campaign row locked."""
    actor = actor_of(campaign.launched_by)  # the sweep acts as whoever launched it
    found = audience.resolve(
        actor=actor, segment=campaign.segment, tier_code=campaign.tier_code, tags=list(campaign.tags)
    )
    treated, holdout = found.split(scope=SCOPE, scope_id=campaign.pk, percent=campaign.holdout_percent)
    rows = [CampaignDelivery(campaign=campaign, buyer=b, is_holdout=True, outcome="holdout") for b in holdout]
    coupons: dict[str, int] = {}
    refused: dict[str, str] = {}
    if campaign.coupon_batch_id is not None:
        names = [b.username for b in treated]
        for start in range(0, len(names), ISSUE_CHUNK):
            chunk = names[start : start + ISSUE_CHUNK]
            issued = coupons_issue(
                actor=actor, merchant_id=None, batch_id=campaign.coupon_batch_id, usernames=chunk
            )
            refused.update(issued.refused)
            coupons.update(zip([n for n in chunk if n not in issued.refused], issued.issued, strict=True))
    for buyer in treated:
        reason = refused.get(buyer.username)
        rows.append(
            CampaignDelivery(
                campaign=campaign,
                buyer=buyer,
                outcome=reason or "delivered",
                coupon_id=coupons.get(buyer.username),
                delivered_at=None if reason else now,
            )
        )
    CampaignDelivery.objects.bulk_create(rows, batch_size=1000)
    campaign.delivered_at = now
    audit_record(
        actor=actor,
        action="marketing.campaign.deliver",
        obj=campaign,
        after={
            "matched": found.matched,
            "no_consent": found.no_consent,
            "holdout": len(holdout),
            "delivered": len(treated) - len(refused),
            "refused": len(refused),
        },
    )


def campaign_finish(*, actor: Actor, campaign_id: int, now: datetime | None = None) -> Campaign:
    """Stop a scheduled or running campaign now (a running one keeps its deliveries and results)."""
    require_permission(actor, PERMISSION)
    now = now or timezone.now()
    with audited():
        campaign = _locked(campaign_id)
        before = _move(campaign, "finish", S.FINISHED)
        campaign.finished_at = now
        campaign.save()
        audit_record(
            actor=actor,
            action="marketing.campaign.finish",
            obj=campaign,
            before={"status": before},
            after={"status": campaign.status},
        )
    return campaign


def campaigns_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Start scheduled campaigns whose start has come (delivering as the person who launched them) and
    finish running ones past their end; one transaction per campaign, so a failure stops only that one."""
    now = now or timezone.now()
    started = finished = failed = 0
    due = list(
        Campaign.objects.filter(status=S.SCHEDULED, starts_at__lte=now, ends_at__gt=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        try:
            with audited():
                campaign = _locked(pk)
                if campaign.status != S.SCHEDULED:
                    continue
                _move(campaign, "start", S.RUNNING)
                _deliver(campaign, now)
                campaign.save()
                audit_record(
                    actor=None,
                    action="marketing.campaign.start",
                    obj=campaign,
                    before={"status": S.SCHEDULED},
                    after={"status": S.RUNNING},
                )
                started += 1
        except DomainError as error:
            # e.g. the person who launched it lost promotion.manage: it stays scheduled (nothing was
            # delivered: the transaction rolled back) until someone launches it anew or finishes it
            logger.warning("campaign %s not started: %s", pk, error.code)
            failed += 1
    # a scheduled campaign whose whole window passed (the worker was down) finishes without delivering late
    ended = list(
        Campaign.objects.filter(status__in=(S.RUNNING, S.SCHEDULED), ends_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in ended:
        with audited():
            campaign = _locked(pk)
            if campaign.status not in (S.RUNNING, S.SCHEDULED):
                continue
            before = _move(campaign, "finish", S.FINISHED)
            campaign.finished_at = now
            campaign.save()
            audit_record(
                actor=None,
                action="marketing.campaign.finish",
                obj=campaign,
                before={"status": before},
                after={"status": S.FINISHED},
            )
            finished += 1
    return {"started": started, "finished": finished, "failed": failed}


def campaign_results(*, campaign: Campaign) -> Results | None:
    """Results from the orders of the reached buyers and the holdout, paid between delivery and the
    campaign's end (or its early finish); so far while it runs. None before delivery. Read-only."""
    if campaign.delivered_at is None:
        return None
    end = min(campaign.ends_at, campaign.finished_at or campaign.ends_at)
    rows = list(
        CampaignDelivery.objects.filter(campaign=campaign).values_list(
            "buyer_id", "is_holdout", "delivered_at"
        )
    )
    treated = [b for b, hold, at in rows if not hold and at is not None]
    holdout = [b for b, hold, _ in rows if hold]
    facts = [
        OrderFact(buyer_id=b, paid_at=at, paid_fen=paid, discount_fen=discount)
        for b, at, paid, discount in paid_order_facts(
            buyer_ids=treated + holdout, since=campaign.delivered_at, until=end
        )
    ]
    return results(
        treated=treated,
        holdout=holdout,
        orders=facts,
        start=campaign.delivered_at,
        end=end,
        message_cost_fen=campaign.message_cost_fen,
    )
