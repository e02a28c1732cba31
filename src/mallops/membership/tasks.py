"""Nightly tier recompute (upgrades at once, downgrades at period end with a notice)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="20"))  # type: ignore[untyped-decorator]
def membership_recompute() -> int:
    from mallops.membership.services import members_recompute

    return members_recompute(now=timezone.now())
