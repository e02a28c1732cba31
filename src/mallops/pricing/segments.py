"""Issuing a coupon batch to a buyer segment (the analytics RFM tags, R3.2.5).

The analytics app keeps today's tag of every buyer in ``SegmentMember`` (``distinct_id`` is the buyer's
username); it has no selector listing a segment's buyers, so ``segment_usernames`` reads that model
read-only. Platform operations (``promotion.manage``) issue platform batches to a whole segment; a
merchant (``store.promotion.manage``) issues its own store's batches, and only to the segment's buyers
who have paid an order of that store (a store does not reach the platform's other buyers).

Each buyer gets one coupon of the batch at most: a buyer who already holds one (from an earlier run, a
list issue or a claim code) is skipped, so running the same issue twice issues nothing new. The batch
row is locked for the whole run and the total quantity holds (``coupon_batch_exhausted`` once it is
used up). One audit event per run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.accounts.services import require_permission
from mallops.analytics.models import SegmentMember
from mallops.analytics.rfm import Tag
from mallops.audit.services import audit_record
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.dsr.consent_selectors import consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.orders.models import Order
from mallops.pricing.coupons import _issue, _locked_batch, _permission
from mallops.pricing.models import Coupon

SEGMENTS = tuple(tag.value for tag in Tag)
SEGMENT_LABELS = {
    "high_value": _("High value"),
    "potential": _("Potential"),
    "at_risk": _("At risk"),
    "churned": _("Churned"),
    "regular": _("Regular"),
}


def segment_choices(sizes: dict[str, int]) -> list[tuple[str, str, int]]:
    """(tag, label, size) per segment, for the console's segment forms."""
    return [(tag, str(SEGMENT_LABELS.get(tag, tag)), sizes.get(tag, 0)) for tag in SEGMENTS]


def segment_usernames(segment: str) -> list[str]:
    """The usernames tagged ``segment`` by the last segment refresh, sorted (read-only)."""
    return sorted(SegmentMember.objects.filter(tag=segment).values_list("distinct_id", flat=True))


def marketing_consenting(buyer_ids: list[int]) -> set[int]:
    """The buyers whose consent allows marketing now (a coupon issue to named buyers asks this too)."""
    return consenting_user_ids(buyer_ids, Purpose.MARKETING)


def segment_sizes() -> dict[str, int]:
    counts = Counter(SegmentMember.objects.values_list("tag", flat=True))
    return {tag: counts.get(tag, 0) for tag in SEGMENTS}


def _store_customers(merchant_id: int) -> set[int]:
    """Buyers who paid an order of the store (read-only, the store's own orders)."""
    return set(
        Order.objects.for_merchant(merchant_id)
        .filter(paid_at__isnull=False)
        .values_list("buyer_id", flat=True)
        .distinct()
    )


def store_segment_sizes(merchant_id: int) -> dict[str, int]:
    """Per segment, the buyers a store's issue reaches: tagged buyers who paid an order of the store."""
    customers = _store_customers(merchant_id)
    tags = dict(
        User.objects.filter(pk__in=customers, kind=Kind.BUYER, is_active=True).values_list("username", "pk")
    )
    counts = Counter(SegmentMember.objects.filter(distinct_id__in=list(tags)).values_list("tag", flat=True))
    return {tag: counts.get(tag, 0) for tag in SEGMENTS}


@dataclass
class SegmentIssueResult:
    segment: str
    members: int  # buyers of the segment this issue reaches
    issued: list[int] = field(default_factory=list)  # new coupon ids
    already: int = 0  # buyers who already held a coupon of the batch
    refused: dict[str, int] = field(default_factory=dict)  # reason code → buyers
    no_consent: int = 0  # buyers skipped: no marketing consent (dsr.selectors.consent_allows)


@transaction.atomic
def coupons_issue_segment(
    *, actor: Any, merchant_id: int | None, batch_id: int, segment: str, request: Any = None
) -> SegmentIssueResult:
    """Issue one coupon of the batch to every buyer of ``segment`` who holds none yet."""
    require_permission(actor, _permission(merchant_id))
    batch = _locked_batch(batch_id, merchant_id, actor)  # 404 outside the actor's scope first
    if segment not in SEGMENTS:
        raise validation_error(
            [FieldError(loc=("body", "segment"), msg=f"one of {', '.join(SEGMENTS)}", code="unknown_segment")]
        )
    names = segment_usernames(segment)
    buyers = list(
        User.objects.filter(username__in=names, kind=Kind.BUYER, is_active=True).order_by("username")
    )
    if merchant_id is not None:
        customers = _store_customers(merchant_id)
        buyers = [b for b in buyers if b.pk in customers]
    holders = set(
        Coupon.objects.unscoped(reason="who already holds a coupon of this batch")
        .filter(batch_id=batch.pk)
        .values_list("buyer_id", flat=True)
    )
    result = SegmentIssueResult(segment=segment, members=len(buyers))
    # consent binds: a buyer without marketing consent is not targeted (PIPL Art. 13-15; counted, skipped)
    consenting = consenting_user_ids([b.pk for b in buyers], Purpose.MARKETING)
    result.no_consent = sum(1 for b in buyers if b.pk not in consenting)
    buyers = [b for b in buyers if b.pk in consenting]
    refused: Counter[str] = Counter()
    now = timezone.now()
    stopped = ""  # set when the batch itself refuses: every later buyer is refused the same way
    for buyer in buyers:
        if buyer.pk in holders:
            result.already += 1
            continue
        if stopped:
            refused[stopped] += 1
            continue
        try:
            with transaction.atomic():
                result.issued.append(_issue(batch, buyer, now).pk)
        except DomainError as exc:
            refused[exc.code] += 1
            if exc.code in ("coupon_batch_exhausted", "coupon_batch_cancelled", "coupon_batch_ended"):
                stopped = exc.code
    result.refused = dict(refused)
    batch.refresh_from_db(fields=["issued_count"])
    audit_record(
        actor=actor,
        action="pricing.coupons_issue_segment",
        obj=batch,
        merchant_id=merchant_id,
        after={
            "segment": segment,
            "members": result.members,
            "issued": len(result.issued),
            "already": result.already,
            "refused": result.refused,
            "no_consent": result.no_consent,
            "issued_count": batch.issued_count,
        },
        request=request,
    )
    return result
