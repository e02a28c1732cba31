"""Points on the checkout page (R2.3.1, issue 21): what the buyer holds, the most the server lets them use
on this payable amount, and what the requested points pay. A read: the orders points tender plans without
a lock; ``orders.checkout.checkout_create`` plans again (and locks the account) when the order is placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mallops.membership import points_conf
from mallops.orders.tender import points_tender


@dataclass(frozen=True)
class CheckoutPointsView:
    balance: int  # the buyer's available points
    balance_fen: int  # what they are worth at the points rate
    max_points: int  # the most this checkout may use: min(balance, cap) (no more than pays the cap)
    used: int  # the points the requested number turns into (capped by balance and rule)
    fen: int  # what ``used`` pays
    cash_fen: int  # the payable amount minus ``fen``


def checkout_points(*, buyer: Any, payable_fen: int, requested: int) -> CheckoutPointsView | None:
    """The buyer's points block of the checkout page for ``payable_fen`` (the quote's total); None when there is
    no points tender (membership not installed). ``requested`` is the buyer's number, never trusted: a
    negative one uses none, a larger one is capped by balance and rule exactly as checkout caps it."""
    tender = points_tender()
    if tender is None:
        return None
    most = tender.plan(buyer_id=buyer.pk, requested=2**62, payable_fen=payable_fen)
    plan = tender.plan(
        buyer_id=buyer.pk, requested=max(0, min(requested, most.points)), payable_fen=payable_fen
    )
    rate = points_conf.value("POINTS_RATE")
    return CheckoutPointsView(
        balance=most.balance,
        balance_fen=most.balance * 100 // rate,
        max_points=most.points,
        used=plan.points,
        fen=plan.fen,
        cash_fen=payable_fen - plan.fen,
    )
