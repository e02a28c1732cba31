from __future__ import annotations

from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "mallops.membership"
    label = "membership"
    verbose_name = "Membership: tiers and points"

    def ready(self) -> None:
        from mallops.membership import member_days, offers
        from mallops.pricing.memberships import (
            register_member_offers,
            register_tier_gate,
            register_tier_names,
        )

        register_member_offers(offers.tier_offers)
        register_tier_names(member_days.tier_names)
        register_tier_gate(member_days.member_day_gate)

        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        # one entry; 会员等级 is a tab of 会员列表 (membership/_tabs.html), so the 营销 group stays short
        register(
            MenuItem(
                "membership_members",
                _("Member list"),
                "membership:members",
                "promotion.view",
                group="marketing",
            )
        )

        from mallops.membership.points import CheckoutPoints
        from mallops.orders.tender import register_points_tender

        register_points_tender(CheckoutPoints())

        from mallops.membership.shipping import tier_free_shipping
        from mallops.orders.shipping import register_member_free_shipping

        register_member_free_shipping(tier_free_shipping)
