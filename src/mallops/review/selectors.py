"""Review reads: merchant's own listings, the reviewer queue, version diffs, metrics."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KT
from django.utils import timezone

from mallops.catalogue import selectors as catalogue_selectors
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.review.models import Finding, Listing, ListingStatus, ListingVersion, VersionStatus
from mallops.review.quality import quality_score
from mallops.review.review_counts import visible_review_count

BACKLOG_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("<1h", timedelta(hours=1)),
    ("1-4h", timedelta(hours=4)),
    ("4-24h", timedelta(hours=24)),
    (">24h", None),
)


def listing_list(*, merchant_id: int) -> QuerySet[Listing]:
    listings: QuerySet[Listing] = (
        Listing.objects.for_merchant(merchant_id).select_related("product", "live_version").order_by("-pk")
    )
    return listings


def listing_get(*, merchant_id: int, listing_id: int) -> Listing:
    listing: Listing | None = listing_list(merchant_id=merchant_id).filter(pk=listing_id).first()
    if listing is None:
        raise not_found("listing")
    return listing


def listing_get_for_platform(*, actor: Actor, permission: str, listing_id: int) -> Listing:
    listing: Listing | None = (
        Listing.objects.for_platform(actor, permission)
        .select_related("product")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise not_found("listing")
    return listing


def live_listing(*, product_id: int) -> Listing | None:
    """The product's listing while it is live, with its approved version (public: the storefront shows
    the approved snapshot, never unreviewed edits); None otherwise."""
    listing: Listing | None = (
        Listing.objects.unscoped(reason="the storefront reads live listings (public)")
        .filter(product_id=product_id, status=ListingStatus.LIVE, live_version__isnull=False)
        .select_related("live_version")
        .first()
    )
    return listing


def live_product_ids() -> list[int]:
    """Ids of the products whose listing is live (public; the storefront's search index rebuild)."""
    return list(
        Listing.objects.unscoped(reason="the storefront indexes live listings (public)")
        .filter(status=ListingStatus.LIVE, live_version__isnull=False)
        .order_by("product_id")
        .values_list("product_id", flat=True)
    )


def listing_versions(listing: Listing) -> list[ListingVersion]:
    return list(
        ListingVersion.objects.for_merchant(listing.merchant_id)
        .filter(listing_id=listing.pk)
        .select_related("decided_by")
        .order_by("-number")
    )


def latest_version(listing: Listing) -> ListingVersion | None:
    versions = listing_versions(listing)
    return versions[0] if versions else None


def version_findings(version: ListingVersion) -> list[Finding]:
    return list(
        Finding.objects.for_merchant(version.merchant_id).filter(version_id=version.pk).order_by("pk")
    )


def findings_by_version(versions: list[ListingVersion]) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = defaultdict(list)
    by_merchant: dict[int, list[int]] = defaultdict(list)
    for version in versions:
        by_merchant[version.merchant_id].append(version.pk)
    for merchant_id, ids in by_merchant.items():
        for finding in Finding.objects.for_merchant(merchant_id).filter(version_id__in=ids).order_by("pk"):
            out[finding.version_id].append(finding)
    return out


def review_queue(*, actor: Actor, with_finding_counts: bool = False) -> QuerySet[ListingVersion]:
    """Versions waiting for a decision, oldest first (optionally annotated with ``findings_count``)."""
    versions = ListingVersion.objects.for_platform(actor, "listing.review")
    return queued(versions, with_finding_counts=with_finding_counts)


def queued(versions: QuerySet[ListingVersion], *, with_finding_counts: bool) -> QuerySet[ListingVersion]:
    """The queue's filter, order and finding counts over ``versions`` (already scoped by the caller)."""
    queue: QuerySet[ListingVersion] = (
        versions.filter(status=VersionStatus.QUEUED)
        .select_related("listing__merchant", "claimed_by")
        .order_by("submitted_at", "pk")
    )
    if with_finding_counts:
        counts = (
            Finding.objects.unscoped(reason="queue finding counts")
            .filter(version_id=OuterRef("pk"))
            .values("version_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        queue = queue.annotate(findings_count=Subquery(counts))
    return queue


def queue_rows(queue: QuerySet[ListingVersion]) -> list[dict[str, Any]]:
    """``review_queue(with_finding_counts=True)`` rows as the API's ``QueueItemOut`` (plain dicts, one query;
    only the snapshot's title and category are read, not the whole snapshot)."""
    return [queue_row(row) for row in queue_values(queue)]


def queue_values(queue: QuerySet[ListingVersion]) -> QuerySet[Any]:
    """What ``queue_row`` reads of ``review_queue(with_finding_counts=True)``."""
    found: QuerySet[Any] = queue.select_related(None).values(  # type: ignore[misc]  # findings_count: an annotation
        "listing_id",
        "number",
        "submitted_at",
        "claim_due_at",
        "findings_count",
        "claimed_by__username",
        snapshot_title=KT("snapshot__title"),
        snapshot_category=KT("snapshot__category"),
    )
    return found


def queue_row(row: dict[str, Any]) -> dict[str, Any]:
    """One ``QueueItemOut`` row from a ``queue_values`` row."""
    return {
        "listing_id": row["listing_id"],
        "version": row["number"],
        "title": row["snapshot_title"] or "",
        "category": row["snapshot_category"] or "",
        "submitted_at": row["submitted_at"],
        "claimed_by": row["claimed_by__username"],
        "claim_due_at": row["claim_due_at"],
        "findings": row["findings_count"] or 0,
    }


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and prefix == "skus":
        for sku in value:
            _flatten({k: v for k, v in sku.items() if k != "code"}, f"skus[{sku.get('code')}]", out)
    elif isinstance(value, list) and prefix == "images":
        out[prefix] = [image.get("url") for image in value]
    else:
        out[prefix] = value


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Changed fields between two snapshots: ``[{"field", "before", "after"}]`` sorted by field.
    SKUs are matched by code; a missing side is ``None``."""
    flat_old: dict[str, Any] = {}
    flat_new: dict[str, Any] = {}
    _flatten(old, "", flat_old)
    _flatten(new, "", flat_new)
    return [
        {"field": key, "before": flat_old.get(key), "after": flat_new.get(key)}
        for key in sorted(flat_old.keys() | flat_new.keys())
        if flat_old.get(key) != flat_new.get(key)
    ]


def listing_diff(listing: Listing, from_number: int | None, to_number: int | None) -> list[dict[str, Any]]:
    """Diff of two versions; by default the latest against the one before it (empty with one version)."""
    versions = {v.number: v for v in listing_versions(listing)}
    to_number = to_number if to_number is not None else max(versions, default=0)
    from_number = from_number if from_number is not None else to_number - 1
    if from_number not in versions or to_number not in versions:
        if not versions or (from_number == 0 and to_number in versions):
            return []
        raise not_found("version")
    return version_diff(versions[from_number].snapshot, versions[to_number].snapshot)


def listing_quality(listing: Listing, snapshot: dict[str, Any]) -> dict[str, Any]:
    product = catalogue_selectors.product_get(merchant_id=listing.merchant_id, product_id=listing.product_id)
    return quality_score(
        snapshot,
        review_count=visible_review_count(product_id=product.pk),
        related_count=catalogue_selectors.related_product_count(
            merchant_id=listing.merchant_id, product_id=product.pk, category_id=product.category_id
        ),
    )


def product_quality(*, merchant_id: int, product_id: int) -> dict[str, Any]:
    """Quality score of a product's current (unsubmitted) content."""
    from mallops.review.snapshots import build_snapshot

    product = catalogue_selectors.product_content(merchant_id=merchant_id, product_id=product_id)
    return quality_score(
        build_snapshot(product),
        review_count=visible_review_count(product_id=product.id),
        related_count=catalogue_selectors.related_product_count(
            merchant_id=merchant_id, product_id=product.id, category_id=product.category_id
        ),
    )


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, -(-int(fraction * 100) * len(sorted_values) // 100))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def review_metrics(
    *, actor: Actor, since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Pass rate, violation rate per rule, turnaround p50/p90 (seconds), backlog by age, throughput.

    Over versions *decided* in ``[since, until)``: pass rate = approved / decided (automatic and human
    decisions); violation rate of a rule = decided versions with a finding of that rule / decided.
    """
    now = now or timezone.now()
    versions = ListingVersion.objects.for_platform(actor, "listing.view")
    decided = versions.filter(
        status__in=[VersionStatus.APPROVED, VersionStatus.REJECTED, VersionStatus.AUTO_REJECTED]
    )
    if since is not None:
        decided = decided.filter(decided_at__gte=since)
    if until is not None:
        decided = decided.filter(decided_at__lt=until)
    rows = list(
        decided.select_related("decided_by").only(
            "pk", "merchant_id", "status", "submitted_at", "decided_at", "decided_by__username"
        )
    )
    total = len(rows)
    by_status = Counter(row.status for row in rows)
    findings = findings_by_version(rows)
    rule_versions: Counter[str] = Counter()
    for row in rows:
        for rule in {f.rule for f in findings.get(row.pk, [])}:
            rule_versions[rule] += 1
    human = sorted(
        (row.decided_at - row.submitted_at).total_seconds()
        for row in rows
        if row.status in (VersionStatus.APPROVED, VersionStatus.REJECTED) and row.decided_at
    )
    throughput = Counter(
        row.decided_by.username
        for row in rows
        if row.decided_by is not None and row.status in (VersionStatus.APPROVED, VersionStatus.REJECTED)
    )
    backlog = dict.fromkeys((label for label, _ in BACKLOG_BUCKETS), 0)
    for submitted_at in versions.filter(status=VersionStatus.QUEUED).values_list("submitted_at", flat=True):
        age = now - submitted_at
        for label, limit in BACKLOG_BUCKETS:
            if limit is None or age < limit:
                backlog[label] += 1
                break
    approved = by_status[VersionStatus.APPROVED]
    return {
        "decided": total,
        "approved": approved,
        "rejected": by_status[VersionStatus.REJECTED],
        "auto_rejected": by_status[VersionStatus.AUTO_REJECTED],
        "pass_rate": round(approved / total, 4) if total else None,
        "violation_rate": round((total - approved) / total, 4) if total else None,
        "violations_by_rule": [
            {"rule": rule, "versions": count, "rate": round(count / total, 4)}
            for rule, count in sorted(rule_versions.items(), key=lambda item: (-item[1], item[0]))
        ],
        "turnaround_seconds": {
            "p50": _percentile(human, 0.5),
            "p90": _percentile(human, 0.9),
            "count": len(human),
        },
        "backlog_by_age": backlog,
        "throughput_by_reviewer": [
            {"reviewer": name, "decisions": count}
            for name, count in sorted(throughput.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
# A claim this close to its deadline is shown as "about to expire": the reviewer should decide or release it.
CLAIM_EXPIRING_WITHIN = timedelta(minutes=5)


CLAIM_EXPIRING = "expiring"


def with_claim_state(queue: QuerySet[ListingVersion], *, now: datetime) -> QuerySet[ListingVersion]:
    """Annotate ``claim_state``: ``"expiring"`` when the claim ends within ``CLAIM_EXPIRING_WITHIN`` (or has
    ended and is not swept yet), else ``""``.

    The workbench count and the queue's ``?claim_state=expiring`` filter both read this annotation, so the
    number on the workbench and the rows of the filtered queue are the same rows.
    """
    expiring = Q(claim_due_at__isnull=False, claim_due_at__lte=now + CLAIM_EXPIRING_WITHIN)
    return queue.annotate(
        claim_state=Case(
            When(expiring, then=Value(CLAIM_EXPIRING)), default=Value(""), output_field=CharField()
        )
    )


def workbench_counts(*, actor: Actor, now: datetime) -> dict[str, int]:
    """To-dos of a reviewer (one query): versions waiting for review, claims about to expire."""
    queue = ListingVersion.objects.for_platform(actor, "listing.review").filter(status=VersionStatus.QUEUED)
    counts = with_claim_state(queue, now=now).aggregate(
        waiting=Count("pk"),
        claims_expiring=Count("pk", filter=Q(claim_state=CLAIM_EXPIRING)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def workbench_turnaround(*, actor: Actor, now: datetime, days: int = 14) -> dict[str, Any]:
    """Review turnaround (median seconds from submission to a reviewer's decision, as in ``review_metrics``)
    for the last ``days`` days and the ``days`` before, plus human decisions per Beijing day (one query)."""
    from mallops.core.timeutil import SHANGHAI

    since = now - timedelta(days=2 * days)
    split = now - timedelta(days=days)
    rows = (
        ListingVersion.objects.for_platform(actor, "listing.view")
        .filter(
            status__in=[VersionStatus.APPROVED, VersionStatus.REJECTED],
            decided_at__gte=since,
            decided_at__lt=now,
        )
        .values_list("submitted_at", "decided_at")
    )
    current: list[float] = []
    previous: list[float] = []
    per_day: Counter[str] = Counter()
    for submitted_at, decided_at in rows:
        seconds = (decided_at - submitted_at).total_seconds()
        if decided_at >= split:
            current.append(seconds)
            per_day[decided_at.astimezone(SHANGHAI).date().isoformat()] += 1
        else:
            previous.append(seconds)
    current.sort()
    previous.sort()
    today = now.astimezone(SHANGHAI).date()
    day_keys = [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]
    return {
        "turnaround_p50": _percentile(current, 0.5),
        "turnaround_p50_previous": _percentile(previous, 0.5),
        "decisions": len(current),
        "decisions_previous": len(previous),
        "daily": [(day, per_day[day]) for day in day_keys],
    }


def live_listing_texts() -> list[tuple[Listing, str, list[tuple[str, str, str]]]]:
    """Every listing buyers see now (a live version, not taken down) as ``(listing, compliance category,
    [(field path, engine field, text), ...])`` from its live snapshot, for the compliance self-inspection
    (R7.1.2). A platform job: it reads every store, so it goes unscoped and says why."""
    from mallops.catalogue.selectors import categories
    from mallops.review.checks import text_fields

    rows = (
        Listing.objects.unscoped(reason="compliance self-inspection")
        .filter(live_version__isnull=False, taken_down_at__isnull=True)
        .select_related("live_version")
        .order_by("pk")
    )
    compliance_of = dict(categories().values_list("code", "compliance_category"))
    out = []
    for listing in rows:
        assert listing.live_version is not None
        snapshot = listing.live_version.snapshot
        category = compliance_of.get(snapshot.get("category", ""), "") or "general"
        out.append((listing, category, list(text_fields(snapshot))))
    return out


# ---- scorecards (R8.1.2) ---------------------------------------------------------------------------------
def reviewer_period_facts(*, since: datetime, until: datetime) -> dict[int, dict[str, Any]]:
    """Per reviewer (user id), their human decisions decided in ``[since, until)``: ``turnaround_seconds``
    (submission to decision, one per decision), ``decisions`` and ``reversed`` (approvals whose listing was
    later taken down by staff or at a rule re-check while that approved version was live). Automatic
    decisions have no reviewer and are not counted. A platform read for the scorecards job: unscoped."""
    from mallops.review.models import TakedownKind

    rows = (
        ListingVersion.objects.unscoped(reason="reviewer scorecards")
        .filter(
            status__in=[VersionStatus.APPROVED, VersionStatus.REJECTED],
            decided_by__isnull=False,
            decided_at__gte=since,
            decided_at__lt=until,
        )
        .values_list("pk", "listing_id", "status", "submitted_at", "decided_at", "decided_by_id")
    )
    rows = list(rows)
    approved_listings = {row[1] for row in rows if row[2] == VersionStatus.APPROVED}
    taken_down = {
        listing_id: (live_version_id, taken_down_at)
        for listing_id, live_version_id, taken_down_at in Listing.objects.unscoped(
            reason="reviewer scorecards"
        )
        .filter(
            pk__in=approved_listings,
            taken_down_at__isnull=False,
            takedown_kind__in=[TakedownKind.STAFF, TakedownKind.RECHECK],
        )
        .values_list("pk", "live_version_id", "taken_down_at")
    }
    out: dict[int, dict[str, Any]] = {}
    for pk, listing_id, status, submitted_at, decided_at, reviewer_id in rows:
        facts = out.setdefault(reviewer_id, {"turnaround_seconds": [], "decisions": 0, "reversed": 0})
        facts["decisions"] += 1
        facts["turnaround_seconds"].append((decided_at - submitted_at).total_seconds())
        down = taken_down.get(listing_id)
        if status == VersionStatus.APPROVED and down is not None and down[0] == pk and down[1] > decided_at:
            facts["reversed"] += 1
    return out


def live_listing_ids(*, product_ids: list[int]) -> dict[int, int]:
    """Product id → its live listing's id (one query; products without a live listing are absent)."""
    rows = Listing.objects.unscoped(reason="public: which listing of a product is live").filter(
        product_id__in=product_ids, status=ListingStatus.LIVE
    )
    return {int(product): int(pk) for product, pk in rows.values_list("product_id", "pk")}
