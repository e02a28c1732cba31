"""Words the console shows for store-text codes (``{{ value|label:"stores.status" }}``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

STATUS: dict[str, Any] = {
    "live": _("Showing to buyers"),
    "pending": _("Waiting for review"),
    "rejected": _("Rejected"),
    "replaced": _("Replaced"),
}

DECISION: dict[str, Any] = {"approved": _("Approved"), "rejected": _("Rejected")}

LABELS: dict[str, Any] = {"status": STATUS, "decision": DECISION}

# audit actions of this app (``core.words.action_label``)
ACTIONS: dict[str, Any] = {
    "stores.notice.submit": _("Store announcement submitted"),
    "stores.notice.approve": _("Store announcement approved"),
    "stores.notice.reject": _("Store announcement rejected"),
    "stores.name.approve": _("Store name approved"),
    "stores.name.reject": _("Store name rejected"),
}

FIELDS: dict[str, Any] = {"text": _("Announcement"), "note": _("Note"), "name": _("Store name")}
