"""Daily reconciliation of yesterday (Asia/Shanghai) against the provider's statement."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mallops.core.timeutil import to_local


@db_periodic_task(crontab(hour="2", minute="10"))  # type: ignore[untyped-decorator]
def reconcile_yesterday() -> int:
    from mallops.payments.services import payments_reconcile

    day = to_local(timezone.now()).date() - timedelta(days=1)
    return len(payments_reconcile(day=day).mismatches)
