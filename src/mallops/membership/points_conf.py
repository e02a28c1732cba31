"""Points rules, from ``settings.MALLOPS`` or the environment (R2.3.1; docs/membership.md, "Points").

``POINTS_PER_YUAN`` (1): points earned per whole 元 paid in cash by a buyer without a tier (a tier has
its own ``points_per_yuan``).
``POINTS_RATE`` (100): how many points pay 1 元 at checkout (100 points = 1 元).
``POINTS_CAP_PERCENT`` (50): points pay at most this share of an order's payable amount (99 at most: an
order always keeps a cash part).
``POINTS_FREEZE_DAYS`` (7): earned points stay frozen this many days after delivery (the no-reason
return window); an order not yet delivered keeps them frozen.
``POINTS_EXPIRY_MONTHS`` (12): earned points expire at the end of this calendar month after earning
(Asia/Shanghai).
``POINTS_EXPIRY_NOTICE_DAYS`` (30): the buyer is told this many days before points expire.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    "POINTS_PER_YUAN": 1,
    "POINTS_RATE": 100,
    "POINTS_CAP_PERCENT": 50,
    "POINTS_FREEZE_DAYS": 7,
    "POINTS_EXPIRY_MONTHS": 12,
    "POINTS_EXPIRY_NOTICE_DAYS": 30,
}


def value(name: str) -> int:
    configured = getattr(settings, "MALLOPS", {}).get(name)
    if configured is not None:
        return int(configured)
    return int(os.environ.get(f"MALLOPS_{name}", DEFAULTS[name]))
