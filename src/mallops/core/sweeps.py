"""Timers stored as ``*_due_at`` columns, acted on by periodic sweeps.

An app registers a sweeper in its ``sweeps.py``::

    register("orders.auto_cancel", queryset=lambda now: Order.objects.unscoped().filter(
        cancel_due_at__lte=now), handle=order_auto_cancel_due)

``handle(row, now)`` runs inside a transaction holding the row lock and must take the row out of the due
set (clear or move its ``*_due_at``), so a second run finds nothing to do. Rows are locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` where the database has it (PostgreSQL): two workers sweeping at once
split the rows and never handle one twice. On SQLite the write lock serialises sweeps. A worker that was
down simply finds more rows past due on its next run: nothing is lost, only delayed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from mallops.core.transactions import business_transaction

log = logging.getLogger("mallops.sweeps")


@dataclass(frozen=True)
class Sweeper:
    name: str
    queryset: Callable[[datetime], QuerySet[Any]]
    handle: Callable[[Any, datetime], None]
    batch_size: int = 0


_REGISTRY: dict[str, Sweeper] = {}


def register(
    name: str,
    *,
    queryset: Callable[[datetime], QuerySet[Any]],
    handle: Callable[[Any, datetime], None],
    batch_size: int = 0,
) -> Sweeper:
    sweeper = Sweeper(name=name, queryset=queryset, handle=handle, batch_size=batch_size)
    _REGISTRY[name] = sweeper
    return sweeper


def registered() -> dict[str, Sweeper]:
    return dict(_REGISTRY)


def autodiscover() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("mallops."):
            continue
        try:
            importlib.import_module(f"{config.name}.sweeps")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.sweeps":
                raise


def run_sweeper(sweeper: Sweeper, now: datetime | None = None) -> int:
    """Handle every row due at ``now``; returns how many were handled. Each batch is one transaction.

    The batch is one business transaction (``core.transactions``: an ``audited`` block once the audit
    app has loaded): the audit events of all its rows are chained when it ends, so the chain head is
    locked after every row (and stock row) the batch touches (docs/performance.md).
    """
    now = now or timezone.now()
    batch = sweeper.batch_size or settings.MALLOPS["SWEEP_BATCH_SIZE"]
    failed: set[Any] = set()
    handled = 0
    while True:
        with business_transaction():
            qs = sweeper.queryset(now).exclude(pk__in=failed).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            rows: list[Model] = list(qs[:batch])
            for row in rows:
                try:
                    with transaction.atomic():
                        sweeper.handle(row, now)
                    handled += 1
                except Exception:
                    failed.add(row.pk)
                    log.exception("sweeper %s failed on row %s", sweeper.name, row.pk)
        if len(rows) < batch:
            return handled


def run_all(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {name: run_sweeper(sweeper, now) for name, sweeper in sorted(_REGISTRY.items())}


def _probe_due(now: datetime) -> QuerySet[Any]:
    from mallops.core.models import SweepProbe

    return SweepProbe.objects.filter(due_at__lte=now)


def _probe_handle(row: Any, now: datetime) -> None:
    import os

    row.hits += 1
    row.due_at = None
    row.handled_by = f"pid:{os.getpid()}"
    row.save(update_fields=["hits", "due_at", "handled_by"])


register("core.sweep_probe", queryset=_probe_due, handle=_probe_handle)


def _expired_idempotency(now: datetime) -> QuerySet[Any]:
    from mallops.core.models import IdempotencyRecord

    return IdempotencyRecord.objects.filter(expires_due_at__lte=now)


def _delete_row(row: Any, now: datetime) -> None:
    row.delete()


register("core.idempotency_expiry", queryset=_expired_idempotency, handle=_delete_row)
