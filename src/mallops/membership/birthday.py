"""The birthday gift (R4.3.1): a member's birthday (month and day) and the tier's gift on that day.

- **Birthday**: the buyer gives it (optional; month and day only). It may change once per 365 days
  (``BIRTHDAY_CHANGE_INTERVAL``), so moving it to collect another gift does not pay; setting the same
  value again is no change.
- **Gift**: a tier gives ``gift_points`` and/or one coupon of ``gift_coupon_batch``. The daily sweep
  (``membership_birthday_gifts``) hands it over on the birthday (Asia/Shanghai date; a 29 February
  birthday is 28 February in other years) and still within ``CATCH_UP_DAYS`` after it, so a worker that was
  down catches up. A unique :class:`BirthdayGift` row per member and birthday year makes it at most once a
  year and a re-run a no-op; the row is also the buyer's notice (我的 → 消息).
- **A refused coupon** (the batch ended, is used up or inactive) is not lost silently: the gift row
  records ``coupon_status = retrying`` (the points are given at once), and each sweep tries the batch
  again until the catch-up window closes (the birthday + ``CATCH_UP_DAYS``, Beijing date), so an operator
  who tops up or extends the batch in time gets the coupon out. Past the window it is ``failed``. Both show
  on the console (member list warning, member page) and in the audit log; docs/membership.md.

Lock order: the member row, then the coupon batch (``pricing.coupons``), then the points account (last,
``membership.points``); the audit head after all of them (``audited``).
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.core.timeutil import SHANGHAI
from mallops.membership import points
from mallops.membership.errors import MembershipCode
from mallops.membership.models import BirthdayGift, Member, Tier
from mallops.orders.permissions import require_buyer
from mallops.pricing.coupons import coupons_grant_benefit

log = logging.getLogger(__name__)

BIRTHDAY_CHANGE_INTERVAL = timedelta(days=365)
CATCH_UP_DAYS = 6  # a gift still goes out this many days after the birthday (a worker that was down)

_TITLE = gettext_noop("Happy birthday! Your %(tier)s birthday gift has arrived")
_TITLE_WITH = gettext_noop("Happy birthday! Your %(tier)s birthday gift has arrived: %(gift)s")
_POINTS = gettext_noop("%(points)s points")
_COUPON = gettext_noop("a coupon")


def birthday_in(year: int, month: int, day: int) -> date:
    """The member's birthday in ``year``: 29 February is 28 February in a year that is not a leap year."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def due_birthday(month: int, day: int, today: date, catch_up_days: int = CATCH_UP_DAYS) -> date | None:
    """The birthday (this year's or, early in January, last year's) that falls in
    [``today`` − ``catch_up_days``, ``today``], or None."""
    for year in (today.year, today.year - 1):
        when = birthday_in(year, month, day)
        if today - timedelta(days=catch_up_days) <= when <= today:
            return when
    return None


def _valid(month: int, day: int) -> bool:
    try:
        date(2000, month, day)  # a leap year: 29 February is a birthday
    except (ValueError, OverflowError):  # OverflowError: beyond a C long (a hostile console POST)
        return False
    return True


@dataclass(frozen=True)
class Birthday:
    month: int | None
    day: int | None
    set_at: datetime | None
    changeable_from: datetime | None  # None: may be set now


def _state(member: Member | None) -> Birthday:
    if member is None or member.birthday_month is None:
        return Birthday(None, None, None, None)
    when = member.birthday_set_at
    return Birthday(
        member.birthday_month, member.birthday_day, when, when + BIRTHDAY_CHANGE_INTERVAL if when else None
    )


def birthday_of(*, buyer: Any, now: datetime | None = None) -> Birthday:
    """The buyer's own birthday and from when it may change again (``changeable_from`` None: now)."""
    require_buyer(buyer)
    now = now or timezone.now()
    state = _state(Member.objects.filter(buyer_id=buyer.pk).first())
    if state.changeable_from is not None and state.changeable_from <= now:
        return Birthday(state.month, state.day, state.set_at, None)
    return state


@audited()
def member_birthday_set(*, actor: Actor, month: int, day: int, now: datetime | None = None) -> Birthday:
    """The buyer (``actor``) gives or changes their birthday. Errors: 422 ``invalid`` (no such date),
    404 ``not_found`` (the buyer is no member yet), 409 ``birthday_change_limited`` within 365 days of the
    last change (the same value again is accepted and changes nothing). Locks the member row; audited as
    ``membership.birthday_set`` without the date itself (personal data)."""
    require_buyer(actor)
    now = now or timezone.now()
    if not _valid(month, day):
        raise validation_error([FieldError(loc=("body", "day"), msg="No such date.", code="invalid")])
    member = Member.objects.select_for_update().filter(buyer_id=actor.user_id).first()
    if member is None:
        raise not_found("member")
    if (member.birthday_month, member.birthday_day) == (month, day):
        return _state(member)
    if member.birthday_set_at is not None and now < member.birthday_set_at + BIRTHDAY_CHANGE_INTERVAL:
        raise conflict(
            "The birthday can change once every 365 days.",
            code=MembershipCode.BIRTHDAY_CHANGE_LIMITED,
            changeable_from=(member.birthday_set_at + BIRTHDAY_CHANGE_INTERVAL).isoformat(),
        )
    first = member.birthday_month is None
    member.birthday_month, member.birthday_day, member.birthday_set_at = month, day, now
    member.save(update_fields=["birthday_month", "birthday_day", "birthday_set_at", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.birthday_set",
        obj=member,
        after={"first": first},
    )
    return _state(member)


@audited()
def birthday_gift_grant(*, buyer_id: int, now: datetime) -> BirthdayGift | None:
    """Give the member the tier's birthday gift when a birthday is due (today or up to ``CATCH_UP_DAYS``
    ago, Asia/Shanghai) and not given for that year yet. None when nothing is due, the member has no tier
    or the tier gives nothing. The points go through the points ledger (``gift`` entry, expiring like
    earned points); the coupon through ``pricing.coupons`` (none when the batch refuses: ended, used up).
    Audited as ``membership.birthday_gift`` (system actor)."""
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("tier")
        .filter(buyer_id=buyer_id)
        .first()
    )
    if member is None or member.birthday_month is None or member.birthday_day is None:
        return None
    tier = member.tier
    if tier is None or not tier.active or not (tier.gift_points or tier.gift_coupon_batch_id):
        return None
    when = due_birthday(member.birthday_month, member.birthday_day, now.astimezone(SHANGHAI).date())
    if when is None or BirthdayGift.objects.filter(member=member, year=when.year).exists():
        return None
    if member.birthday_set_at is not None and member.birthday_set_at >= datetime.combine(
        when, time.min, tzinfo=SHANGHAI
    ):
        # given on or after the birthday: a birthday named "yesterday" would pay at once (the catch-up days)
        return None
    coupon_id = None
    status = BirthdayGift.CouponStatus.NONE
    if tier.gift_coupon_batch_id is not None:
        coupon_id = _coupon(tier.gift_coupon_batch_id, buyer_id, now)
        status = BirthdayGift.CouponStatus.ISSUED if coupon_id else BirthdayGift.CouponStatus.RETRYING
    if tier.gift_points:
        points.points_gift(
            buyer_id=buyer_id, points=tier.gift_points, reference=f"birthday-{when.year}", now=now
        )
    gift = BirthdayGift.objects.create(
        member=member,
        buyer_id=buyer_id,
        year=when.year,
        birthday=when,
        tier_code=tier.code,
        points=tier.gift_points,
        coupon_id=coupon_id,
        coupon_batch_id=tier.gift_coupon_batch_id,
        coupon_status=status,
        title=_title(tier.name, tier.gift_points, coupon_id is not None)[:200],
        created_at=now,
    )
    audit_record(
        actor=None,
        action="membership.birthday_gift",
        obj=member,
        after={
            "tier": tier.code,
            "year": when.year,
            "points": tier.gift_points,
            "coupon": coupon_id,
            "coupon_status": status,
        },
    )
    return gift


def _coupon(batch_id: int, buyer_id: int, now: datetime) -> int | None:
    issued = coupons_grant_benefit(batch_id=batch_id, buyer_id=buyer_id, count=1, now=now)
    return issued[0] if issued else None


def _title(tier_name: str, gift_points: int, with_coupon: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        parts = [translation.gettext(_POINTS) % {"points": gift_points}] if gift_points else []
        if with_coupon:
            parts.append(translation.gettext(_COUPON))
        gift_words = translation.gettext(", ").join(parts)
        template = _TITLE_WITH if parts else _TITLE
        return translation.gettext(template) % {"tier": tier_name, "gift": gift_words}


def coupon_retry_until(gift: BirthdayGift) -> date:
    """The last Beijing date on which a refused birthday coupon is tried again (the catch-up window)."""
    return gift.birthday + timedelta(days=CATCH_UP_DAYS)


@audited()
def birthday_coupon_retry(*, gift_id: int, now: datetime) -> str:
    """Try the batch again for a gift whose coupon it refused (``retrying``): ``issued`` when it gives
    one now (the gift's notice names the coupon and shows unread again), ``failed`` once the catch-up
    window has closed, else still ``retrying``. Returns the gift's coupon status; a gift in another status
    is left alone. Locks the member row, then the gift, then the batch (the grant's order). Audited as
    ``membership.birthday_coupon_issued`` / ``membership.birthday_coupon_failed`` (system actor)."""
    gift = BirthdayGift.objects.filter(pk=gift_id).only("member_id").first()
    if gift is None:
        return ""
    Member.objects.select_for_update().filter(pk=gift.member_id).first()
    gift = BirthdayGift.objects.select_for_update().get(pk=gift_id)
    if gift.coupon_status != BirthdayGift.CouponStatus.RETRYING or gift.coupon_batch_id is None:
        return str(gift.coupon_status)
    if now.astimezone(SHANGHAI).date() > coupon_retry_until(gift):
        gift.coupon_status = BirthdayGift.CouponStatus.FAILED
        gift.save(update_fields=["coupon_status"])
        log.warning("birthday coupon of gift %s not given: batch %s refused", gift.pk, gift.coupon_batch_id)
        audit_record(
            actor=None,
            action="membership.birthday_coupon_failed",
            obj=gift,
            after={"year": gift.year, "batch": gift.coupon_batch_id},
        )
        return str(gift.coupon_status)
    coupon_id = _coupon(gift.coupon_batch_id, gift.buyer_id, now)
    if coupon_id is None:
        return str(gift.coupon_status)
    tier = Tier.objects.filter(code=gift.tier_code).first()
    gift.coupon_id, gift.coupon_status = coupon_id, BirthdayGift.CouponStatus.ISSUED
    gift.title = _title(tier.name if tier else gift.tier_code, gift.points, True)[:200]
    gift.read_at = None
    gift.save(update_fields=["coupon_id", "coupon_status", "title", "read_at"])
    audit_record(
        actor=None,
        action="membership.birthday_coupon_issued",
        obj=gift,
        after={"year": gift.year, "batch": gift.coupon_batch_id, "coupon": coupon_id},
    )
    return str(gift.coupon_status)


def birthday_gifts_grant(*, now: datetime) -> int:
    """The hourly pass: members with a birthday in the catch-up window and a tier that gives a gift, then
    the gifts whose coupon the batch refused (``birthday_coupon_retry``); one transaction each. Returns
    the gifts given plus the refused coupons given now."""
    today = now.astimezone(SHANGHAI).date()
    months = {(today - timedelta(days=n)).month for n in range(CATCH_UP_DAYS + 1)}
    candidates = (
        Member.objects.filter(birthday_month__in=months, tier__active=True)
        .exclude(tier__gift_points=0, tier__gift_coupon_batch__isnull=True)
        .order_by("buyer_id")
        .values_list("buyer_id", "birthday_month", "birthday_day")
    )
    given = 0
    for buyer_id, month, day in list(candidates):
        if due_birthday(month, day, today) is not None and birthday_gift_grant(buyer_id=buyer_id, now=now):
            given += 1
    retrying = BirthdayGift.objects.filter(coupon_status=BirthdayGift.CouponStatus.RETRYING).order_by("pk")
    for gift_id in list(retrying.values_list("pk", flat=True)):
        if birthday_coupon_retry(gift_id=gift_id, now=now) == BirthdayGift.CouponStatus.ISSUED:
            given += 1
    return given
