"""Labels for codes that several apps' records share (read by ``mallops.core.words`` as ``core.<name>``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

DATA_CLASS = {
    "identity": _("Identity data"),
    "contact": _("Contact data"),
    "transaction": _("Transaction data"),
    "browsing": _("Browsing and device data"),
    "sensitive": _("Sensitive personal data"),
}

LABELS: dict[str, Any] = {"data_class": DATA_CLASS}
