"""Buyer tags (买家标签): the tags with their counts, the buyers of one tag, removing and renaming a tag.

A tag is a name on :class:`BuyerTag` rows (giving it: ``services.buyer_tags_add``); it picks a campaign's or
strategy's audience together with segment and tier (``marketing.audience``, where marketing consent is
asked). Reading needs ``promotion.view``, every change ``user_ops.manage`` or ``promotion.manage`` (TARGETING)
and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.db.models import Count, QuerySet

from mallops.accounts.services import require_any_permission, require_permission
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.marketing import audience
from mallops.marketing.models import BuyerTag, Campaign

# campaigns that have not picked their audience yet follow a renamed tag
_OPEN = (Campaign.Status.DRAFT, Campaign.Status.APPROVED, Campaign.Status.SCHEDULED)

# who tags buyers and drafts campaigns: 用户运营 (their duty: segments and outreach) and whoever manages the
# platform's promotions; approving and launching a campaign (it spends coupons) stays ``promotion.manage``
TARGETING: Final = ("user_ops.manage", "promotion.manage")


def tag_counts(*, actor: Actor) -> QuerySet[Any]:
    """One row per tag: ``{"tag", "buyers"}`` (a values queryset, sortable by either)."""
    require_permission(actor, "promotion.view")
    return BuyerTag.objects.order_by().values("tag").annotate(buyers=Count("id"))


def tag_buyers(*, actor: Actor, tag: str) -> QuerySet[BuyerTag]:
    """The buyers carrying ``tag`` (404 for a tag nobody carries)."""
    require_permission(actor, "promotion.view")
    rows: QuerySet[BuyerTag] = BuyerTag.objects.filter(tag=tag).select_related("buyer")
    if not rows.exists():
        raise not_found("tag")
    return rows


@dataclass(frozen=True)
class TagUse:
    buyers: int
    consenting: int  # of them, with marketing consent now (a campaign on the tag reaches at most these)
    campaigns: list[Campaign]  # campaigns whose audience names the tag


def tag_use(*, actor: Actor, tag: str) -> TagUse:
    require_permission(actor, "promotion.view")
    found = audience.resolve(actor=actor, tags=[tag])
    named = [c for c in Campaign.objects.order_by("-pk")[:500] if tag in (c.tags or [])]
    return TagUse(buyers=found.matched, consenting=len(found.buyers), campaigns=named)


def _name(tag: str, field: str = "tag") -> str:
    tag = tag.strip()
    if not tag or len(tag) > 30:
        raise validation_error([FieldError(("body", field), "1 to 30 characters.", "length")])
    return tag


@audited()
def buyer_tag_remove(*, actor: Actor, tag: str, buyer_ids: list[int] | None = None) -> int:
    """Take ``tag`` from the listed buyers, or from every buyer (``buyer_ids`` None: the tag is deleted).
    Returns the rows removed; audited as ``marketing.buyer_tag.remove``."""
    require_any_permission(actor, TARGETING)
    rows = BuyerTag.objects.filter(tag=tag)
    if buyer_ids is not None:
        rows = rows.filter(buyer_id__in=buyer_ids)
    removed, _detail = rows.delete()
    if removed:
        audit_record(
            actor=actor,
            action="marketing.buyer_tag.remove",
            object_type="marketing.buyertag",
            object_id=tag,
            after={"tag": tag, "removed": removed, "all": buyer_ids is None},
        )
    return removed


@audited()
def buyer_tag_rename(*, actor: Actor, tag: str, new_name: str) -> int:
    """Rename ``tag`` (a buyer already carrying ``new_name`` keeps one row); campaigns that have not
    delivered yet (draft, approved, scheduled) follow the new name. 404 unknown tag, 422 bad name.
    Returns the buyers carrying the new name; audited as ``marketing.buyer_tag.rename``."""
    require_any_permission(actor, TARGETING)
    new_name = _name(new_name, "new_name")
    rows = BuyerTag.objects.select_for_update().filter(tag=tag)
    buyer_ids = list(rows.values_list("buyer_id", flat=True))
    if not buyer_ids:
        raise not_found("tag")
    if new_name == tag:
        return len(buyer_ids)
    held = set(BuyerTag.objects.filter(tag=new_name).values_list("buyer_id", flat=True))
    rows.filter(buyer_id__in=held).delete()
    rows.exclude(buyer_id__in=held).update(tag=new_name)
    followed = []
    for campaign in Campaign.objects.select_for_update().filter(status__in=_OPEN).order_by("pk"):
        if tag in (campaign.tags or []):
            campaign.tags = list(dict.fromkeys(new_name if t == tag else t for t in campaign.tags))
            campaign.save(update_fields=["tags"])
            followed.append(campaign.pk)
    audit_record(
        actor=actor,
        action="marketing.buyer_tag.rename",
        object_type="marketing.buyertag",
        object_id=new_name,
        before={"tag": tag},
        after={"tag": new_name, "buyers": len(set(buyer_ids) | held), "campaigns": followed},
    )
    return len(set(buyer_ids) | held)
