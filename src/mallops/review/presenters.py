"""Plain-dict views of listings, versions and findings shared by the API and the console."""

from __future__ import annotations

from typing import Any

from mallops.review import selectors
from mallops.review.models import Finding, Listing, ListingVersion


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "stage": finding.stage,
        "rule": finding.rule,
        "field": finding.field,
        "start": finding.start,
        "end": finding.end,
        "text": finding.text,
        "basis": finding.basis,
        "severity": finding.severity,
        "message": finding.message,
    }


def version_dict(
    version: ListingVersion, findings: list[Finding], *, with_snapshot: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": version.pk,
        "number": version.number,
        "status": version.status,
        "submitted_at": version.submitted_at,
        "decided_at": version.decided_at,
        "decided_by": version.decided_by.username if version.decided_by_id and version.decided_by else None,
        "reason_codes": version.reason_codes,
        "note": version.note,
        "claim_due_at": version.claim_due_at,
        "findings": [finding_dict(f) for f in findings],
    }
    if with_snapshot:
        data["snapshot"] = version.snapshot
    return data


def listing_summary(listing: Listing) -> dict[str, Any]:
    return {
        "id": listing.pk,
        "product_id": listing.product_id,
        "title": listing.product.title,
        "status": listing.status,
        "is_visible": listing.is_visible,
        "live_version": listing.live_version.number if listing.live_version else None,
        "pending_version_id": listing.pending_version_id,
        "takedown_reason": listing.takedown_reason,
        "takedown_kind": listing.takedown_kind,
        "takedown_rule": listing.takedown_rule,
        "takedown_article": listing.takedown_article,
        "updated_at": listing.updated_at,
    }


def listing_detail(listing: Listing) -> dict[str, Any]:
    versions = selectors.listing_versions(listing)
    findings = selectors.findings_by_version(versions)
    latest = versions[0] if versions else None
    data = listing_summary(listing)
    data["versions"] = [version_dict(v, findings.get(v.pk, []), with_snapshot=v is latest) for v in versions]
    data["quality"] = selectors.listing_quality(listing, latest.snapshot) if latest else None
    return data


def takedown_view(listing: Listing) -> dict[str, Any] | None:
    """What the console shows about a take-down, in words (the stored reason of a certificate expiry is a
    code: ``certificate_expired:<kind>:<number>``; a merchant's delisting without a reason is
    ``merchant_delisted``)."""
    from mallops.core.words import label

    if listing.taken_down_at is None:
        return None
    reason = listing.takedown_reason
    if reason.startswith("certificate_expired:"):
        _prefix, kind, number = [*reason.split(":", 2), "", ""][:3]
        reason = f"{label(kind, 'catalogue.certificate_kind')} {number}".strip()
    elif reason == "merchant_delisted":
        reason = ""
    return {
        "kind": listing.takedown_kind,
        "at": listing.taken_down_at,
        "reason": reason,
        "rule": listing.takedown_rule,
        "article": listing.takedown_article,
    }
