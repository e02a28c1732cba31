"""Words the console shows for membership codes (``{{ value|label:"membership.event_kind" }}``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mallops.membership.models import MemberEvent
from mallops.membership.selectors import Stage

# the services' field-error messages, so the console shows them in Chinese (``core.words.error_lines``)
MESSAGES = (
    gettext_noop("1-20 characters"),
    gettext_noop("1-30 characters"),
    gettext_noop("already used"),
    gettext_noop("one tier per rank"),
    gettext_noop("must not be negative"),
    gettext_noop("a higher rank needs a higher threshold"),
    gettext_noop("0-99"),
    gettext_noop("Not a platform coupon batch."),
    gettext_noop("Choose the coupon batch the tier gives."),
    gettext_noop("0-1000000"),
    gettext_noop("No such date."),
)

LABELS: dict[str, Any] = {
    # the model's choice labels are plain English: the words live here
    "event_kind": {
        MemberEvent.Kind.JOINED: _("Joined the tier"),
        MemberEvent.Kind.UPGRADED: _("Upgraded"),
        MemberEvent.Kind.DOWNGRADE_SCHEDULED: _("Downgrade announced"),
        MemberEvent.Kind.DOWNGRADE_CANCELLED: _("Downgrade cancelled"),
        MemberEvent.Kind.DOWNGRADED: _("Downgraded"),
    },
    "stage": Stage,
    # BirthdayGift.coupon_status
    "gift_coupon_status": {
        "none": "—",
        "issued": _("Issued"),
        "retrying": _("Refused by the batch, retrying"),
        "failed": _("Not given (the batch refused until the window closed)"),
    },
    "coupon_status": {
        "unused": _("Coupon not used yet"),
        "used": _("Coupon used in an order"),
        "expired": _("Coupon expired unused"),
        "revoked": _("Coupon withdrawn"),
    },
}

# audit actions of this app (``core.words.action_label``); the recompute records ``membership.<event kind>``
ACTIONS: dict[str, Any] = {
    "membership.joined": _("Member joined a tier"),
    "membership.upgraded": _("Member upgraded"),
    "membership.downgrade_scheduled": _("Member downgrade announced"),
    "membership.downgrade_cancelled": _("Member downgrade cancelled"),
    "membership.downgraded": _("Member downgraded"),
    "membership.benefit_coupons": _("Member tier coupons granted"),
    "membership.birthday_set": _("Member birthday given"),
    "membership.birthday_gift": _("Birthday gift granted"),
    "membership.birthday_coupon_issued": _("Birthday coupon issued on a retry"),
    "membership.birthday_coupon_failed": _("Birthday coupon not given"),
    "membership.points_gift": _("Points given as a gift"),
    "membership.notices_read": _("Member notices read"),
}

FIELDS: dict[str, Any] = {
    "code": _("Tier code"),
    "name": _("Tier name"),
    "rank": _("Tier rank"),
    "min_growth": _("Growth threshold"),
    "discount_percent": _("Member price (percent off)"),
    "free_shipping": _("Free shipping"),
    "birthday_gift": _("Birthday gift description"),
    "gift_points": _("Birthday gift points"),
    "gift_coupon_batch": _("Birthday gift coupon"),
    "gift_coupon_batch_id": _("Birthday gift coupon"),
    "birthday_month": _("Birthday month"),
    "birthday_day": _("Birthday day"),
    "coupon_batch": _("Coupon batch per month"),
    "coupon_batch_id": _("Coupon batch per month"),
    "coupons_per_period": _("Coupons per month"),
    "active": _("Tier in use"),
    "tier": _("Member tier"),
    "growth": _("Growth value"),
    "downgrade_pending": _("Downgrade announced"),
    "pending_tier": _("Tier after the downgrade"),
    "period_ends_at": _("Tier period ends"),
}
