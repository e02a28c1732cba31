"""Member days (R4.3.1): a dated event with an offer for members, through the pricing promotion services.

A member day is a platform 满减 (``threshold`` promotion, platform layer) marked members-only that runs for
one Beijing calendar day; it is created and launched by ``pricing.services`` (pre-launch price-law checks,
audit), so it shows on 促销活动 and applies in the live quote with the tier's member price (item layer)
before it. The promotion's name carries the tier (``黄金会员日``).

A ``MemberDay`` row links the promotion to its tier; pricing's members-only check asks the tier gate
registered by this app (``pricing.memberships.register_tier_gate``), so only members whose platform level
is the tier's code get the offer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.membership.models import MemberDay, Tier
from mallops.pricing import services as promotions
from mallops.pricing.models import Promotion

BEIJING = ZoneInfo("Asia/Shanghai")
MAX_DAYS_AHEAD = timedelta(days=366)  # a member day is planned at most a year ahead


def member_day_window(day: date) -> tuple[datetime, datetime]:
    """The Beijing calendar ``day`` as [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=BEIJING)
    return start, start + timedelta(days=1)


@transaction.atomic
def member_day_create(*, actor: Actor, tier_id: int, day: date, min_fen: int, off_fen: int) -> Promotion:
    """Create and launch the member day of ``tier_id`` on Beijing ``day``: members-only 满 ``min_fen`` 减
    ``off_fen`` (``promotion.manage``). Errors: 404 tier, 422 (``off_fen`` not in 1..``min_fen``; ``range`` at
    ``body.day`` for a day already over or more than 366 days ahead), 409 ``promotion_blocked`` when the pre-launch checks block it (nothing is kept then:
    one transaction)."""
    require_permission(actor, "promotion.manage")
    tier = Tier.objects.filter(pk=tier_id, active=True).first()
    if tier is None:
        raise not_found("tier")
    if not 1 <= off_fen <= min_fen:
        raise validation_error([FieldError(loc=("body", "off_fen"), msg="needs 1 <= off <= min")])
    today = timezone.localdate()  # Beijing (TIME_ZONE); 9999-12-31 would overflow the day's end
    if not today <= day <= today + MAX_DAYS_AHEAD:
        raise validation_error(
            [FieldError(loc=("body", "day"), msg="From today to 366 days ahead (Beijing).", code="range")]
        )
    starts_at, ends_at = member_day_window(day)
    data = promotions.PromotionInput(
        name=f"{tier.name}日",
        kind="threshold",
        starts_at=starts_at,
        ends_at=ends_at,
        tiers=[{"min": min_fen, "off": off_fen}],
        members_only=True,
        description=f"{tier.name}会员日专享",
    )
    row = promotions.promotion_create(actor=actor, merchant_id=None, data=data)
    MemberDay.objects.create(tier=tier, day=day, promotion=row)
    return promotions.promotion_launch(actor=actor, merchant_id=None, promotion_id=row.pk)


def member_day_gate(level: str, promotion_ids: Sequence[int]) -> set[int]:
    """The member-day promotions of ``promotion_ids`` whose tier is not the one of platform ``level``
    (registered with ``pricing.memberships.register_tier_gate``)."""
    return set(
        MemberDay.objects.filter(promotion_id__in=list(promotion_ids))
        .exclude(tier__code=level)
        .values_list("promotion_id", flat=True)
    )


def tier_names(levels: Iterable[str]) -> dict[str, str]:
    """Names of the tiers whose codes are among ``levels`` (``register_tier_names``)."""
    return dict(Tier.objects.filter(code__in=list(levels)).values_list("code", "name"))
