from __future__ import annotations

from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "mallops.membership"
    label = "membership"
    verbose_name = "Membership: tiers and points"

    def ready(self) -> None:
        from mallops.membership import offers
        from mallops.pricing.memberships import register_member_offers

        register_member_offers(offers.tier_offers)
