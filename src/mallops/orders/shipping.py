"""运费: a store's shipping rule and the shipping line the server puts on each order (issue 21).

The rule (``ShippingRule``, one per store) is a flat fee per order and an optional 满 X 元包邮 threshold.
At checkout each merchant order's shipping is decided here from the server's own rows, never from the
request: 0 when the store charges no fee (包邮), when the order's goods payable (after promotions and
coupons, before points) reaches the threshold (满额包邮), or when the buyer's membership tier has the
free-shipping benefit (会员包邮, R4.3.1); else the fee. The threshold is asked first, so "会员包邮" shows
only where the tier really waived a fee.

The pricing engine's quote is unchanged: shipping is a separate line of money on the order
(``Order.shipping_fen``), and the buyer pays goods payable - points + shipping.

Orders sits below membership (ADR 0006), so the membership app registers the tier check here when it
starts (``register_member_free_shipping``); without it no buyer gets member free shipping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, validation_error
from mallops.core.inputs import MAX_FEN
from mallops.orders.models import ShippingRule, ShippingWaiver, StockItem
from mallops.orders.selectors import merchant_id_of

MAX_FEE_FEN = 100_000  # ¥1,000 per order: far above any parcel fee, low enough to catch a typo in 元 vs 分


@dataclass(frozen=True)
class Rule:
    fee_fen: int = 0  # 0: the store ships free
    free_over_fen: int | None = None  # goods payable from which shipping is free; None: no threshold


@dataclass(frozen=True)
class StoreRule:
    """One store's rule as the merchant API shows it."""

    merchant_id: int
    fee_fen: int
    free_over_fen: int | None


@dataclass(frozen=True)
class ShippingCharge:
    """The shipping line of one merchant's order."""

    merchant_id: int
    goods_fen: int  # the order's goods payable: after promotions and coupons, before points
    rule: Rule
    shipping_fen: int
    waiver: str  # ShippingWaiver: "" (charged, or the store ships free), "threshold", "member"
    tier: str = ""  # the name of the tier that waived it (waiver "member")

    @property
    def needed_fen(self) -> int | None:
        """How much more goods payable would make shipping free (None: none charged, or no threshold)."""
        if self.shipping_fen == 0 or self.rule.free_over_fen is None:
            return None
        return self.rule.free_over_fen - self.goods_fen

    def as_json(self) -> dict[str, Any]:
        return {
            "merchant_id": self.merchant_id,
            "goods_fen": self.goods_fen,
            "fee_fen": self.rule.fee_fen,
            "free_over_fen": self.rule.free_over_fen,
            "shipping_fen": self.shipping_fen,
            "waiver": self.waiver,
            "tier": self.tier,
        }


def decide(rule: Rule, goods_fen: int, member_tier: str | None) -> tuple[int, str]:
    """(shipping fen, waiver) of one order: the rule's fee unless the store ships free, the goods reach
    the threshold, or the buyer's tier (``member_tier``: its name, None without the benefit) waives it."""
    if rule.fee_fen <= 0:
        return 0, ShippingWaiver.NONE
    if rule.free_over_fen is not None and goods_fen >= rule.free_over_fen:
        return 0, ShippingWaiver.THRESHOLD
    if member_tier is not None:
        return 0, ShippingWaiver.MEMBER
    return rule.fee_fen, ShippingWaiver.NONE


# (buyer id, at) -> the name of the buyer's tier when it has the free-shipping benefit, else None
MemberFreeShipping = Callable[[int, datetime], str | None]
_member_free_shipping: list[MemberFreeShipping] = []


def register_member_free_shipping(provider: MemberFreeShipping) -> None:
    """The membership app registers its tier check here (orders does not import it; ADR 0006)."""
    _member_free_shipping[:] = [provider]


def member_free_shipping(buyer_id: int, at: datetime) -> str | None:
    for provider in _member_free_shipping:
        return provider(buyer_id, at)
    return None


def _public_rules() -> QuerySet[ShippingRule]:
    rows: QuerySet[ShippingRule] = ShippingRule.objects.unscoped(
        reason="buyers see every store's shipping rule"
    )
    return rows


def store_rules(merchant_ids: list[int]) -> dict[int, Rule]:
    """The shipping rules of these stores (a store without a row ships free). Public: buyers see them."""
    rows = _public_rules().filter(merchant_id__in=merchant_ids)
    return {row.merchant_id: Rule(row.fee_fen, row.free_over_fen) for row in rows}


def with_store_rules(items: QuerySet[StockItem]) -> QuerySet[StockItem]:
    """Stock rows with their store's rule in the same query (checkout reads them with the prices, so the
    shipping line costs the checkout no query of its own); read it back with ``rule_of``."""
    rule = _public_rules().filter(merchant_id=OuterRef("merchant_id"))
    return items.annotate(
        shipping_fee_fen=Subquery(rule.values("fee_fen")[:1]),
        shipping_free_over_fen=Subquery(rule.values("free_over_fen")[:1]),
    )


def rule_of(item: StockItem) -> Rule:
    """The store rule of a row read through ``with_store_rules``."""
    return Rule(getattr(item, "shipping_fee_fen", None) or 0, getattr(item, "shipping_free_over_fen", None))


def shipping_charges(
    *, buyer_id: int, goods_by_merchant: Mapping[int, int], rules: Mapping[int, Rule], at: datetime
) -> list[ShippingCharge]:
    """Each merchant order's shipping line, in merchant id order, by its store's rule (``rules``; a store
    missing there ships free). The tier is asked at most once, and only when some order would be charged."""
    tier: list[str | None] = []  # asked lazily
    out: list[ShippingCharge] = []
    for merchant_id in sorted(goods_by_merchant):
        rule = rules.get(merchant_id, Rule())
        goods = goods_by_merchant[merchant_id]
        fen, waiver = decide(rule, goods, None)
        if fen > 0:
            if not tier:
                tier.append(member_free_shipping(buyer_id, at))
            fen, waiver = decide(rule, goods, tier[0])
        name = (tier[0] or "") if waiver == ShippingWaiver.MEMBER and tier else ""
        out.append(ShippingCharge(merchant_id, goods, rule, fen, str(waiver), name))
    return out


def shipping_json(charges: list[ShippingCharge]) -> dict[str, Any]:
    """The shipping block of the checkout quote (beside the engine's quote, which it does not change)."""
    return {"total_fen": sum(c.shipping_fen for c in charges), "orders": [c.as_json() for c in charges]}


def my_shipping_rule(*, actor: Actor) -> StoreRule:
    """The actor's own store's rule (merchant role, ``store.order.manage``; 403/404 otherwise)."""
    merchant_id = merchant_id_of(actor)
    rule = store_rules([merchant_id]).get(merchant_id, Rule())
    return StoreRule(merchant_id, rule.fee_fen, rule.free_over_fen)


@audited()
def shipping_rule_set(*, actor: Actor, fee_fen: int, free_over_fen: int | None) -> StoreRule:
    """A merchant sets its own store's shipping rule (the store comes from the actor, never the request).

    422 ``invalid`` with the field path: ``fee_fen`` outside 0..100,000 (¥1,000), ``free_over_fen`` not
    above 0. Locks the rule row; audited as ``orders.shipping_rule_set`` (before and after) when it changed.
    Orders already placed keep the shipping they were charged.
    """
    merchant_id = merchant_id_of(actor)
    errors: list[FieldError] = []
    if not 0 <= fee_fen <= MAX_FEE_FEN:
        errors.append(FieldError(("body", "fee_fen"), f"0 to {MAX_FEE_FEN} fen.", "invalid"))
    if free_over_fen is not None and not 0 < free_over_fen <= MAX_FEN:
        errors.append(FieldError(("body", "free_over_fen"), f"1 to {MAX_FEN} fen.", "invalid"))
    if errors:
        raise validation_error(errors)
    row, _created = (
        ShippingRule.objects.for_merchant(merchant_id)
        .select_for_update()
        .get_or_create(merchant_id=merchant_id)
    )
    before = {"fee_fen": row.fee_fen, "free_over_fen": row.free_over_fen}
    after = {"fee_fen": fee_fen, "free_over_fen": free_over_fen}
    if before != after:
        row.fee_fen, row.free_over_fen = fee_fen, free_over_fen
        row.full_clean(validate_unique=False)  # one row per store: the OneToOne and the lock above
        row.save()
        audit_record(
            actor=actor,
            action="orders.shipping_rule_set",
            obj=row,
            merchant_id=merchant_id,
            before=before,
            after=after,
        )
    return StoreRule(merchant_id, row.fee_fen, row.free_over_fen)
