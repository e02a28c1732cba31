"""What the console shows for after-sales codes (read by ``mallops.core.words``).

The choice fields keep their translated ``TextChoices`` (see ``templatetags/aftersales_labels``); this table
adds the timeline's event codes and the fixed texts the services write to the customer-visible timeline.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.aftersales.models import (
    Classification,
    DisputeCategory,
    DisputeStatus,
    Kind,
    Leg,
    Outcome,
    Party,
    Ruling,
    Status,
)

EVENT = {
    "created": _("Request submitted"),
    "acknowledged": _("Receipt confirmed"),
    "approved": _("Approved by the merchant"),
    "auto_approved": _("Approved automatically"),
    "rejected": _("Rejected by the merchant"),
    "awaiting_return": _("Return requested"),
    "return_shipped": _("Buyer shipped the return"),
    "received": _("Return received"),
    "refunded": _("Refunded"),
    "replacement_shipped": _("Replacement shipped"),
    "replacement_overdue": _("Replacement overdue"),
    "dispute_opened": _("Platform intervention requested"),
    "evidence": _("Evidence submitted"),
    "evidence_closed": _("Evidence window closed"),
    "ruled": _("Platform ruling"),
    "concluded": _("Outcome reached, waiting for review"),
    "reviewed": _("Reviewed by customer service"),
    "closed": _("Closed, confirmation sent to the customer"),
}

# fixed sentences the services store in English on the timeline (the record stays as written)
TIMELINE_TEXT = {
    "We have received your request; the merchant answers by the deadline shown.": _(
        "We have received your request; the merchant answers by the deadline shown."
    ),
    "Please send the goods back and enter the carrier and tracking number.": _(
        "Please send the goods back and enter the carrier and tracking number."
    ),
    "The returned goods have arrived.": _("The returned goods have arrived."),
    "The evidence window has ended.": _("The evidence window has ended."),
}

LABELS: dict[str, Any] = {
    "event": EVENT,
    "timeline_text": TIMELINE_TEXT,
    "kind": Kind,
    "status": Status,
    "classification": Classification,
    "party": Party,
    "outcome": Outcome,
    "ruling": Ruling,
    "dispute_status": DisputeStatus,
    "dispute_category": DisputeCategory,
    "category": DisputeCategory,
    "leg": Leg,
}

FIELDS: dict[str, Any] = {
    "refund_fen": _("Refund amount"),
    "requested_fen": _("Requested amount"),
    "ruling_fen": _("Ruled amount"),
    "outcome": _("Outcome"),
    "ruling": _("Ruling"),
    "party": _("Party"),
    "images": _("Images"),
    "classification": _("Classification"),
    "review_note": _("Review note"),
    "confirmation_text": _("Confirmation to the customer"),
    "reviewed_at": _("Reviewed"),
}
