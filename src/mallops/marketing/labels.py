"""Words the console shows for marketing codes (``{{ value|label:"marketing.kind" }}``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from mallops.marketing.models import Channel

# the services' field-error messages, so the console shows them in Chinese (``core.words.error_lines``)
MESSAGES = (
    gettext_noop("Unknown channel."),
    gettext_noop("Not a date (YYYY-MM-DD)."),
    gettext_noop("Not an amount in yuan."),
    gettext_noop("Spend cannot be negative."),
    gettext_noop("Spend is implausibly large."),
    gettext_noop("This channel and day appear twice."),
    gettext_noop("Expected 3 columns."),
    gettext_noop("The first row must be: channel,day,amount_yuan."),
    gettext_noop("Unknown channel kind."),
)

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
