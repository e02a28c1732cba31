"""What the console shows for product-review codes (read by ``mallops.core.words``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.product_reviews.models import Visibility

KIND = {
    "review": _("Buyer review"),
    "follow_up": _("Follow-up review"),
    "reply": _("Store reply"),
    "question": _("Question"),
    "answer": _("Answer"),
}

STATUS = {
    Visibility.PENDING.value: _("Awaiting moderation"),
    Visibility.VISIBLE.value: _("Shown to buyers"),
    Visibility.HIDDEN.value: _("Hidden"),
}

SOURCE = {"compliance": _("Content compliance"), "risk": _("Risk control")}

LABELS: dict[str, Any] = {"kind": KIND, "status": STATUS, "source": SOURCE}

FIELDS: dict[str, Any] = {
    "text": _("What was written"),
    "rating": _("Star rating"),
    "reason": _("Reason for hiding"),
    "file": _("Picture"),
}
