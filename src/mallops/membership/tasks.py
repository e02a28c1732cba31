"""Nightly tier recompute (upgrades at once, downgrades at period end with a notice) and the tier's coupons."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="20"))  # type: ignore[untyped-decorator]
def membership_recompute() -> int:
    from mallops.membership.services import members_recompute

    return members_recompute(now=timezone.now())


@db_periodic_task(crontab(hour="3", minute="40"))  # type: ignore[untyped-decorator]
def membership_benefit_coupons() -> int:
    """The tier's coupons of this Beijing month, after the recompute (idempotent per month)."""
    from mallops.membership.benefits import members_coupons_grant

    return members_coupons_grant(now=timezone.now())


@db_periodic_task(crontab(minute="15"))  # type: ignore[untyped-decorator]
def membership_birthday_gifts() -> int:
    """Birthday gifts due (hourly, so the gift arrives early on the Beijing day; once a year per member)."""
    from mallops.membership.birthday import birthday_gifts_grant

    return birthday_gifts_grant(now=timezone.now())
