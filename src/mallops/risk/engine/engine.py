"""The online risk engine: each event is judged on the events before it and itself, in O(1) amortised.

How each baseline rule reads the state (all windows include their start, counts include every earlier
event whatever its own decision):

* linkage first: the current event's device and normalised address join its buyer's component, then the
  rules run (``coupon_ring`` and ``brushing`` see the links the event itself creates);
* ``coupon_ring``: K = distinct buyers of the component, other than the claimant, who claimed the batch
  in an earlier event (the component keeps batch -> claimers, merged smaller-into-larger);
* ``new_account_harvest``: the latest ``register`` of the buyer is less than 24 h old (strictly) and the
  buyer's claims in the last 60 min, this one included, cover at least 3 distinct batches (so the third
  distinct batch fires, and so does any further claim, a repeat of a batch too, while 3 are in the window);
* ``brushing``: N = orders for the merchant in the last 60 min by every current member of the component
  (components only grow, so orders of buyers linked later count too), this one included;
* ``review_without_purchase``: no earlier ``order`` event with that order id by the same buyer; otherwise
  ``duplicate_review_text``: distinct other buyers who posted the same normalised text (non-empty) for
  the same merchant in the last 24 h, any earlier review counting (one that was blocked too);
* ``account_takeover``: the buyer's latest login from a new device (a device not seen on any earlier event
  of the buyer, the first device never being new) followed, within 30 min and before the order, by a
  password or address change, lies within the 2 h before the order;
* ``refund_abuse``: the buyer's refund requests (this one included) and orders in the last 30 x 24 h.
"""

from __future__ import annotations

from datetime import UTC
from typing import NamedTuple

from mallops.risk.engine.linkage import ADDRESS, DEVICE, Linkage, prune
from mallops.risk.engine.model import (
    BASELINE,
    RANK,
    Decision,
    Event,
    EventType,
    Profile,
    Reason,
    Rule,
    Verdict,
    from_micros,
)
from mallops.risk.engine.normalize import normalise

_S = 1_000_000  # microseconds per second

ALLOW, REVIEW, BLOCK = Verdict.ALLOW, Verdict.REVIEW, Verdict.BLOCK


class OutOfOrderError(ValueError):
    """An event earlier than the one before it: the engine only moves forward in time."""


class _Window:
    """The (time, key) pairs of the last ``span`` microseconds with a count per key (distinct keys)."""

    __slots__ = ("counts", "items")

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []
        self.counts: dict[str, int] = {}

    def add(self, at: int, key: str) -> None:
        self.items.append((at, key))
        counts = self.counts
        counts[key] = counts.get(key, 0) + 1

    def prune(self, horizon: int) -> None:
        items, counts = self.items, self.counts
        if not items or items[0][0] >= horizon:
            return
        stale = 0
        for at, key in items:
            if at >= horizon:
                break
            stale += 1
            left = counts[key] - 1
            if left:
                counts[key] = left
            else:
                del counts[key]
        del items[:stale]


class _Login(NamedTuple):
    at: int
    device: str


class _Takeover(NamedTuple):
    login_at: int
    device: str
    change_at: int
    change: str


def _span(seconds: int) -> str:
    if seconds % 86400 == 0 and seconds > 86400:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0 and seconds > 3600:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _iso(micros: int) -> str:
    return from_micros(micros).astimezone(UTC).isoformat().replace("+00:00", "Z")


class RiskEngine:
    """Feed events in time order with :meth:`assess`; each returns the decision for that event.

    Not thread-safe (one engine per process or per lock). Raises :class:`OutOfOrderError` when an event
    is earlier than the previous one; events with equal times are taken in the order given.
    """

    def __init__(self, profile: Profile = BASELINE) -> None:
        self.profile = profile
        p = profile
        self._harvest_age = p.harvest_account_age_s * _S
        self._harvest_window = p.harvest_window_s * _S
        self._brushing_window = p.brushing_window_s * _S
        self._review_window = p.duplicate_review_window_s * _S
        self._login_window = p.takeover_login_window_s * _S
        self._change_window = p.takeover_change_window_s * _S
        self._refund_window = p.refund_window_s * _S
        self._enabled = {rule: rule not in p.disabled_rules for rule in Rule}
        self.links = Linkage()
        self.last_at: int | None = None
        self.events = 0
        self._registered_at: dict[str, int] = {}
        self._claims: dict[str, _Window] = {}
        self._devices_seen: dict[str, set[str]] = {}
        self._new_device_login: dict[str, _Login] = {}
        self._takeover: dict[str, _Takeover] = {}
        self._ordered: set[tuple[str, str]] = set()
        self._review_texts: dict[tuple[str, str], _Window] = {}
        self._refund_times: dict[str, list[int]] = {}
        self._order_times: dict[str, list[int]] = {}

    # -- the one entry point ----------------------------------------------------------------------

    def assess(self, event: Event) -> Decision:
        """Judge ``event`` on what came before it and itself, then remember it."""
        at = event.at
        if self.last_at is not None and at < self.last_at:
            raise OutOfOrderError(
                f"event {event.id!r} at {_iso(at)} is earlier than the previous event ({_iso(self.last_at)})"
            )
        self.last_at = at
        self.events += 1
        buyer = event.buyer
        links = self.links
        node = links.buyer(buyer)
        device = event.device
        if device:
            links.attach(node, DEVICE, device, order_horizon=at - self._brushing_window)
        address = event.address
        if address:
            key = normalise(address)
            if key:
                links.attach(node, ADDRESS, key, order_horizon=at - self._brushing_window)

        kind = event.type
        reasons: list[Reason] = []
        if kind is EventType.COUPON_CLAIM:
            self._coupon_claim(event, node, reasons)
        elif kind is EventType.ORDER:
            self._order(event, node, reasons)
        elif kind is EventType.REVIEW:
            self._review(event, reasons)
        elif kind is EventType.REFUND_REQUEST:
            self._refund_request(event, reasons)
        elif kind is EventType.LOGIN:
            self._login(event)
        elif kind is EventType.PASSWORD_CHANGE or kind is EventType.ADDRESS_CHANGE:
            self._change(event)
        elif kind is EventType.REGISTER:
            self._registered_at[buyer] = at
        if device:
            seen = self._devices_seen.get(buyer)
            if seen is None:
                self._devices_seen[buyer] = {device}
            else:
                seen.add(device)
        if not reasons:
            return Decision(event.id, ALLOW, ())
        verdict = ALLOW
        for reason in reasons:
            if RANK[reason.verdict] > RANK[verdict]:
                verdict = reason.verdict
        return Decision(event.id, verdict, tuple(reasons))

    # -- rules --------------------------------------------------------------------------------------

    def _coupon_claim(self, event: Event, node: int, reasons: list[Reason]) -> None:
        p, buyer, at = self.profile, event.buyer, event.at
        batch = event.batch or ""
        component = self.links.component_of(node)
        if component.confirmed and self._enabled[Rule.CONFIRMED_RING]:
            reasons.append(
                Reason(
                    Rule.CONFIRMED_RING,
                    BLOCK,
                    f"{buyer} is linked to a coupon ring an analyst confirmed "
                    f"({component.buyer_count} linked buyers)",
                )
            )
        claimers = component.claimers.get(batch)
        if claimers is None:
            claimers = component.claimers[batch] = set()
        others = len(claimers) - (buyer in claimers)
        claimers.add(buyer)
        if self._enabled[Rule.COUPON_RING] and others >= p.coupon_ring_review_linked:
            verdict = BLOCK if others >= p.coupon_ring_block_linked else REVIEW
            reasons.append(
                Reason(
                    Rule.COUPON_RING,
                    verdict,
                    f"{others} other buyer(s) linked to {buyer} by a shared device or address already "
                    f"claimed batch {batch} (review at {p.coupon_ring_review_linked}, "
                    f"block at {p.coupon_ring_block_linked})",
                )
            )
        window = self._claims.get(buyer)
        if window is None:
            window = self._claims[buyer] = _Window()
        window.add(at, batch)
        window.prune(at - self._harvest_window)
        registered = self._registered_at.get(buyer)
        distinct = len(window.counts)
        if (
            self._enabled[Rule.NEW_ACCOUNT_HARVEST]
            and registered is not None
            and at - registered < self._harvest_age
            and distinct >= p.harvest_distinct_batches
        ):
            hours = (at - registered) / (3600 * _S)
            reasons.append(
                Reason(
                    Rule.NEW_ACCOUNT_HARVEST,
                    REVIEW,
                    f"{buyer} registered {hours:.1f} h ago (under {_span(p.harvest_account_age_s)}) and "
                    f"claimed {distinct} distinct batches in the last {_span(p.harvest_window_s)} "
                    f"(review at {p.harvest_distinct_batches})",
                )
            )

    def _order(self, event: Event, node: int, reasons: list[Reason]) -> None:
        p, buyer, at = self.profile, event.buyer, event.at
        merchant = event.merchant or ""
        component = self.links.component_of(node)
        times = component.orders.get(merchant)
        if times is None:
            times = component.orders[merchant] = []
        times.append(at)
        prune(times, at - self._brushing_window)
        count = len(times)
        if self._enabled[Rule.BRUSHING] and count >= p.brushing_review_orders:
            verdict = BLOCK if count >= p.brushing_block_orders else REVIEW
            reasons.append(
                Reason(
                    Rule.BRUSHING,
                    verdict,
                    f"{count} orders for merchant {merchant} in the last {_span(p.brushing_window_s)} by "
                    f"{buyer} and the {component.buyer_count - 1} buyer(s) linked to it "
                    f"(review at {p.brushing_review_orders}, block at {p.brushing_block_orders})",
                )
            )
        takeover = self._takeover.get(buyer)
        if (
            takeover is not None
            and self._enabled[Rule.ACCOUNT_TAKEOVER]
            and at - takeover.login_at <= self._login_window
        ):
            amount = event.amount_fen or 0
            verdict = BLOCK if amount >= p.takeover_block_amount_fen else REVIEW
            minutes = (takeover.change_at - takeover.login_at) / (60 * _S)
            reasons.append(
                Reason(
                    Rule.ACCOUNT_TAKEOVER,
                    verdict,
                    f"login from new device {takeover.device} at {_iso(takeover.login_at)}, then "
                    f"{takeover.change} {minutes:.0f} min later (within {_span(p.takeover_change_window_s)}); "
                    f"order of {amount} fen within {_span(p.takeover_login_window_s)} of the login "
                    f"(block at {p.takeover_block_amount_fen} fen)",
                )
            )
        self._ordered.add((buyer, event.order or ""))
        order_times = self._order_times.get(buyer)
        if order_times is None:
            order_times = self._order_times[buyer] = []
        order_times.append(at)
        prune(order_times, at - self._refund_window)

    def _review(self, event: Event, reasons: list[Reason]) -> None:
        p, buyer, at = self.profile, event.buyer, event.at
        order = event.order or ""
        merchant = event.merchant or ""
        purchased = (buyer, order) in self._ordered
        if not purchased and self._enabled[Rule.REVIEW_WITHOUT_PURCHASE]:
            reasons.append(
                Reason(
                    Rule.REVIEW_WITHOUT_PURCHASE,
                    BLOCK,
                    f"review of order {order} by {buyer}, who placed no such order before",
                )
            )
        text = normalise(event.text or "")
        if not text:
            return
        window = self._review_texts.get((merchant, text))
        if window is None:
            window = self._review_texts[(merchant, text)] = _Window()
        window.prune(at - self._review_window)
        others = len(window.counts) - (buyer in window.counts)
        window.add(at, buyer)
        if (
            purchased
            and self._enabled[Rule.DUPLICATE_REVIEW_TEXT]
            and others >= p.duplicate_review_other_buyers
        ):
            reasons.append(
                Reason(
                    Rule.DUPLICATE_REVIEW_TEXT,
                    REVIEW,
                    f"the same text was posted for merchant {merchant} by {others} other buyer(s) in "
                    f"the last {_span(p.duplicate_review_window_s)} "
                    f"(review at {p.duplicate_review_other_buyers})",
                )
            )

    def _refund_request(self, event: Event, reasons: list[Reason]) -> None:
        p, buyer, at = self.profile, event.buyer, event.at
        horizon = at - self._refund_window
        refunds = self._refund_times.get(buyer)
        if refunds is None:
            refunds = self._refund_times[buyer] = []
        refunds.append(at)
        prune(refunds, horizon)
        orders = self._order_times.get(buyer)
        if orders is not None:
            prune(orders, horizon)
        requests, placed = len(refunds), len(orders) if orders is not None else 0
        if not self._enabled[Rule.REFUND_ABUSE]:
            return
        if requests >= p.refund_block_requests and 100 * requests >= p.refund_block_percent * placed:
            verdict = BLOCK
        elif requests >= p.refund_review_requests and 100 * requests >= p.refund_review_percent * placed:
            verdict = REVIEW
        else:
            return
        reasons.append(
            Reason(
                Rule.REFUND_ABUSE,
                verdict,
                f"{requests} refund requests and {placed} orders by {buyer} in the last "
                f"{_span(p.refund_window_s)} (block at {p.refund_block_requests} and "
                f"{p.refund_block_percent}% of orders, review at {p.refund_review_requests} and "
                f"{p.refund_review_percent}% of orders)",
            )
        )

    # -- state-only events --------------------------------------------------------------------------

    def _login(self, event: Event) -> None:
        device = event.device
        if not device:
            return
        seen = self._devices_seen.get(event.buyer)
        if seen and device not in seen:  # the account's first device is not new
            self._new_device_login[event.buyer] = _Login(event.at, device)

    def _change(self, event: Event) -> None:
        login = self._new_device_login.get(event.buyer)
        if login is not None and event.at - login.at <= self._change_window:
            # the latest new-device login is the latest one this change can follow within the window
            self._takeover[event.buyer] = _Takeover(login.at, login.device, event.at, str(event.type))

    # -- analyst feedback ---------------------------------------------------------------------------

    def confirm_ring(self, buyer: str) -> None:
        """An analyst confirmed abuse by ``buyer``'s linked accounts: from now on every coupon claim by a
        buyer linked to them (now or later) is blocked by ``confirmed_ring``."""
        self.links.component_of(self.links.buyer(buyer)).confirmed = True

    # -- evidence for analysts ----------------------------------------------------------------------

    def linked(self, buyer: str, *, limit: int | None = 50) -> dict[str, list[str]]:
        """Buyers, devices and normalised addresses linked to ``buyer`` (sorted, ``limit`` of each)."""
        node = self.links.buyer_node(buyer)
        if node is None:
            return {"buyers": [buyer], "devices": [], "addresses": []}
        return self.links.members(node, limit=limit)
