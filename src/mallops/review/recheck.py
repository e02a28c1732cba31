"""Re-check of live listings when a rule pack version changes (sweep ``review.rule_recheck``).

Every version records the rule packs its compliance findings were computed with
(:func:`mallops.review.checks.rules_version`, ``name@version`` of each pack). A live, visible listing whose
live version was checked with other packs is due. Handling it re-runs the compliance stage on the live
snapshot (completeness and accuracy do not depend on the packs):

- no finding that the live version did not already have → the version is marked as checked with the
  current packs; nothing else changes;
- new findings → a **re-check version** (same snapshot, ``origin = recheck``, all current compliance
  findings) enters the review queue as the listing's pending version. The live version **stays on sale**
  meanwhile: nothing is delisted by a machine. The reviewer approves (the listing stays live, now checked
  with the current packs) or rejects, which takes the listing down citing the finding
  (``takedown_kind = recheck``) and tells the merchant, who fixes the product and resubmits.

A listing with a merchant's version already waiting in review is skipped: that version is decided first
and the next run picks the listing up. Taken-down listings are not re-checked: they pass the current
checks when resubmitted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max, QuerySet

from mallops.audit.services import audit_record
from mallops.catalogue import services as catalogue_services
from mallops.review.checks import compliance_findings, rules_version
from mallops.review.models import (
    Finding,
    Listing,
    ListingStatus,
    ListingVersion,
    VersionOrigin,
    VersionStatus,
)


def due_listings(now: datetime) -> QuerySet[Listing]:
    """Live, visible listings without a waiting version whose live version predates the current packs."""
    current = rules_version()
    stale = (
        ListingVersion.objects.unscoped(reason="rule re-check sweep")
        .filter(status=VersionStatus.APPROVED)
        .exclude(rules_version=current)
        .values("pk")
    )
    due: QuerySet[Listing] = Listing.objects.unscoped(reason="rule re-check sweep").filter(
        live_version_id__in=stale, taken_down_at__isnull=True, pending_version__isnull=True
    )
    return due


def _key(finding: Any) -> tuple[str, str, int, int]:
    return (finding.rule, finding.field, finding.start, finding.end)


def listing_recheck(listing: Listing, now: datetime) -> ListingVersion | None:
    """Sweep handler (row lock held): re-check the live version with the current packs; returns the
    re-check version put in the review queue, or None when nothing new was found."""
    from mallops.review.services import _compliance_category  # one lookup of the category's rules

    current = rules_version()
    versions = ListingVersion.objects.for_merchant(listing.merchant_id)
    live = versions.select_for_update().get(pk=listing.live_version_id)
    found = compliance_findings(live.snapshot, _compliance_category(live.snapshot))
    known = {_key(f) for f in Finding.objects.for_merchant(listing.merchant_id).filter(version_id=live.pk)}
    new = [f for f in found if _key(f) not in known]
    if not new:
        live.rules_version = current
        live.save(update_fields=["rules_version"])
        return None
    number = (versions.filter(listing_id=listing.pk).aggregate(n=Max("number"))["n"] or 0) + 1
    version: ListingVersion = ListingVersion.objects.create(
        merchant_id=listing.merchant_id,
        listing=listing,
        number=number,
        snapshot=live.snapshot,
        status=VersionStatus.QUEUED,
        submitted_at=now,
        submitted_by=None,
        origin=VersionOrigin.RECHECK,
        rules_version=current,
    )
    Finding.objects.bulk_create(
        [
            Finding(
                merchant_id=listing.merchant_id,
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
            for f in found
        ]
    )
    before = {"status": listing.status, "pending_version_id": listing.pending_version_id}
    listing.pending_version = version
    listing.status = ListingStatus.IN_REVIEW
    listing.save(update_fields=["pending_version", "status", "updated_at"])
    new_rules = sorted({f.rule for f in new})
    catalogue_services.notification_create(
        merchant_id=listing.merchant_id,
        kind="listing_rechecked",
        subject=f"规则更新后复查：{live.snapshot.get('title', '')} 需人工复核（复核期间仍在售）",
        data={"listing_id": listing.pk, "version": number, "rules": new_rules},
    )
    audit_record(
        actor=None,
        action="review.listing_recheck",
        obj=listing,
        before=before,
        after={
            "status": listing.status,
            "pending_version_id": version.pk,
            "version": number,
            "rules_version": current,
            "new_findings": [
                {"rule": f.rule, "field": f.field, "start": f.start, "end": f.end, "text": f.text}
                for f in new
            ],
        },
    )
    return version


def recheck_due(listing: Listing, now: datetime) -> None:
    listing_recheck(listing, now)
