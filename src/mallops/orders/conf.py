"""Order timers and flash-sale switches, from ``settings.MALLOPS`` or the environment.

``ORDER_PAY_MINUTES`` (30): unpaid orders are cancelled and their stock released.
``ORDER_SHIP_HOURS`` (48): paid orders not shipped by then are flagged late.
``ORDER_COMPLETE_DAYS`` (7): delivered orders complete automatically.
``FLASH_PAY_MINUTES`` (15): unpaid flash orders go back to the sale.
The flash-sale path is Redis when ``settings.REDIS_CLUSTER_URL`` (a Redis Cluster, reached through
redis-py's cluster client) or ``settings.REDIS_URL`` (one Redis) is set, the database otherwise.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    "ORDER_PAY_MINUTES": 30,
    "ORDER_SHIP_HOURS": 48,
    "ORDER_COMPLETE_DAYS": 7,
    "FLASH_PAY_MINUTES": 15,
}


def value(name: str) -> int:
    configured = getattr(settings, "MALLOPS", {}).get(name)
    if configured is not None:
        return int(configured)
    return int(os.environ.get(f"MALLOPS_{name}", DEFAULTS[name]))


def redis_url() -> str:
    """The Redis of the flash-sale counters and the token cache ("" = the database path)."""
    return redis_cluster_url() or str(getattr(settings, "REDIS_URL", "") or "")


def redis_cluster_url() -> str:
    return str(getattr(settings, "REDIS_CLUSTER_URL", "") or "")
