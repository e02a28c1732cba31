"""What the console shows for payment codes and fields (read by ``mallops.core.words``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

FIELDS: dict[str, Any] = {
    "order": _("Order"),
    "amount_fen": _("Amount"),
    "provider": _("Payment provider"),
    "method": _("Payment method"),
}
LABELS: dict[str, Any] = {}
