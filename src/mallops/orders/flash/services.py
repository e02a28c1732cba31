"""Flash sales (限时抢购/限量发售): the facade other modules import.

Setting a sale up (create, edit, cancel) is ``mallops.orders.flash.setup``; buying on two paths, release
and finalisation are ``mallops.orders.flash.buying`` (split from one 640-line module, ADR 0006). Both
are re-exported here, so ``from mallops.orders.flash.services import ...`` keeps working (the private
helpers only where the fast path uses them).
"""

from __future__ import annotations

from mallops.orders.flash.buying import (
    AttemptResult,
    FlashReconciliation,
    IdempotencyRecorded,
    TokenRefused,
    _attempt_redis,
    _check_open,
    _sale,
    attempt_db_in_transaction,
    flash_attempt,
    flash_attempt_get,
    flash_drain,
    flash_order_paid,
    flash_order_released,
    flash_reconcile,
    flash_sale_finalize,
    redis_enabled,
)
from mallops.orders.flash.setup import (
    flash_sale_cancel,
    flash_sale_create,
    flash_sale_update,
)

__all__ = [
    "AttemptResult",
    "FlashReconciliation",
    "IdempotencyRecorded",
    "TokenRefused",
    "_attempt_redis",
    "_check_open",
    "_sale",
    "attempt_db_in_transaction",
    "flash_attempt",
    "flash_attempt_get",
    "flash_drain",
    "flash_order_paid",
    "flash_order_released",
    "flash_reconcile",
    "flash_sale_cancel",
    "flash_sale_create",
    "flash_sale_finalize",
    "flash_sale_update",
    "redis_enabled",
]
