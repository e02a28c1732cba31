"""Console forms of promotions (one per kind the engine prices) and coupon batches.

Money is typed in 元 (``YuanField``, cleaned to integer fen), times are Beijing time through the browser's
pickers. A form only parses and checks what a person can fix on the page; the service
(``mallops.pricing.services`` / ``coupons``) decides everything else and its field errors come back
under the field that caused them (``add_service_errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from mallops.console.forms import YuanField
from mallops.core.errors import DomainError
from mallops.core.words import label
from mallops.pricing.coupons import BatchInput
from mallops.pricing.models import CouponBatch, Promotion
from mallops.pricing.services import PromotionInput, promotion_input_from

TIER_ROWS = 3
PRICE_ROWS = 3

# The services' field messages (English, stable) as a person reads them on the page.
SERVICE_MESSAGES: dict[str, Any] = {
    "must not be empty": _("This field is required."),
    "must be after starts_at": _("The end must be after the start."),
    "must be in the future": _("The end must be in the future."),
    "must be 1..100": _("Enter a whole number from 1 to 100."),
    "must be at least 1 fen": _("The amount must be at least ¥0.01."),
    "must be at least 2": _("Enter at least 2."),
    "must be at least 1": _("Enter at least 1."),
    "multi_buy is a store promotion": _("A multi-buy discount is a store promotion."),
    "a threshold promotion needs at least one tier": _("Enter at least one spend tier."),
    "tiers need distinct min values": _("Each tier needs a different minimum spend."),
    "needs 1 <= off <= min": _("The discount must be at least ¥0.01 and at most the minimum spend."),
    "a repeating threshold has exactly one tier": _("A repeating spend-and-save has exactly one tier."),
    "only a repeating threshold has a cap": _("Only a repeating spend-and-save has a cap."),
    "must be a positive integer": _("The amount must be at least ¥0.01."),
    "give exactly one of off_fen and percent": _("Enter either an amount off or a percentage, not both."),
    "only a percent coupon has max_off_fen (at least 1 fen)": _(
        "Only a percentage coupon has a maximum discount."
    ),
    "must not be negative": _("The amount must not be negative."),
    "a red packet is a platform coupon with a fixed amount and no threshold": _(
        "A red packet is a platform coupon with a fixed amount and no threshold."
    ),
    "4-32 letters and digits": _("Use 4 to 32 letters and digits."),
    "already in use": _("This claim code is already in use."),
}


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").replace("\n", ",").split(",") if part.strip()]


def add_service_errors(form: forms.Form, error: DomainError, fields: dict[str, str] | None = None) -> bool:
    """Put a service's field errors under the form's fields (``fields`` maps service names to form
    names); True when every error found a field. Unknown messages show a generic sentence."""
    placed = bool(error.errors)
    for item in error.errors:
        loc = [part for part in item.loc if part != "body"]
        name = str(loc[0]) if loc else ""
        message = SERVICE_MESSAGES.get(item.msg, _("Please correct this value."))
        target = (fields or {}).get(name, name)
        if name == "tiers" and len(loc) > 1 and isinstance(loc[1], int):
            target = f"tier_{loc[1] + 1}_min"
        elif name == "sku_prices" and len(loc) > 1 and isinstance(loc[1], int):
            target = f"price_{loc[1] + 1}_{'reference' if loc[-1] == 'reference_price_fen' else 'price'}"
        if target in form.fields:
            form.add_error(target, message)
        else:
            form.add_error(None, message)
            placed = False
    return placed


def _merchant_choices() -> list[tuple[str, str]]:
    from mallops.accounts.selectors import merchant_names

    return [(str(pk), name) for pk, name in merchant_names(limit=500)]


class PromotionForm(forms.Form):
    """The fields every promotion has; a subclass per kind adds the terms of that kind."""

    kind: ClassVar[str] = ""
    platform_allowed: ClassVar[bool] = True
    terms: ClassVar[Sequence[str]] = ()

    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("Shown to buyers."))
    starts_at = forms.DateTimeField(label=_("Starts"), help_text=_("Beijing time."))
    ends_at = forms.DateTimeField(label=_("Ends"), help_text=_("Beijing time."))
    skus = forms.CharField(
        label=_("SKU codes"),
        required=False,
        max_length=5000,
        help_text=_("Separated by commas; leave empty for the whole store (or platform)."),
    )
    categories = forms.CharField(
        label=_("Category codes"), required=False, max_length=2000, help_text=_("Separated by commas.")
    )
    members_only = forms.BooleanField(label=_("Members only"), required=False)
    with_coupons = forms.BooleanField(label=_("Coupons may be used as well"), required=False, initial=True)
    time_limited = forms.BooleanField(
        label=_("Advertised as a limited-time offer"), required=False, help_text=_("限时价 / 限时折扣")
    )
    per_buyer_limit = forms.IntegerField(label=_("Uses per buyer"), required=False, min_value=1)
    total_limit = forms.IntegerField(label=_("Total uses"), required=False, min_value=1)
    budget_fen = YuanField(label=_("Discount budget"), required=False, min_fen=1)
    description = forms.CharField(label=_("Promotional text"), required=False, max_length=200)
    rules_text = forms.CharField(
        label=_("Rules shown to buyers"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Leave empty to generate the rules from the terms (recommended)."),
    )

    def __init__(self, *args: Any, platform: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platform = platform
        for i in range(1, PRICE_ROWS + 1):
            self.fields[f"price_{i}_sku"] = forms.CharField(
                label=_("SKU code %(n)d") % {"n": i}, required=False, max_length=64
            )
            self.fields[f"price_{i}_price"] = YuanField(
                label=_("Promotion price %(n)d") % {"n": i}, required=False, min_fen=1
            )
            self.fields[f"price_{i}_reference"] = YuanField(
                label=_("Reference price %(n)d (原价/划线价)") % {"n": i},
                required=False,
                min_fen=1,
                help_text=_("Checked against the lowest price charged in the 7 days before the start."),
            )
        if platform:
            self.fields["merchants"] = forms.MultipleChoiceField(
                label=_("Participating stores"),
                required=False,
                choices=_merchant_choices(),
                help_text=_("Leave empty for every store."),
            )
        order = ["name", *self.terms, "starts_at", "ends_at"]
        self.order_fields(order + [n for n in self.fields if n not in order])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        for i in range(1, PRICE_ROWS + 1):
            sku, price = data.get(f"price_{i}_sku"), data.get(f"price_{i}_price")
            if sku and price is None:
                self.add_error(f"price_{i}_price", _("Enter the price this SKU starts from."))
            if not sku and (price is not None or data.get(f"price_{i}_reference") is not None):
                self.add_error(f"price_{i}_sku", _("Enter the SKU code."))
        return data

    def kind_terms(self, data: dict[str, Any]) -> dict[str, Any]:
        """The kind's own fields of ``PromotionInput``."""
        return {}

    def to_input(self) -> PromotionInput:
        data = self.cleaned_data
        prices = [
            {
                "sku": data[f"price_{i}_sku"].strip(),
                "price_fen": data[f"price_{i}_price"],
                "reference_price_fen": data.get(f"price_{i}_reference"),
            }
            for i in range(1, PRICE_ROWS + 1)
            if data.get(f"price_{i}_sku")
        ]
        return PromotionInput(
            name=data["name"],
            kind=self.kind,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            skus=_codes(data.get("skus") or ""),
            categories=_codes(data.get("categories") or ""),
            merchants=[int(m) for m in data.get("merchants") or []],
            sku_prices=prices,
            members_only=bool(data.get("members_only")),
            with_coupons=bool(data.get("with_coupons")),
            time_limited=bool(data.get("time_limited")),
            per_buyer_limit=data.get("per_buyer_limit"),
            total_limit=data.get("total_limit"),
            budget_fen=data.get("budget_fen"),
            description=data.get("description") or "",
            rules_text=(data.get("rules_text") or "").strip() or None,
            **self.kind_terms(data),
        )

    @classmethod
    def initial_from(cls, row: Promotion) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": row.name,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "skus": ", ".join(row.skus),
            "categories": ", ".join(row.categories),
            "members_only": row.members_only,
            "with_coupons": row.with_coupons,
            "time_limited": row.time_limited,
            "per_buyer_limit": row.per_buyer_limit,
            "total_limit": row.total_limit,
            "budget_fen": row.budget_fen,
            "description": row.description,
            # empty when the stored rules are the generated ones: saving regenerates them from the new terms
            "rules_text": promotion_input_from(row).rules_text or "",
            "merchants": [str(m) for m in row.merchants],
            "percent": row.percent,
            "amount_fen": row.amount_fen,
            "n": row.n,
            "min_qty": row.min_qty,
            "repeat": row.repeat,
            "cap_fen": row.cap_fen,
        }
        for i, tier in enumerate(row.tiers[:TIER_ROWS], start=1):
            initial[f"tier_{i}_min"] = tier["min"]
            initial[f"tier_{i}_off"] = tier["off"]
        for i, sp in enumerate(row.sku_prices[:PRICE_ROWS], start=1):
            initial[f"price_{i}_sku"] = sp["sku"]
            initial[f"price_{i}_price"] = sp["price_fen"]
            initial[f"price_{i}_reference"] = sp.get("reference_price_fen")
        return initial


def _percent_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Percent off"),
        min_value=1,
        max_value=100,
        help_text=_("15 means 15 percent off (8.5折)."),
    )


class ThresholdForm(PromotionForm):
    """满减: spend at least a tier's minimum, get its amount off (or every N, with a cap)."""

    kind = "threshold"
    terms = ("repeat", "cap_fen")

    repeat = forms.BooleanField(
        label=_("Repeat for every multiple of the minimum (每满减)"),
        required=False,
        help_text=_("A repeating spend-and-save has exactly one tier."),
    )
    cap_fen = YuanField(label=_("Cap on the discount"), required=False, min_fen=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tiers: list[str] = []
        for i in range(1, TIER_ROWS + 1):
            self.fields[f"tier_{i}_min"] = YuanField(
                label=_("Tier %(n)d: minimum spend") % {"n": i}, required=i == 1, min_fen=1
            )
            self.fields[f"tier_{i}_off"] = YuanField(
                label=_("Tier %(n)d: amount off") % {"n": i}, required=i == 1, min_fen=1
            )
            tiers += [f"tier_{i}_min", f"tier_{i}_off"]
        order = ["name", *tiers, "repeat", "cap_fen", "starts_at", "ends_at"]
        self.order_fields(order + [n for n in self.fields if n not in order])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for i in range(1, TIER_ROWS + 1):
            low, off = data.get(f"tier_{i}_min"), data.get(f"tier_{i}_off")
            if (low is None) != (off is None):
                self.add_error(f"tier_{i}_min", _("Enter both the minimum spend and the amount off."))
            elif low is not None and off is not None and off > low:
                self.add_error(f"tier_{i}_off", _("The amount off must not exceed the minimum spend."))
        return data

    def kind_terms(self, data: dict[str, Any]) -> dict[str, Any]:
        tiers = [
            {"min": data[f"tier_{i}_min"], "off": data[f"tier_{i}_off"]}
            for i in range(1, TIER_ROWS + 1)
            if data.get(f"tier_{i}_min") is not None and data.get(f"tier_{i}_off") is not None
        ]
        return {"tiers": tiers, "repeat": bool(data.get("repeat")), "cap_fen": data.get("cap_fen")}


class PercentOffForm(PromotionForm):
    """折扣: a percentage off the items in scope."""

    kind = "percent_off"
    terms = ("percent",)

    percent = _percent_field()

    def kind_terms(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"percent": data["percent"]}


class AmountOffForm(PromotionForm):
    """直降: a fixed amount off each item in scope."""

    kind = "amount_off"
    terms = ("amount_fen",)

    amount_fen = YuanField(label=_("Amount off each item"), min_fen=1)

    def kind_terms(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"amount_fen": data["amount_fen"]}


class NthItemForm(PromotionForm):
    """第N件X折: every Nth unit of an item gets a percentage off."""

    kind = "nth_item"
    terms = ("n", "percent")

    n = forms.IntegerField(label=_("Every Nth item"), min_value=2, max_value=1000, initial=2)
    percent = _percent_field()

    def kind_terms(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"n": data["n"], "percent": data["percent"]}


class MultiBuyForm(PromotionForm):
    """多件多折: buy at least a number of items in scope, get a percentage off all of them (a store
    promotion)."""

    kind = "multi_buy"
    platform_allowed = False
    terms = ("min_qty", "percent")

    min_qty = forms.IntegerField(label=_("Minimum number of items"), min_value=1, max_value=10**6)
    percent = _percent_field()

    def kind_terms(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"min_qty": data["min_qty"], "percent": data["percent"]}


PROMOTION_FORMS: dict[str, type[PromotionForm]] = {
    form.kind: form for form in (ThresholdForm, PercentOffForm, AmountOffForm, NthItemForm, MultiBuyForm)
}


def kind_choices(platform: bool) -> list[tuple[str, str]]:
    """(kind, label) of every kind this side may create, in the menu's order."""
    return [
        (kind, label(kind, "pricing.kind"))
        for kind, form in PROMOTION_FORMS.items()
        if form.platform_allowed or not platform
    ]


class CouponBatchForm(forms.Form):
    """A coupon batch: an amount off (or a percentage) above a minimum spend, its validity and quantity."""

    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("Shown to buyers."))
    min_fen = YuanField(
        label=_("Minimum spend"), required=False, min_fen=0, help_text=_("In yuan; empty or 0: no threshold.")
    )
    off_fen = YuanField(label=_("Face value"), required=False, min_fen=1, help_text=_("In yuan, e.g. 30.00"))
    percent = forms.IntegerField(
        label=_("Or percent off"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Instead of a face value: 10 means 10 percent off (9折)."),
    )
    max_off_fen = YuanField(label=_("Maximum discount of a percentage coupon"), required=False, min_fen=1)
    starts_at = forms.DateTimeField(label=_("Valid from"), help_text=_("Beijing time."))
    ends_at = forms.DateTimeField(label=_("Valid until"), help_text=_("Beijing time."))
    valid_days = forms.IntegerField(
        label=_("Days valid after claiming"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Empty: valid until the batch ends."),
    )
    total_quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10**7)
    per_buyer_limit = forms.IntegerField(label=_("Per buyer"), min_value=1, max_value=10**6, initial=1)
    skus = forms.CharField(
        label=_("SKU codes"),
        required=False,
        max_length=5000,
        help_text=_("Separated by commas; leave empty for the whole store (or platform)."),
    )
    members_only = forms.BooleanField(label=_("Members only"), required=False)
    claim_code = forms.CharField(
        label=_("Claim code"),
        required=False,
        max_length=32,
        help_text=_("Buyers claim with this code; type auto to generate one, leave empty for none."),
    )

    def __init__(self, *args: Any, platform: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if platform:
            self.fields["style"] = forms.ChoiceField(
                label=_("Style"),
                choices=[(v, label(v, "pricing.coupon_style")) for v in CouponBatch.Style.values],
                initial=CouponBatch.Style.VOUCHER,
            )
            self.order_fields(["name", "style"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("off_fen") is None) == (data.get("percent") is None) and not self.errors.get("off_fen"):
            self.add_error("off_fen", _("Enter either an amount off or a percentage, not both."))
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return data

    def to_input(self) -> BatchInput:
        data = self.cleaned_data
        return BatchInput(
            name=data["name"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            total_quantity=data["total_quantity"],
            min_fen=data.get("min_fen") or 0,
            off_fen=data.get("off_fen"),
            percent=data.get("percent"),
            max_off_fen=data.get("max_off_fen"),
            skus=_codes(data.get("skus") or ""),
            members_only=bool(data.get("members_only")),
            valid_days=data.get("valid_days"),
            per_buyer_limit=data["per_buyer_limit"],
            style=data.get("style") or CouponBatch.Style.VOUCHER,
            claim_code=(data.get("claim_code") or "").strip(),
        )

    @staticmethod
    def initial_from(batch: CouponBatch) -> dict[str, Any]:
        return {
            "name": batch.name,
            "style": batch.style,
            "min_fen": batch.min_fen,
            "off_fen": batch.off_fen,
            "percent": batch.percent,
            "max_off_fen": batch.max_off_fen,
            "starts_at": batch.starts_at,
            "ends_at": batch.ends_at,
            "valid_days": batch.valid_days,
            "total_quantity": batch.total_quantity,
            "per_buyer_limit": batch.per_buyer_limit,
            "skus": ", ".join(batch.skus),
            "members_only": batch.members_only,
            "claim_code": batch.claim_code or "",
        }
