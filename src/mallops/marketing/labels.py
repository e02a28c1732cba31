"""Words the console shows for marketing codes (``{{ value|label:"marketing.kind" }}``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from mallops.marketing.models import Channel

LABELS: dict[str, Any] = {
    "kind": Channel.Kind,
    "model": {"last_touch": _("Last touch"), "first_touch": _("First touch")},
}

# audit actions of this app (``core.words.action_label``)
ACTIONS: dict[str, Any] = {
    "marketing.channel.create": _("Marketing channel created"),
    "marketing.spend.set": _("Marketing spend recorded"),
}

FIELDS: dict[str, Any] = {
    "code": _("Channel code"),
    "name": _("Channel name"),
    "kind": _("Channel kind"),
    "utm_source": _("UTM source"),
    "amount_fen": _("Marketing spend"),
    "amount_yuan": _("Marketing spend"),
    "day": _("Spend day"),
    "channel": _("Marketing channel"),
    "file": _("Spend file"),
}
