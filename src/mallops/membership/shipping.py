"""会员包邮: the tier benefit ``free_shipping`` applied at checkout (R4.3.1, issue 21).

Registered with ``orders.shipping.register_member_free_shipping`` (orders does not import this app). The
buyer's tier is the level of their valid platform membership, exactly as for member prices
(``membership.offers``); an inactive tier gives nothing.
"""

from __future__ import annotations

from datetime import datetime

from mallops.membership.models import Tier
from mallops.pricing.memberships import buyer_memberships


def tier_free_shipping(buyer_id: int, at: datetime) -> str | None:
    """The name of the buyer's tier at ``at`` when it ships free, else None (two queries at most)."""
    member_of = buyer_memberships(buyer_id, at)
    if not member_of.platform or not member_of.platform_level:
        return None
    tier = Tier.objects.filter(code=member_of.platform_level, active=True, free_shipping=True).first()
    return tier.name if tier is not None else None
