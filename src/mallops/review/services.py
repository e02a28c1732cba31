"""Listing review writes: create, submit (automated checks), claim, approve, reject, sweeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model, Q
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.catalogue import selectors as catalogue_selectors
from mallops.catalogue import services as catalogue_services
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.review.checks import (
    BASIS_QUALIFICATION,
    rule_basis,
    rule_ids,
    rules_version,
    run_checks,
    text_fields,
    verdict,
)
from mallops.review.contracts import ManualFinding
from mallops.review.errors import ReviewCode
from mallops.review.models import (
    Finding,
    Listing,
    ListingStatus,
    ListingVersion,
    RejectReason,
    TakedownKind,
    VersionOrigin,
    VersionStatus,
)
from mallops.review.snapshots import build_snapshot, check_context


def claim_ttl() -> timedelta:
    minutes = int(settings.MALLOPS.get("REVIEW_CLAIM_MINUTES", 15))
    return timedelta(minutes=minutes)


def _listing_state(listing: Listing) -> dict[str, Any]:
    state: dict[str, Any] = {
        "status": listing.status,
        "live_version_id": listing.live_version_id,
        "pending_version_id": listing.pending_version_id,
        "taken_down_at": listing.taken_down_at.isoformat() if listing.taken_down_at else None,
    }
    if listing.taken_down_at is not None:
        state.update(
            takedown_kind=listing.takedown_kind,
            takedown_reason=listing.takedown_reason,
            takedown_rule=listing.takedown_rule,
            takedown_article=listing.takedown_article,
        )
    return state


def _clear_takedown(listing: Listing) -> None:
    listing.taken_down_at = None
    listing.takedown_reason = ""
    listing.takedown_kind = ""
    listing.takedown_rule = ""
    listing.takedown_article = ""
    listing.taken_down_by = None


def _take_down(
    listing: Listing,
    *,
    now: datetime,
    kind: str,
    reason: str,
    rule: str = "",
    article: str = "",
    by: Actor | None = None,
) -> None:
    """Hide the live version from buyers (the caller holds the row lock, audits and notifies)."""
    listing.taken_down_at = now
    listing.takedown_kind = kind
    listing.takedown_reason = reason[:200]
    listing.takedown_rule = rule
    listing.takedown_article = article[:200]
    listing.taken_down_by_id = by.user_id if by is not None else None
    listing.status = ListingStatus.TAKEN_DOWN
    listing.save()


@transaction.atomic
def listing_create(*, actor: Actor, merchant_id: int, product_id: int) -> Listing:
    if not catalogue_selectors.product_exists(merchant_id=merchant_id, product_id=product_id):
        raise not_found("product")
    if Listing.objects.for_merchant(merchant_id).filter(product_id=product_id).exists():
        raise conflict("This product already has a listing.", code=ReviewCode.LISTING_EXISTS)
    listing: Listing = Listing.objects.create(merchant_id=merchant_id, product_id=product_id)
    audit_record(
        actor=actor,
        action="review.listing_create",
        obj=listing,
        after=_listing_state(listing),
    )
    return listing


def _lock_listing(merchant_id: int, listing_id: int) -> Listing:
    listing: Listing | None = (
        Listing.objects.for_merchant(merchant_id).select_for_update().filter(pk=listing_id).first()
    )
    if listing is None:
        raise not_found("listing")
    return listing


@transaction.atomic
def listing_submit(
    *, actor: Actor, merchant_id: int, listing_id: int, now: datetime | None = None
) -> ListingVersion:
    """Snapshot the product as a new version and run the automated checks. Any ``block`` finding
    rejects the version at once; otherwise it enters the review queue. A live version stays live."""
    listing = _lock_listing(merchant_id, listing_id)
    now = now or timezone.now()
    product = catalogue_selectors.product_content(
        merchant_id=merchant_id, product_id=listing.product_id, with_schema=True
    )
    snapshot = build_snapshot(product)
    findings = run_checks(snapshot, check_context(product, now))
    blocked = verdict(findings) == "block"
    before = _listing_state(listing)
    versions = ListingVersion.objects.for_merchant(merchant_id).filter(listing_id=listing.pk)
    number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
    versions.filter(status=VersionStatus.QUEUED).update(
        status=VersionStatus.SUPERSEDED, claimed_by=None, claim_due_at=None
    )
    version: ListingVersion = ListingVersion.objects.create(
        merchant_id=merchant_id,
        listing=listing,
        number=number,
        snapshot=snapshot,
        status=VersionStatus.AUTO_REJECTED if blocked else VersionStatus.QUEUED,
        submitted_at=now,
        submitted_by_id=actor.user_id,
        decided_at=now if blocked else None,
        rules_version=rules_version(),
    )
    Finding.objects.bulk_create(
        [
            Finding(
                merchant_id=merchant_id,
                version=version,
                stage=f.stage,
                rule=f.rule,
                field=f.field,
                start=f.start,
                end=f.end,
                text=f.text[:200],
                basis=f.basis,
                severity=f.severity,
                message=f.message,
            )
            for f in findings
        ]
    )
    listing.status = ListingStatus.AUTO_REJECTED if blocked else ListingStatus.IN_REVIEW
    listing.pending_version = None if blocked else version
    listing.save(update_fields=["status", "pending_version", "updated_at"])
    audit_record(
        actor=actor,
        action="review.listing_submit",
        obj=listing,
        before=before,
        after={**_listing_state(listing), "version": number, "findings": len(findings), "blocked": blocked},
    )
    return version


def _lock_pending(actor: Actor, listing_id: int) -> tuple[Listing, ListingVersion]:
    require_permission(actor, "listing.review")
    listing = (
        Listing.objects.for_platform(actor, "listing.review")
        .select_for_update()
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise not_found("listing")
    if listing.pending_version_id is None:
        raise conflict("This listing has no version waiting for review.", code=ReviewCode.NOTHING_TO_REVIEW)
    version = (
        ListingVersion.objects.for_platform(actor, "listing.review")
        .select_for_update()
        .get(pk=listing.pending_version_id)
    )
    return listing, version


@transaction.atomic
def listing_claim(*, actor: Actor, listing_id: int, now: datetime | None = None) -> ListingVersion:
    """Take the pending version for ``claim_ttl()``; a claim held by another reviewer is refused (409)."""
    now = now or timezone.now()
    listing, version = _lock_pending(actor, listing_id)
    if version.claimed_by_id not in (None, actor.pk) and version.claim_due_at and version.claim_due_at > now:
        raise conflict(
            "Another reviewer is working on this listing.",
            code=ReviewCode.CLAIMED_BY_OTHER,
            claim_due_at=version.claim_due_at.isoformat(),
        )
    version.claimed_by_id = actor.user_id
    version.claim_due_at = now + claim_ttl()
    version.save(update_fields=["claimed_by", "claim_due_at"])
    audit_record(
        actor=actor,
        action="review.listing_claim",
        obj=listing,
        after={"version": version.number, "claim_due_at": version.claim_due_at.isoformat()},
    )
    return version


def _require_claim(actor: Actor, version: ListingVersion, now: datetime) -> None:
    if version.claimed_by_id != actor.pk or version.claim_due_at is None or version.claim_due_at <= now:
        raise conflict(
            "Claim the listing before deciding (your claim may have expired).", code=ReviewCode.CLAIM_REQUIRED
        )


@transaction.atomic
def listing_approve(
    *, actor: Actor, listing_id: int, note: str = "", now: datetime | None = None
) -> ListingVersion:
    now = now or timezone.now()
    listing, version = _lock_pending(actor, listing_id)
    _require_claim(actor, version, now)
    before = _listing_state(listing)
    version.status = VersionStatus.APPROVED
    version.decided_at = now
    version.decided_by_id = actor.user_id
    version.note = note.strip()
    version.claim_due_at = None
    version.save(update_fields=["status", "decided_at", "decided_by", "note", "claim_due_at"])
    listing.live_version = version
    listing.pending_version = None
    listing.status = ListingStatus.LIVE
    _clear_takedown(listing)
    listing.save()
    audit_record(
        actor=actor,
        action="review.listing_approve",
        obj=listing,
        before=before,
        after=_listing_state(listing),
    )
    return version


# fields a manual finding may cite without a span (no text field of the snapshot holds them)
WHOLE_FIELDS = frozenset({"attributes", "certificates", "images", "skus", "category", "return_exclusion"})


def _manual_findings(
    version: ListingVersion, findings: Sequence[ManualFinding], compliance_category: str
) -> tuple[list[Finding], list[FieldError]]:
    """The reviewer's findings as rows (not saved), or the errors naming each bad one."""
    texts = {path: text for path, _engine_field, text in text_fields(version.snapshot)}
    known = set(rule_ids())
    rows: list[Finding] = []
    errors: list[FieldError] = []
    for index, item in enumerate(findings):
        loc: tuple[str | int, ...] = ("body", "findings", index)
        if item.rule not in known:
            errors.append(FieldError((*loc, "rule"), f"unknown rule {item.rule!r}", "unknown_rule"))
            continue
        article = item.article.strip() or rule_basis(item.rule, compliance_category) or ""
        if len(article) > 200 or len(item.message) > 300:
            errors.append(FieldError((*loc, "article"), "article up to 200, message up to 300 characters"))
            continue
        start = end = 0
        quote = item.text.strip()
        base = item.field.split(".")[0].split("[")[0]
        if item.field in texts:
            if quote:
                start = texts[item.field].find(quote, item.start or 0)
                if start < 0:
                    errors.append(
                        FieldError((*loc, "text"), f"{quote!r} is not in {item.field}", "span_not_found")
                    )
                    continue
                end = start + len(quote)
        elif base in WHOLE_FIELDS and not quote:
            pass
        else:
            errors.append(
                FieldError((*loc, "field"), f"no text field {item.field!r} in this version", "unknown_field")
            )
            continue
        rows.append(
            Finding(
                merchant_id=version.merchant_id,
                version=version,
                stage="manual",
                rule=item.rule,
                field=item.field,
                start=start,
                end=end,
                text=quote[:200],
                basis=article,
                severity="block",
                message=item.message.strip(),
            )
        )
    return rows, errors


def _compliance_category(snapshot: dict[str, Any]) -> str:
    category = catalogue_selectors.categories().filter(code=snapshot.get("category", "")).first()
    return category.compliance_category if category is not None else "general"


@transaction.atomic
def listing_reject(
    *,
    actor: Actor,
    listing_id: int,
    reason_codes: list[str],
    note: str = "",
    findings: Sequence[ManualFinding] = (),
    now: datetime | None = None,
) -> ListingVersion:
    """Reject the pending version (claim held) with reason codes and, optionally, findings that cite a
    rule, a span and an article like the automated ones (stored as ``manual`` findings). Rejecting a
    re-check version takes the live listing down (its live content broke a rule), citing the first
    finding; rejecting a merchant's resubmission keeps the live version live (R1.2.3)."""
    now = now or timezone.now()
    errors: list[FieldError] = []
    if not reason_codes:
        errors.append(FieldError(("body", "reason_codes"), "give at least one reason code", "required"))
    unknown = sorted(set(reason_codes) - set(RejectReason.values))
    if unknown:
        errors.append(
            FieldError(
                ("body", "reason_codes"),
                f"unknown reason codes {unknown}; use {RejectReason.values}",
                "invalid_choice",
            )
        )
    if RejectReason.OTHER in reason_codes and not note.strip():
        errors.append(FieldError(("body", "note"), "explain 'other' in the note", "required"))
    if errors:
        raise validation_error(errors)
    listing, version = _lock_pending(actor, listing_id)
    _require_claim(actor, version, now)
    rows, finding_errors = _manual_findings(version, findings, _compliance_category(version.snapshot))
    if finding_errors:
        raise validation_error(finding_errors)
    Finding.objects.bulk_create(rows)
    before = _listing_state(listing)
    version.status = VersionStatus.REJECTED
    version.decided_at = now
    version.decided_by_id = actor.user_id
    version.reason_codes = sorted(set(reason_codes))
    version.note = note.strip()
    version.claim_due_at = None
    version.save(update_fields=["status", "decided_at", "decided_by", "reason_codes", "note", "claim_due_at"])
    listing.pending_version = None
    listing.status = ListingStatus.REJECTED
    listing.save(update_fields=["pending_version", "status", "updated_at"])
    cited = [
        {"rule": f.rule, "field": f.field, "start": f.start, "end": f.end, "text": f.text, "basis": f.basis}
        for f in rows
    ]
    taken_down = version.origin == VersionOrigin.RECHECK and listing.is_visible
    if taken_down:
        first = rows[0] if rows else _first_finding(version)
        _take_down(
            listing,
            now=now,
            kind=TakedownKind.RECHECK,
            reason=version.note or ",".join(version.reason_codes),
            rule=first.rule if first else "",
            article=first.basis if first else "",
            by=actor,
        )
    catalogue_services.notification_create(
        merchant_id=listing.merchant_id,
        kind="listing_taken_down" if taken_down else "listing_rejected",
        subject=(
            f"商品复查未通过，已下架：{version.snapshot.get('title', '')}"
            if taken_down
            else f"商品审核未通过：{version.snapshot.get('title', '')}"
        ),
        data={
            "listing_id": listing.pk,
            "version": version.number,
            "reason_codes": version.reason_codes,
            "note": version.note,
            "findings": cited,
        },
    )
    audit_record(
        actor=actor,
        action="review.listing_reject",
        obj=listing,
        before=before,
        after={
            **_listing_state(listing),
            "reason_codes": version.reason_codes,
            "note": version.note,
            "findings": cited,
        },
    )
    return version


def _first_finding(version: ListingVersion) -> Finding | None:
    found: Finding | None = (
        Finding.objects.for_merchant(version.merchant_id).filter(version_id=version.pk).order_by("pk").first()
    )
    return found


MAX_REASON = 200


@transaction.atomic
def listing_take_down(
    *,
    actor: Actor,
    listing_id: int,
    reason: str,
    rule: str = "",
    article: str = "",
    now: datetime | None = None,
) -> Listing:
    """Staff take a live listing down (``listing.takedown``): buyers stop seeing it at once; the
    merchant is told the reason, the rule (a compliance rule id, optional) and the article (defaults to
    the rule's basis; a rule or an article is required). Reversed when the merchant resubmits and a
    reviewer approves. Locks the listing row. Errors: 403, 404, 409 ``not_live``, 422."""
    require_permission(actor, "listing.takedown")
    now = now or timezone.now()
    errors: list[FieldError] = []
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        errors.append(FieldError(("body", "reason"), f"a reason of 1 to {MAX_REASON} characters", "required"))
    if rule and rule not in set(rule_ids()):
        errors.append(FieldError(("body", "rule"), f"unknown rule {rule!r}", "unknown_rule"))
    if len(article.strip()) > 200:
        errors.append(FieldError(("body", "article"), "at most 200 characters", "too_long"))
    if not rule and not article.strip():
        errors.append(FieldError(("body", "rule"), "cite a rule or an article", "basis_required"))
    if errors:
        raise validation_error(errors)
    listing: Listing | None = (
        Listing.objects.for_platform(actor, "listing.takedown")
        .select_for_update()
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise not_found("listing")
    if not listing.is_visible:
        raise conflict("This listing is not live.", code=ReviewCode.NOT_LIVE)
    live = ListingVersion.objects.for_platform(actor, "listing.takedown").get(pk=listing.live_version_id)
    basis = article.strip() or (rule_basis(rule, _compliance_category(live.snapshot)) or "")
    before = _listing_state(listing)
    _take_down(listing, now=now, kind=TakedownKind.STAFF, reason=reason, rule=rule, article=basis, by=actor)
    catalogue_services.notification_create(
        merchant_id=listing.merchant_id,
        kind="listing_taken_down",
        subject=f"商品已被平台下架：{live.snapshot.get('title', '')}",
        data={"listing_id": listing.pk, "reason": reason, "rule": rule, "article": basis},
    )
    audit_record(
        actor=actor,
        action="review.listing_take_down",
        obj=listing,
        before=before,
        after=_listing_state(listing),
    )
    return listing


@transaction.atomic
def listing_delist(
    *,
    actor: Actor,
    merchant_id: int,
    listing_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> Listing:
    """The merchant takes its own live listing off sale. Another store's listing is 404 (tenancy);
    a listing that is not live is 409 ``not_live``. Relisting is a resubmission through review."""
    now = now or timezone.now()
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise validation_error(
            [FieldError(("body", "reason"), f"at most {MAX_REASON} characters", "too_long")]
        )
    listing = _lock_listing(merchant_id, listing_id)
    if not listing.is_visible:
        raise conflict("This listing is not live.", code=ReviewCode.NOT_LIVE)
    before = _listing_state(listing)
    _take_down(listing, now=now, kind=TakedownKind.MERCHANT, reason=reason or "merchant_delisted", by=actor)
    audit_record(
        actor=actor,
        action="review.listing_delist",
        obj=listing,
        before=before,
        after=_listing_state(listing),
    )
    return listing


def claim_expire(version: ListingVersion, now: datetime) -> None:
    """Sweep handler: an expired claim returns the version to the open queue."""
    version.claimed_by = None
    version.claim_due_at = None
    version.save(update_fields=["claimed_by", "claim_due_at"])


def certificate_expire(row: Model, now: datetime) -> None:
    """Sweep handler: mark the certificate expired, take down the live listings that relied on it
    (unless another valid certificate of the same kind covers them) and tell the merchant."""
    certificate = catalogue_services.certificate_mark_expired(row)
    taken_down: list[int] = []
    for product_id in catalogue_selectors.products_needing_certificate(certificate=certificate):
        kinds = {
            c.kind
            for c in catalogue_selectors.valid_certificates(
                merchant_id=certificate.merchant_id, product_id=product_id, at=now
            )
        }
        if certificate.kind in kinds:
            continue
        listing = (
            Listing.objects.for_merchant(certificate.merchant_id)
            .select_for_update()
            .filter(product_id=product_id, live_version__isnull=False, taken_down_at__isnull=True)
            .first()
        )
        if listing is None:
            continue
        before = _listing_state(listing)
        _take_down(
            listing,
            now=now,
            kind=TakedownKind.CERTIFICATE,
            reason=f"certificate_expired:{certificate.kind}:{certificate.number}",
            article=BASIS_QUALIFICATION,
        )
        audit_record(
            actor=None,
            action="review.listing_take_down",
            obj=listing,
            before=before,
            after=_listing_state(listing),
        )
        taken_down.append(listing.pk)
    catalogue_services.notification_create(
        merchant_id=certificate.merchant_id,
        kind="certificate_expired",
        subject=f"资质证书已过期：{certificate.kind_label} {certificate.number}",
        data={
            "certificate_id": certificate.id,
            "kind": certificate.kind,
            "number": certificate.number,
            "expires_on": certificate.expires_on.isoformat(),
            "listings_taken_down": taken_down,
        },
    )


def expired_claims(now: datetime) -> Any:
    return ListingVersion.objects.unscoped(reason="claim expiry sweep").filter(
        Q(claim_due_at__lte=now), status=VersionStatus.QUEUED
    )
