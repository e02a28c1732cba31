"""Buying in a flash sale on two paths, then release and finalisation.

Path choice: ``settings.REDIS_URL`` set -> Redis (Lua decides, queue writes orders); otherwise the
database path (conditional UPDATEs in the request). Both guarantee: units ordered <= quantity and no
buyer above ``per_buyer_limit``. Setting a sale up is ``mallops.orders.flash.setup``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error
from mallops.orders import conf, stock
from mallops.orders.errors import OrdersCode
from mallops.orders.flash import redis_path
from mallops.orders.flash.writer import add_purchase, claim_units, write_order
from mallops.orders.models import AttemptStatus, FlashAttempt, FlashPurchase, FlashSale, Order
from mallops.orders.permissions import require_buyer

log = logging.getLogger("mallops.orders.flash")


def redis_enabled() -> bool:
    return bool(conf.redis_url())


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: str
    status: str
    order_id: int | None = None
    order_number: str = ""
    path: str = "database"


# ---------------------------------------------------------------- creation, edit, cancel


def _check_open(sale: FlashSale | None, qty: int, now: datetime) -> FlashSale:
    if sale is None:
        raise not_found("flash sale")
    if not sale.item.merchant.is_active:  # the platform suspended the store (``accounts.merchant_suspend``)
        raise conflict("The store is suspended.", code=OrdersCode.MERCHANT_SUSPENDED)
    if not sale.item.catalogue_sku_id:
        # a stock row without a catalogue SKU (made through the stock API before issue 16) was never
        # reviewed or screened: it does not sell, in a flash sale as in checkout (``stock.not_approved``)
        raise conflict("This SKU has no approved catalogue listing.", code=OrdersCode.SKU_NOT_APPROVED)
    if qty <= 0:
        raise validation_error([FieldError(("body", "qty"), "Quantity must be positive.", "invalid_qty")])
    if now < sale.starts_at:
        raise conflict("The flash sale has not started.", code=OrdersCode.FLASH_NOT_STARTED)
    if now >= sale.ends_at or sale.finalized:
        raise conflict("The flash sale has ended.", code=OrdersCode.FLASH_ENDED)
    if qty > sale.per_buyer_limit:
        raise conflict(f"At most {sale.per_buyer_limit} per buyer.", code=OrdersCode.OVER_BUYER_LIMIT)
    return sale


def _sale(sale_id: int) -> FlashSale | None:
    sale: FlashSale | None = (
        FlashSale.objects.unscoped(reason="public flash sale")
        .select_related("item__merchant")
        .filter(pk=sale_id)
        .first()
    )
    return sale


def flash_attempt(*, actor: Actor, sale_id: int, qty: int = 1, now: datetime | None = None) -> AttemptResult:
    """A buyer presses "buy". 409 ``sold_out`` / ``over_buyer_limit`` / ``flash_ended`` when refused."""
    buyer_id = require_buyer(actor)
    now = now or timezone.now()
    sale = _check_open(_sale(sale_id), qty, now)
    if redis_enabled():
        return _attempt_redis(sale, buyer_id, qty)
    return _attempt_db(sale, actor, qty, now)


@audited()
def _attempt_db(sale: FlashSale, actor: Actor, qty: int, now: datetime) -> AttemptResult:
    return attempt_db_in_transaction(sale, actor, qty, now)


def attempt_db_in_transaction(sale: FlashSale, actor: Actor, qty: int, now: datetime) -> AttemptResult:
    """The database decision; the caller holds the (one, short) transaction, which a refusal must
    roll back (the fast path: no savepoint round trip)."""
    if sale.claimed + qty > sale.quantity:
        raise conflict("Sold out.", code=OrdersCode.SOLD_OUT)
    buyer_id: int = actor.pk  # type: ignore[assignment]  # a buyer: the caller checked (require_buyer)
    if not add_purchase(sale.pk, buyer_id, qty, sale.per_buyer_limit):
        raise conflict(f"At most {sale.per_buyer_limit} per buyer.", code=OrdersCode.OVER_BUYER_LIMIT)
    attempt_id = uuid.uuid4().hex
    order = write_order(sale, buyer_id, qty, attempt_id, now, actor=actor)
    # the hot row last: its lock is held only for the commit
    if not claim_units(sale.pk, qty):
        raise conflict("Sold out.", code=OrdersCode.SOLD_OUT)
    return AttemptResult(attempt_id, AttemptStatus.ORDERED, order.pk, order.number, "database")


def _attempt_redis(
    sale: FlashSale,
    buyer_id: int | None,
    qty: int,
    *,
    attempt_id: str = "",
    idempotency: tuple[str, str, int] | None = None,
    token: tuple[str, str, int] | None = None,
) -> AttemptResult:
    """The Redis decision, one script call. With ``idempotency`` = (scoped key, record of the acceptance,
    ttl) the script also checks and stores the key's record (a stored one raises ``IdempotencyRecorded``);
    with ``token`` (fast path) it also finds the buyer in the token cache (``redis_path.attempt``)."""
    attempt_id = attempt_id or uuid.uuid4().hex
    left, record = redis_path.attempt(
        sale.pk, buyer_id, qty, sale.per_buyer_limit, attempt_id, idempotency=idempotency, token=token
    )
    if left == redis_path.NOT_LOADED:
        flash_reconcile(sale_id=sale.pk, repair=True)  # only fills missing counters (Redis lost)
        left, record = redis_path.attempt(
            sale.pk, buyer_id, qty, sale.per_buyer_limit, attempt_id, idempotency=idempotency, token=token
        )
    if left == redis_path.RECORDED:
        raise IdempotencyRecorded(record or "")
    if left in (redis_path.NO_TOKEN, redis_path.BAD_TOKEN, redis_path.NOT_BUYER):
        raise TokenRefused(left)
    if left == redis_path.OVER_LIMIT:
        raise conflict(f"At most {sale.per_buyer_limit} per buyer.", code=OrdersCode.OVER_BUYER_LIMIT)
    if left < 0:
        raise conflict("Sold out.", code=OrdersCode.SOLD_OUT)
    from mallops.orders.tasks import flash_drain_task

    flash_drain_task(sale.pk)
    return AttemptResult(attempt_id, AttemptStatus.QUEUED, path="redis")


class TokenRefused(Exception):
    """The token cache had no usable entry (``code``: redis_path.NO_TOKEN, BAD_TOKEN or NOT_BUYER)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"token refused ({code})")
        self.code = code


class IdempotencyRecorded(Exception):
    """Not an error: the Idempotency-Key was answered before; ``record`` is the stored answer."""

    def __init__(self, record: str) -> None:
        super().__init__("idempotency record exists")
        self.record = record


def flash_drain(sale_id: int, *, now: datetime | None = None, batch: int = 200) -> int:
    """Write orders for queued Redis attempts (one drainer per sale at a time); returns how many."""
    if not redis_enabled() or not redis_path.drain_lock(sale_id):
        return 0
    written = 0
    try:
        sale = _sale(sale_id)
        if sale is None:
            return 0
        while True:
            pending = redis_path.queued(sale_id)[:batch]
            if not pending:
                break
            for attempt_id, buyer_id, qty in pending:
                written += _write_queued(sale, attempt_id, buyer_id, qty, now or timezone.now())
            redis_path.trim(sale_id, len(pending))
    finally:
        redis_path.drain_unlock(sale_id)
    return written


def _write_queued(sale: FlashSale, attempt_id: str, buyer_id: int, qty: int, now: datetime) -> int:
    if FlashAttempt.objects.filter(pk=attempt_id).exists():
        return 0
    try:
        with audited():
            if not add_purchase(sale.pk, buyer_id, qty, None) or not claim_units(sale.pk, qty):
                raise DomainError(detail="claim failed", code=OrdersCode.FLASH_CLAIM_FAILED)
            write_order(sale, buyer_id, qty, attempt_id, now)
        return 1
    except (DomainError, IntegrityError):
        # Redis and the database disagreed (a reconciliation will show why): refuse, give the units back
        log.error("flash attempt %s of sale %s could not be written", attempt_id, sale.pk)
        FlashAttempt.objects.get_or_create(
            pk=attempt_id,
            defaults={
                "sale": sale,
                "buyer_id": buyer_id,
                "qty": qty,
                "status": AttemptStatus.REJECTED,
                "reason": "claim_failed",
            },
        )
        redis_path.release(sale.pk, buyer_id, qty)
        return 0


def flash_attempt_get(*, actor: Actor, sale_id: int, attempt_id: str) -> AttemptResult:
    require_buyer(actor)
    row = (
        FlashAttempt.objects.filter(pk=attempt_id, sale_id=sale_id, buyer_id=actor.pk)
        .select_related("order")
        .first()
    )
    if row is not None:
        return AttemptResult(
            row.pk,
            row.status,
            row.order_id,
            row.order.number if row.order else "",
            "redis" if redis_enabled() else "database",
        )
    if redis_enabled() and redis_path.attempt_buyer(sale_id, attempt_id) == actor.pk:
        return AttemptResult(attempt_id, AttemptStatus.QUEUED, path="redis")
    raise not_found("attempt")


# ---------------------------------------------------------------- after the order exists


def flash_order_paid(order: Order) -> None:
    """Paid flash units leave the allocation (reserved) for sold."""
    stock.flash_sell(order)


def flash_order_released(order: Order) -> None:
    """An unpaid flash order is cancelled: its units go back to the sale, or to stock once it ended."""
    qty = sum(order.lines.unscoped(reason="flash release").values_list("qty", flat=True))
    FlashPurchase.objects.filter(sale_id=order.flash_sale_id, buyer_id=order.buyer_id).update(
        qty=F("qty") - qty
    )
    sale = FlashSale.objects.unscoped(reason="flash release").select_for_update().get(pk=order.flash_sale_id)
    FlashSale.objects.unscoped(reason="flash release").filter(pk=sale.pk).update(claimed=F("claimed") - qty)
    if sale.finalized:
        stock.flash_release(sale, qty, order)
    elif redis_enabled():
        sale_id, buyer_id = sale.pk, order.buyer_id
        transaction.on_commit(lambda: redis_path.release(sale_id, buyer_id, qty))


def flash_sale_finalize(sale: FlashSale, now: datetime) -> None:
    """At the end: write what is queued, then give units nobody holds back to the item's stock."""
    if redis_enabled():
        flash_drain(sale.pk, now=now)
    locked = FlashSale.objects.unscoped(reason="flash finalize").select_for_update().get(pk=sale.pk)
    if locked.finalized:
        return
    stock.flash_release(locked, locked.quantity - locked.claimed)
    locked.finalized = True
    locked.finalize_due_at = None
    locked.save(update_fields=["finalized", "finalize_due_at"])
    if redis_enabled():
        # every attempt is in the database now; the counters are no longer the truth
        sale_id = locked.pk
        transaction.on_commit(lambda: redis_path.forget(sale_id))
    audit_record(
        actor=None,
        action="orders.flash_sale_finalize",
        obj=locked,
        after={"claimed": locked.claimed, "released": locked.quantity - locked.claimed},
    )


# ---------------------------------------------------------------- reconciliation


@dataclass(frozen=True)
class FlashReconciliation:
    sale_id: int
    quantity: int
    claimed_db: int
    ordered_units: int
    queued_units: int
    redis_stock: int | None
    mismatches: list[str]
    repaired: bool

    @property
    def ok(self) -> bool:
        return not self.mismatches


def flash_reconcile(*, sale_id: int, repair: bool = False, force: bool = False) -> FlashReconciliation:
    """Prove Redis counters and database orders agree; with ``repair`` rebuild Redis from the database.

    ``repair`` alone recreates counters that are missing (Redis lost its data); ``force`` also
    overwrites counters that exist but disagree (pause the sale first).
    """
    sale = FlashSale.objects.unscoped(reason="flash reconcile").filter(pk=sale_id).first()
    if sale is None:
        raise not_found("flash sale")
    live = (
        Order.objects.unscoped(reason="flash reconcile")
        .filter(flash_sale_id=sale_id)
        .exclude(status="cancelled")
        .values_list("buyer_id", "lines__qty")
    )
    ordered: dict[int, int] = {}
    for buyer_id, qty in live:
        ordered[buyer_id] = ordered.get(buyer_id, 0) + (qty or 0)
    purchases = dict(FlashPurchase.objects.filter(sale_id=sale_id).values_list("buyer_id", "qty"))
    mismatches: list[str] = []
    ordered_units = sum(ordered.values())
    if ordered_units != sale.claimed:
        mismatches.append(f"database: live flash orders hold {ordered_units}, sale.claimed is {sale.claimed}")
    for buyer_id in set(ordered) | set(purchases):
        if ordered.get(buyer_id, 0) != purchases.get(buyer_id, 0):
            mismatches.append(
                f"database: buyer {buyer_id} ordered {ordered.get(buyer_id, 0)}, counted "
                f"{purchases.get(buyer_id, 0)}"
            )
        if ordered.get(buyer_id, 0) > sale.per_buyer_limit:
            mismatches.append(f"buyer {buyer_id} above the limit")
    if ordered_units > sale.quantity:
        mismatches.append(f"oversold: {ordered_units} > {sale.quantity}")
    queued_units, redis_stock = 0, None
    if redis_enabled() and not sale.finalized:
        queue = redis_path.queued(sale_id)
        queued_units = sum(q for _, _, q in queue)
        redis_stock, redis_buyers = redis_path.counters(sale_id)
        expected_buyers = dict(ordered)
        for _, buyer_id, qty in queue:
            expected_buyers[buyer_id] = expected_buyers.get(buyer_id, 0) + qty
        expected_stock = sale.quantity - ordered_units - queued_units
        if redis_stock != expected_stock:
            mismatches.append(f"redis: stock counter {redis_stock}, database says {expected_stock}")
        wrong = {
            b
            for b in set(redis_buyers) | set(expected_buyers)
            if redis_buyers.get(b, 0) != expected_buyers.get(b, 0)
        }
        if wrong:
            mismatches.append(f"redis: {len(wrong)} buyer counters differ from the database")
        if repair and mismatches:
            # missing counters (a Redis loss) are filled atomically; live ones only with force, which
            # must run while the sale is paused (a concurrent attempt would be overwritten)
            redis_path.load(sale_id, max(expected_stock, 0), expected_buyers, overwrite=force)
    return FlashReconciliation(
        sale_id=sale_id,
        quantity=sale.quantity,
        claimed_db=sale.claimed,
        ordered_units=ordered_units,
        queued_units=queued_units,
        redis_stock=redis_stock,
        mismatches=mismatches,
        repaired=bool(repair and mismatches and redis_enabled() and not sale.finalized),
    )
