"""Timers of the review app: expired reviewer claims, expiring certificates, re-checks of live listings
after a rule pack update."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from mallops.catalogue.models import Certificate
from mallops.core.sweeps import register
from mallops.review import recheck, services


def _due_certificates(now: datetime) -> QuerySet[Any]:
    due: QuerySet[Any] = Certificate.objects.unscoped(reason="certificate expiry sweep").filter(
        expiry_due_at__lte=now
    )
    return due


register("review.claim_expiry", queryset=services.expired_claims, handle=services.claim_expire)
register("catalogue.certificate_expiry", queryset=_due_certificates, handle=services.certificate_expire)
register("review.rule_recheck", queryset=recheck.due_listings, handle=recheck.recheck_due, batch_size=50)
