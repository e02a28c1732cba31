"""What the console shows for promotion and coupon codes (read by ``mallops.core.words``; glossary words)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

KIND = {
    "threshold": _("Spend-and-save"),
    "percent_off": _("Percentage off"),
    "amount_off": _("Direct price cut"),
    "nth_item": _("Nth item discount"),
    "multi_buy": _("Multi-buy discount"),
}
LAYER = {"item": _("Item level"), "store": _("Store level"), "platform": _("Platform level")}
PROMOTION_STATUS = {
    "draft": _("Draft"),
    "scheduled": _("Not started"),
    "live": _("Running"),
    "ended": _("Ended"),
    "cancelled": _("Cancelled"),
}
COUPON_BATCH_STATUS = {"active": _("Issuing"), "cancelled": _("Cancelled")}
COUPON_STATUS = {
    "unused": _("Unused"),
    "used": _("Used"),
    "expired": _("Expired"),
    "revoked": _("Revoked"),
}
COUPON_STYLE = {"voucher": _("Coupon"), "red_packet": _("Red packet")}
MEMBERSHIP_STATUS = {"active": _("Active membership"), "revoked": _("Revoked")}

LABELS: dict[str, Any] = {
    "kind": KIND,
    "layer": LAYER,
    "promotion_status": PROMOTION_STATUS,
    "coupon_batch_status": COUPON_BATCH_STATUS,
    "coupon_status": COUPON_STATUS,
    "coupon_style": COUPON_STYLE,
    "membership_status": MEMBERSHIP_STATUS,
}
