"""After-sales timers, from ``settings.MALLOPS`` or the environment (platform practice, configurable).

``AFTERSALES_ACCEPT_MINUTES`` (15, R5.2.1): acknowledgement deadline (met at creation automatically).
``AFTERSALES_RESPOND_HOURS`` (48): the merchant answers by then or the request is approved.
``AFTERSALES_DISPUTE_EVIDENCE_HOURS`` (48): the merchant's evidence window once a dispute opens.
``AFTERSALES_RULING_HOURS`` (72, R5.2.3): the platform rules within this many hours of the opening.
``AFTERSALES_RETURN_SHIP_HOURS`` (168): after approval the buyer sends the goods back by then, or the
request lapses.
``AFTERSALES_RECEIVE_HOURS`` (240): the merchant confirms receipt (or rejects) by then, or the parcel counts
as received (restock and refund).
``AFTERSALES_REPLACEMENT_HOURS`` (48): an exchange's replacement is sent by then, or it is flagged overdue.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    "AFTERSALES_ACCEPT_MINUTES": 15,
    "AFTERSALES_RESPOND_HOURS": 48,
    "AFTERSALES_DISPUTE_EVIDENCE_HOURS": 48,
    "AFTERSALES_RULING_HOURS": 72,
    "AFTERSALES_RETURN_SHIP_HOURS": 168,
    "AFTERSALES_RECEIVE_HOURS": 240,
    "AFTERSALES_REPLACEMENT_HOURS": 48,
}


def value(name: str) -> int:
    configured = getattr(settings, "MALLOPS", {}).get(name)
    if configured is not None:
        return int(configured)
    return int(os.environ.get(f"MALLOPS_{name}", DEFAULTS[name]))
