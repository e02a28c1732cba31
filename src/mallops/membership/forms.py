"""Console form of a membership tier: growth threshold and benefits (member price, monthly coupons, free
shipping, birthday gift)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.membership.models import Tier
from mallops.membership.services import TierInput
from mallops.pricing import selectors as pricing_selectors


def platform_batches(current: int | None = None) -> Any:
    """Active platform coupon batches a tier may give (a tier's coupons are the platform's), and the
    tier's ``current`` batch even when it is no longer active."""
    return pricing_selectors.platform_batch_choices(current)


class MembershipTierForm(forms.Form):
    code = forms.SlugField(
        label=_("Tier code"), max_length=20, help_text=_("Letters, digits, - and _; e.g. gold")
    )
    name = forms.CharField(label=_("Tier name"), max_length=30)
    rank = forms.IntegerField(
        label=_("Tier rank"), min_value=0, max_value=1000, help_text=_("A higher rank is a better tier.")
    )
    min_growth = forms.IntegerField(
        label=_("Growth threshold"),
        min_value=0,
        help_text=_(
            "Growth value: 1 per whole yuan paid in the last 365 days (net of refunds) and 10 per paid order."
        ),
    )
    discount_percent = forms.IntegerField(
        label=_("Member price (percent off)"),
        min_value=0,
        max_value=99,
        initial=0,
        help_text=_("Percent off every line in the live quote; 5 means 5 percent off."),
    )
    coupon_batch = forms.ModelChoiceField(
        label=_("Coupon batch per month"),
        queryset=pricing_selectors.platform_batch_choices().none(),
        required=False,
        help_text=_(
            "Platform coupons handed to every member of the tier each month (no marketing consent needed)."
        ),
    )
    coupons_per_period = forms.IntegerField(
        label=_("Coupons per month"), min_value=0, max_value=100, initial=0
    )
    free_shipping = forms.BooleanField(label=_("Free shipping"), required=False)
    gift_points = forms.IntegerField(
        label=_("Birthday gift points"),
        min_value=0,
        max_value=1_000_000,
        initial=0,
        required=False,
        help_text=_("Points given on the member's birthday (once a year)."),
    )
    gift_coupon_batch = forms.ModelChoiceField(
        label=_("Birthday gift coupon"),
        queryset=pricing_selectors.platform_batch_choices().none(),
        required=False,
        help_text=_("One platform coupon of this batch on the member's birthday."),
    )
    birthday_gift = forms.CharField(
        label=_("Birthday gift description"),
        max_length=100,
        required=False,
        help_text=_("Shown to members; the gift itself is the points and the coupon above."),
    )
    active = forms.BooleanField(label=_("Tier in use"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        current_batch: int | None = None,
        current_gift_batch: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon_batch"].queryset = platform_batches(current_batch)  # type: ignore[attr-defined]
        self.fields["gift_coupon_batch"].queryset = platform_batches(current_gift_batch)  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(row: Tier) -> dict[str, Any]:
        return {
            "code": row.code,
            "name": row.name,
            "rank": row.rank,
            "min_growth": row.min_growth,
            "discount_percent": row.discount_percent,
            "coupon_batch": row.coupon_batch_id,
            "coupons_per_period": row.coupons_per_period,
            "free_shipping": row.free_shipping,
            "birthday_gift": row.birthday_gift,
            "gift_points": row.gift_points,
            "gift_coupon_batch": row.gift_coupon_batch_id,
            "active": row.active,
        }

    def tier_input(self) -> TierInput:
        data = self.cleaned_data
        batch = data.get("coupon_batch")
        gift_batch = data.get("gift_coupon_batch")
        return TierInput(
            code=data["code"],
            name=data["name"],
            rank=data["rank"],
            min_growth=data["min_growth"],
            discount_percent=data["discount_percent"],
            free_shipping=bool(data.get("free_shipping")),
            birthday_gift=data.get("birthday_gift") or "",
            coupon_batch_id=batch.pk if batch is not None else None,
            coupons_per_period=data["coupons_per_period"],
            active=bool(data.get("active")),
            gift_points=data.get("gift_points") or 0,
            gift_coupon_batch_id=gift_batch.pk if gift_batch is not None else None,
        )
