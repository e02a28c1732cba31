"""Buyer segments (the RFM tags of ``SegmentMember``) and issuing a coupon batch to one (R3.2.5).

Moved here from ``pricing.segments`` (issue 16, ADR 0006): which buyers a segment holds, which of them
a store reaches and which consent to marketing are analytics' and dsr's questions, and analytics sits
above orders, pricing and dsr. Pricing keeps the issue itself (``pricing.coupons.coupons_issue_audience``:
permission, batch lock, one coupon per buyer, refusals, audit); this module gives it the buyers.

Platform operations (``promotion.manage``) issue platform batches to a whole segment; a merchant
(``store.promotion.manage``) issues its own store's batches, and only to the segment's buyers who have
paid an order of that store (a store does not reach the platform's other buyers). A buyer without
marketing consent is skipped and counted (PIPL Art. 13-15). Each buyer gets one coupon of the batch at
most: running the same issue twice issues nothing new. One audit event per run
(``pricing.coupons_issue_segment``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.analytics.models import SegmentMember
from mallops.analytics.rfm import Tag
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, validation_error
from mallops.dsr.consent_selectors import consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.orders.models import Order
from mallops.pricing.coupons import Audience, coupons_issue_audience

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


def segment_choices_for(merchant_id: int | None) -> list[tuple[str, str, int]]:
    """The segment form's choices of the platform's coupon page (``None``) or a store's."""
    sizes = segment_sizes() if merchant_id is None else store_segment_sizes(merchant_id)
    return segment_choices(sizes)


@dataclass
class SegmentIssueResult:
    segment: str
    members: int  # buyers of the segment this issue reaches
    issued: list[int] = field(default_factory=list)  # new coupon ids
    already: int = 0  # buyers who already held a coupon of the batch
    refused: dict[str, int] = field(default_factory=dict)  # reason code → buyers
    no_consent: int = 0  # buyers skipped: no marketing consent (dsr.selectors.consent_allows)


def _segment_audience(segment: str, merchant_id: int | None) -> Audience:
    if segment not in SEGMENTS:
        raise validation_error(
            [FieldError(loc=("body", "segment"), msg=f"one of {', '.join(SEGMENTS)}", code="unknown_segment")]
        )
    names = segment_usernames(segment)
    buyers: list[int] = list(
        User.objects.filter(username__in=names, kind=Kind.BUYER, is_active=True)
        .order_by("username")
        .values_list("pk", flat=True)
    )
    if merchant_id is not None:
        customers = _store_customers(merchant_id)
        buyers = [b for b in buyers if b in customers]
    # consent binds: a buyer without marketing consent is not targeted (PIPL Art. 13-15; counted, skipped)
    consenting = consenting_user_ids(buyers, Purpose.MARKETING)
    reached = [b for b in buyers if b in consenting]
    return Audience(
        buyer_ids=reached,
        audit={"segment": segment, "members": len(buyers), "no_consent": len(buyers) - len(reached)},
    )


def coupons_issue_segment(
    *, actor: Actor, merchant_id: int | None, batch_id: int, segment: str
) -> SegmentIssueResult:
    """Issue one coupon of the batch to every buyer of ``segment`` who holds none yet.

    Errors: 403 without the permission, 404 for a batch outside the actor's scope, then 422
    ``unknown_segment``; the batch's own refusals are counted per buyer, not raised."""
    chosen: list[Audience] = []

    def audience() -> Audience:
        chosen.append(_segment_audience(segment, merchant_id))
        return chosen[0]

    issue = coupons_issue_audience(
        actor=actor,
        merchant_id=merchant_id,
        batch_id=batch_id,
        audience=audience,
        action="pricing.coupons_issue_segment",
    )
    facts = chosen[0].audit
    return SegmentIssueResult(
        segment=segment,
        members=facts["members"],
        issued=issue.issued,
        already=issue.already,
        refused=issue.refused,
        no_consent=facts["no_consent"],
    )
