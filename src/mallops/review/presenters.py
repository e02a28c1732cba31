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
