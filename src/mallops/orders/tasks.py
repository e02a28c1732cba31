"""Background jobs of orders: write queued flash orders, reconcile flash counters. Thin wrappers."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()  # type: ignore[untyped-decorator]
def flash_drain_task(sale_id: int) -> int:
    from mallops.orders.flash.services import flash_drain

    return flash_drain(sale_id)


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def flash_drain_open_sales() -> int:
    """Catch queued attempts whose drain task was lost (a worker restart); cheap when nothing waits."""
    from mallops.orders.flash.services import flash_drain, redis_enabled
    from mallops.orders.models import FlashSale

    if not redis_enabled():
        return 0
    open_ids = (
        FlashSale.objects.unscoped(reason="drain job")
        .filter(finalized=False, starts_at__lte=timezone.now())
        .values_list("pk", flat=True)
    )
    return sum(flash_drain(sale_id) for sale_id in open_ids)


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def flash_reconcile_open_sales() -> int:
    """Check every running flash sale; fill Redis counters that went missing. Returns mismatching sales."""
    from mallops.orders.flash.services import flash_reconcile
    from mallops.orders.models import FlashSale

    bad = 0
    for sale_id in (
        FlashSale.objects.unscoped(reason="reconcile job")
        .filter(finalized=False)
        .values_list("pk", flat=True)
    ):
        bad += not flash_reconcile(sale_id=sale_id, repair=True).ok
    return bad
