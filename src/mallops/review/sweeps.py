"""Timers of the review app: expired reviewer claims, expiring certificates, re-checks of live listings
after a rule pack update."""

from __future__ import annotations

from mallops.catalogue.selectors import certificates_past_expiry
from mallops.core.sweeps import register
from mallops.review import recheck, services

register("review.claim_expiry", queryset=services.expired_claims, handle=services.claim_expire)
register(
    "catalogue.certificate_expiry", queryset=certificates_past_expiry, handle=services.certificate_expire
)
register("review.rule_recheck", queryset=recheck.due_listings, handle=recheck.recheck_due, batch_size=50)
