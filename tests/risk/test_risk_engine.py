"""The risk engine rule by rule at its boundaries, and against the re-scanning oracle (Hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle_risk import decide

from mallops.risk.engine import (
    BASELINE,
    Event,
    EventError,
    EventType,
    OutOfOrderError,
    Profile,
    ProfileError,
    RiskEngine,
    Rule,
    Verdict,
    normalise,
    parse_event,
    to_micros,
)

CST = timezone(timedelta(hours=8))
T0 = to_micros(datetime(2026, 3, 1, 10, 0, tzinfo=CST))
MIN = 60 * 1_000_000
HOUR = 60 * MIN
DAY = 24 * HOUR
ALLOW, REVIEW, BLOCK = Verdict.ALLOW, Verdict.REVIEW, Verdict.BLOCK

_counter = iter(range(1, 10**9))


def ev(type_: str, at: int, buyer: str, **fields: Any) -> Event:
    return Event(
        id=fields.pop("id", f"e{next(_counter)}"), type=EventType(type_), at=T0 + at, buyer=buyer, **fields
    )


def run(*events: Event, profile: Profile = BASELINE) -> list[tuple[Verdict, list[str]]]:
    engine = RiskEngine(profile)
    out = []
    for event in events:
        decision = engine.assess(event)
        out.append((decision.verdict, [str(r.rule) for r in decision.reasons]))
    return out


def last(*events: Event, profile: Profile = BASELINE) -> tuple[Verdict, list[str]]:
    return run(*events, profile=profile)[-1]


# -- normalisation ----------------------------------------------------------------------------------


def test_addresses_normalise_width_case_whitespace_and_punctuation() -> None:
    assert normalise("北京市 朝阳区，建国路１号－Ａ座") == "北京市朝阳区建国路1号a座"
    assert normalise("北京市朝阳区建国路1号a座") == "北京市朝阳区建国路1号a座"
    assert normalise("Room\u30008-B.") == "room8b"
    assert normalise(" ，。！ ") == ""


# -- coupon_ring --------------------------------------------------------------------------------------


@pytest.mark.req("R7.2.2")
def test_coupon_ring_reviews_at_one_linked_claimer_and_blocks_at_two() -> None:
    events = [
        ev("coupon_claim", 0, "b1", device="d1", batch="c1"),
        ev("coupon_claim", 1, "b2", device="d1", batch="c1"),  # shares d1 with b1
        ev("coupon_claim", 2, "b3", address="上海 路1号", batch="c1"),
        ev("coupon_claim", 3, "b2", address="上海路１号", batch="c1"),  # links b3 to b1/b2 now
    ]
    assert run(*events) == [
        (ALLOW, []),
        (REVIEW, ["coupon_ring"]),
        (ALLOW, []),
        (BLOCK, ["coupon_ring"]),  # b1 and b3 claimed c1; b2's own earlier claim does not count
    ]


def test_coupon_ring_counts_neither_other_batches_nor_unlinked_buyers() -> None:
    assert last(
        ev("coupon_claim", 0, "b1", device="d1", batch="c2"),
        ev("coupon_claim", 0, "b3", device="d9", batch="c1"),
        ev("coupon_claim", 0, "b2", device="d1", batch="c1"),
    ) == (ALLOW, [])


def test_coupon_ring_links_through_the_current_events_device() -> None:
    # b1 and b2 only share d1 on the current claim: link first, then judge
    assert last(
        ev("login", 0, "b1", device="d1"),
        ev("coupon_claim", 1, "b1", batch="c1"),
        ev("coupon_claim", 2, "b2", device="d1", batch="c1"),
    ) == (REVIEW, ["coupon_ring"])


# -- new_account_harvest ----------------------------------------------------------------------------


def _harvest(register_at: int, third: int) -> tuple[Verdict, list[str]]:
    return last(
        ev("register", register_at, "b1"),
        ev("coupon_claim", 0, "b1", batch="c1"),
        ev("coupon_claim", 10 * MIN, "b1", batch="c2"),
        ev("coupon_claim", third, "b1", batch="c3"),
    )


@pytest.mark.req("R7.2.2")
def test_new_account_harvest_third_distinct_batch_within_60_min() -> None:
    assert _harvest(-22 * HOUR, 60 * MIN) == (REVIEW, ["new_account_harvest"])  # 60 min: inclusive
    assert _harvest(-22 * HOUR, 60 * MIN + 1) == (ALLOW, [])  # the first claim left the window
    assert _harvest(59 * MIN - 24 * HOUR + 1, 59 * MIN) == (REVIEW, ["new_account_harvest"])
    assert _harvest(59 * MIN - 24 * HOUR, 59 * MIN) == (ALLOW, [])  # registered exactly 24 h before


def test_new_account_harvest_needs_a_register_event_and_distinct_batches() -> None:
    assert last(*(ev("coupon_claim", k, "b1", batch=f"c{k}") for k in range(5))) == (ALLOW, [])
    assert last(
        ev("register", 0, "b1"),
        ev("coupon_claim", 1, "b1", batch="c1"),
        ev("coupon_claim", 2, "b1", batch="c2"),
        ev("coupon_claim", 3, "b1", batch="c2"),
    ) == (ALLOW, [])
    # once three distinct batches are in the window, a repeat claim is a "later" claim and fires too
    assert last(
        ev("register", 0, "b1"),
        ev("coupon_claim", 1, "b1", batch="c1"),
        ev("coupon_claim", 2, "b1", batch="c2"),
        ev("coupon_claim", 3, "b1", batch="c3"),
        ev("coupon_claim", 4, "b1", batch="c1"),
    ) == (REVIEW, ["new_account_harvest"])


# -- brushing ----------------------------------------------------------------------------------------


def _orders(n: int, *, spacing: int, merchant: str = "m1") -> list[Event]:
    # buyers b0..b{n-1} all share the address, so they form one component
    return [
        ev(
            "order",
            k * spacing,
            f"b{k}",
            address="杭州西湖路8号",
            order=f"o{k}",
            merchant=merchant,
            amount_fen=100,
        )
        for k in range(n)
    ]


@pytest.mark.req("R7.2.2")
def test_brushing_reviews_at_5_and_blocks_at_10_linked_orders_within_60_min() -> None:
    results = run(*_orders(10, spacing=MIN))
    assert [v for v, _ in results] == [ALLOW] * 4 + [REVIEW] * 5 + [BLOCK]
    assert results[4] == (REVIEW, ["brushing"])
    # 9 orders spaced so that the first is exactly 60 min before the tenth (inclusive) -> block at 10
    spaced = _orders(10, spacing=60 * MIN // 9)
    assert run(*spaced)[-1] == (BLOCK, ["brushing"])
    late = [
        *_orders(9, spacing=60 * MIN // 9),
        ev("order", 60 * MIN + 1, "b9", address="杭州西湖路8号", order="o9", merchant="m1", amount_fen=100),
    ]
    assert run(*late)[-1] == (REVIEW, ["brushing"])  # the first order is 1 µs outside the window


def test_brushing_counts_orders_of_buyers_linked_after_they_ordered() -> None:
    events = [
        ev("order", k, f"b{k}", address=f"addr{k}", order=f"o{k}", merchant="m1", amount_fen=1)
        for k in range(4)
    ]
    # b9 shares each of the four addresses through these address changes, then orders
    events += [ev("address_change", 10 + k, "b9", address=f"ADDR {k}") for k in range(4)]
    events.append(ev("order", 20, "b9", address="addr0", order="o9", merchant="m1", amount_fen=1))
    assert run(*events)[-1] == (REVIEW, ["brushing"])
    other_merchant = [
        *events[:-1],
        ev("order", 20, "b9", address="addr0", order="o9", merchant="m2", amount_fen=1),
    ]
    assert run(*other_merchant)[-1] == (ALLOW, [])


# -- reviews ----------------------------------------------------------------------------------------


@pytest.mark.req("R7.2.2")
def test_review_without_purchase_blocks_and_an_earlier_own_order_allows() -> None:
    order = ev("order", 0, "b1", address="a", order="o1", merchant="m1", amount_fen=100)
    review = ev("review", 1, "b1", order="o1", merchant="m1", rating=5, text="好")
    assert run(order, review)[-1] == (ALLOW, [])
    other_buyer = ev("review", 1, "b2", order="o1", merchant="m1", rating=5, text="好")
    assert run(order, other_buyer)[-1] == (BLOCK, ["review_without_purchase"])
    assert last(review) == (BLOCK, ["review_without_purchase"])


@pytest.mark.req("R7.2.2")
def test_duplicate_review_text_from_two_other_buyers_within_24_h() -> None:
    def posts(second_at: int) -> list[Event]:
        out = []
        for k, (buyer, at, text) in enumerate(
            [
                ("b1", 0, "物美价廉，好评！"),
                ("b2", second_at, "物美价廉 好评"),
                ("b3", 24 * HOUR, "物美价廉好评"),
            ]
        ):
            out.append(ev("order", at, buyer, address=f"x{k}", order=f"o{k}", merchant="m1", amount_fen=1))
            out.append(ev("review", at, buyer, order=f"o{k}", merchant="m1", rating=5, text=text))
        return out

    assert run(*posts(HOUR))[-1] == (REVIEW, ["duplicate_review_text"])  # b1 exactly 24 h earlier counts
    shifted = posts(HOUR)
    shifted[0:2] = [
        ev("order", -1, "b1", address="x0", order="o0", merchant="m1", amount_fen=1),
        ev("review", -1, "b1", order="o0", merchant="m1", rating=5, text="物美价廉，好评！"),
    ]
    assert run(*shifted)[-1] == (ALLOW, [])
    # the same buyer twice is one other buyer
    same = posts(HOUR)
    same[2:4] = [
        ev("order", HOUR, "b1", address="x0", order="o8", merchant="m1", amount_fen=1),
        ev("review", HOUR, "b1", order="o8", merchant="m1", rating=5, text="物美价廉好评"),
    ]
    assert run(*same)[-1] == (ALLOW, [])


def test_a_review_without_purchase_still_counts_as_posted_text() -> None:
    events = [
        ev("review", 0, "b1", order="zz", merchant="m1", rating=5, text="nice"),
        ev("review", 1, "b2", order="zz", merchant="m1", rating=5, text="NICE!"),
        ev("order", 2, "b3", address="q", order="o3", merchant="m1", amount_fen=1),
        ev("review", 3, "b3", order="o3", merchant="m1", rating=5, text="Nice"),
    ]
    assert run(*events) == [
        (BLOCK, ["review_without_purchase"]),
        (BLOCK, ["review_without_purchase"]),
        (ALLOW, []),
        (REVIEW, ["duplicate_review_text"]),
    ]


# -- account_takeover --------------------------------------------------------------------------------


def _takeover(
    change_after: int, order_after_login: int, amount: int, first_device: bool = False
) -> tuple[Verdict, list[str]]:
    events = [] if first_device else [ev("login", -DAY, "b1", device="home")]
    events += [
        ev("login", 0, "b1", device="phone-x"),
        ev("password_change", change_after, "b1"),
        ev("order", order_after_login, "b1", address="a", order="o1", merchant="m1", amount_fen=amount),
    ]
    return last(*events)


@pytest.mark.req("R7.2.2")
def test_account_takeover_new_device_login_change_within_30_min_order_within_2_h() -> None:
    assert _takeover(30 * MIN, 2 * HOUR, 100_000) == (BLOCK, ["account_takeover"])
    assert _takeover(30 * MIN, 2 * HOUR, 99_999) == (REVIEW, ["account_takeover"])
    assert _takeover(30 * MIN + 1, 2 * HOUR, 100_000) == (ALLOW, [])
    assert _takeover(30 * MIN, 2 * HOUR + 1, 100_000) == (ALLOW, [])
    assert _takeover(MIN, HOUR, 100_000, first_device=True) == (ALLOW, [])  # the first device is not new


def test_account_takeover_needs_a_device_never_seen_for_the_buyer() -> None:
    assert last(
        ev("order", -DAY, "b1", device="phone-x", address="a", order="o0", merchant="m1", amount_fen=1),
        ev("login", 0, "b1", device="phone-x"),
        ev("address_change", MIN, "b1", address="b"),
        ev("order", HOUR, "b1", address="b", order="o1", merchant="m1", amount_fen=500_000),
    ) == (ALLOW, [])
    # the change must follow the login
    assert last(
        ev("login", -DAY, "b1", device="home"),
        ev("address_change", 0, "b1", address="b"),
        ev("login", 0, "b1", device="phone-x"),
        ev("order", HOUR, "b1", address="b", order="o1", merchant="m1", amount_fen=500_000),
    ) == (ALLOW, [])


# -- refund_abuse -----------------------------------------------------------------------------------


def _refunds(orders: int, refunds: int, *, first_order_at: int = 0) -> tuple[Verdict, list[str]]:
    events = [
        ev("order", first_order_at + k, "b1", address="a", order=f"o{k}", merchant="m1", amount_fen=1)
        for k in range(orders)
    ]
    events += [
        ev("refund_request", HOUR + k, "b1", order=f"o{k}", amount_fen=1, kind="refund_only")
        for k in range(refunds)
    ]
    return last(*events)


@pytest.mark.req("R7.2.2")
def test_refund_abuse_thresholds() -> None:
    assert _refunds(10, 8) == (BLOCK, ["refund_abuse"])  # 8 >= 8 and 8 >= 0.8 x 10
    assert _refunds(11, 8) == (REVIEW, ["refund_abuse"])  # 8 < 8.8, but 8 >= 6.6
    assert _refunds(8, 5) == (REVIEW, ["refund_abuse"])  # 5 >= 4.8
    assert _refunds(9, 5) == (ALLOW, [])  # 5 < 5.4
    assert _refunds(0, 4) == (ALLOW, [])
    # orders placed more than 30 x 24 h before the refund no longer count
    assert _refunds(11, 8, first_order_at=HOUR + 7 - 30 * DAY - 1) == (BLOCK, ["refund_abuse"])
    assert _refunds(11, 8, first_order_at=HOUR + 7 - 30 * DAY) == (REVIEW, ["refund_abuse"])


# -- decisions ----------------------------------------------------------------------------------------


def test_strongest_decision_wins_and_every_fired_rule_is_listed() -> None:
    events = [
        ev("login", -DAY, "b1", device="home"),
        *_orders(4, spacing=MIN),
        ev("login", 10 * MIN, "b1", device="new"),
        ev("password_change", 11 * MIN, "b1"),
    ]
    events.append(
        ev("order", 12 * MIN, "b1", address="杭州西湖路8号", order="o9", merchant="m1", amount_fen=1)
    )
    engine = RiskEngine()
    decisions = [engine.assess(e) for e in events]
    final = decisions[-1]
    assert final.verdict is REVIEW
    assert [r.rule for r in final.reasons] == [Rule.BRUSHING, Rule.ACCOUNT_TAKEOVER]
    assert final.to_json()["reasons"][0] == {
        "rule": "brushing",
        "detail": "5 orders for merchant m1 in the last 60 min by b1 and the 3 buyer(s) linked to it "
        "(review at 5, block at 10)",
    }


def test_a_confirmed_ring_blocks_the_next_claims_of_every_linked_account() -> None:
    engine = RiskEngine()
    engine.assess(ev("coupon_claim", 0, "b1", device="d1", batch="c1"))
    engine.assess(ev("coupon_claim", 1, "b2", device="d1", batch="c1"))
    engine.confirm_ring("b2")
    # b3 joins the ring later through the address it shares with b1
    engine.assess(ev("address_change", 2, "b3", address="x"))
    engine.assess(ev("address_change", 3, "b1", address="x"))
    decision = engine.assess(ev("coupon_claim", 4, "b3", batch="c9"))
    assert (decision.verdict, [r.rule for r in decision.reasons]) == (BLOCK, [Rule.CONFIRMED_RING])
    assert engine.assess(ev("coupon_claim", 5, "b4", batch="c9")).verdict is ALLOW
    assert engine.linked("b3") == {"buyers": ["b1", "b2", "b3"], "devices": ["d1"], "addresses": ["x"]}


def test_out_of_order_events_are_refused() -> None:
    engine = RiskEngine()
    engine.assess(ev("login", 10, "b1"))
    engine.assess(ev("login", 10, "b2"))
    with pytest.raises(OutOfOrderError):
        engine.assess(ev("login", 9, "b1"))


def test_a_disabled_rule_never_fires() -> None:
    profile = Profile(disabled_rules=frozenset({Rule.REVIEW_WITHOUT_PURCHASE}))
    assert last(ev("review", 0, "b1", order="o", merchant="m", rating=1, text="x"), profile=profile) == (
        ALLOW,
        [],
    )


def test_profile_round_trips_through_json_and_rejects_bad_values() -> None:
    assert Profile.from_json(BASELINE.to_json()) == BASELINE
    assert Profile.from_json({"brushing_review_orders": 3}).brushing_review_orders == 3
    with pytest.raises(ProfileError):
        Profile.from_json({"brushing_review_orders": -1})
    with pytest.raises(ProfileError):
        Profile.from_json({"no_such_threshold": 1})
    with pytest.raises(ProfileError):
        Profile.from_json({"disabled_rules": ["nope"]})


def test_parse_event_checks_the_fields_of_each_type() -> None:
    base = {"id": "e1", "at": "2026-03-01T10:00:00+08:00", "buyer": "b1"}
    assert parse_event({**base, "type": "coupon_claim", "batch": "c1"}).at == T0
    with pytest.raises(EventError, match='missing field "batch"'):
        parse_event({**base, "type": "coupon_claim"})
    with pytest.raises(EventError, match="unknown type"):
        parse_event({**base, "type": "teleport"})
    with pytest.raises(EventError, match="no UTC offset"):
        parse_event({**base, "type": "login", "at": "2026-03-01T10:00:00"})


# -- against the oracle -----------------------------------------------------------------------------

SECOND = 1_000_000
# small steps mostly, so windows fill up and rules fire; the boundary steps now and then
STEPS = [0, 0, 1, SECOND, SECOND, MIN, MIN, MIN, 29 * MIN, 30 * MIN, 31 * MIN, 59 * MIN, HOUR, HOUR + 1]
STEPS += [2 * HOUR, DAY - 1, DAY, 10 * DAY]
T = EventType
# dense streams: every window boundary is reached as a sum of steps (2 x 30 min = 60 min ...)
DENSE_STEPS = [0, 1, SECOND, MIN, MIN, 10 * MIN, 30 * MIN, 30 * MIN, 30 * MIN + 1, DAY - HOUR]
KINDS = [T.COUPON_CLAIM] * 3 + [T.ORDER] * 4 + [T.REVIEW] * 2 + [T.REFUND_REQUEST] * 3 + [T.LOGIN] * 2
KINDS += [T.PASSWORD_CHANGE, T.ADDRESS_CHANGE, T.REGISTER]
ACCOUNT_STEPS = [0, 1, MIN, 10 * MIN, 30 * MIN, 30 * MIN + 1, HOUR, HOUR - 1]
ACCOUNT_KINDS = [T.LOGIN] * 3 + [T.PASSWORD_CHANGE, T.ADDRESS_CHANGE] + [T.ORDER] * 3 + [T.REFUND_REQUEST]
ADDRESSES = [None, "西湖路1号", "西湖路 １号！", "Elm St. 5", "elm st 5", "湖滨路2号", " ，"]
TEXTS = ["好评", "好 评！", "Great", "great.", "差", ""]


@st.composite
def streams(draw: st.DrawFn, *, dense: bool = False, account: bool = False) -> list[Event]:
    n = draw(st.integers(min_value=1, max_value=60))
    at = T0
    out = []
    steps = DENSE_STEPS if dense else STEPS
    buyers = ["b1", "b2", "b3"] if dense else ["b1", "b2", "b3", "b4"]
    kinds = KINDS
    if account:  # logins, changes and orders of two buyers: account_takeover and brushing fire often
        steps, buyers, kinds = ACCOUNT_STEPS, ["b1", "b2"], ACCOUNT_KINDS
    for k in range(n):
        at += draw(st.sampled_from(steps))
        kind = draw(st.sampled_from(kinds))
        fields: dict[str, Any] = {
            "device": draw(st.sampled_from([None, "d1", "d2", "d3", "d4"])),
            "address": draw(st.sampled_from(ADDRESSES)),
        }
        if kind is EventType.COUPON_CLAIM:
            fields["batch"] = draw(st.sampled_from(["c1", "c2", "c3", "c4"]))
        if kind in (EventType.ORDER, EventType.REVIEW, EventType.REFUND_REQUEST):
            fields["order"] = draw(st.sampled_from(["o1", "o2", "o3"]))
        if kind in (EventType.ORDER, EventType.REVIEW):
            fields["merchant"] = draw(st.sampled_from(["m1", "m2"]))
        if kind in (EventType.ORDER, EventType.REFUND_REQUEST):
            fields["amount_fen"] = draw(st.sampled_from([0, 99_999, 100_000, 250_000]))
        if kind is EventType.REVIEW:
            fields["rating"] = 5
            fields["text"] = draw(st.sampled_from(TEXTS))
        if kind is EventType.REFUND_REQUEST:
            fields["kind"] = "refund_only"
        buyer = draw(st.sampled_from(buyers))
        out.append(Event(id=f"e{k}", type=kind, at=at, buyer=buyer, **fields))
    return out


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    small = st.integers(min_value=1, max_value=4)
    ring = draw(small)
    brushing = draw(small)
    refund_review = draw(small)
    return Profile(
        coupon_ring_review_linked=ring,
        coupon_ring_block_linked=ring + draw(st.integers(0, 2)),
        harvest_distinct_batches=draw(small),
        harvest_window_s=draw(st.sampled_from([60, 1800, 3600])),
        brushing_review_orders=brushing,
        brushing_block_orders=brushing + draw(st.integers(0, 3)),
        duplicate_review_other_buyers=draw(st.integers(1, 3)),
        takeover_block_amount_fen=draw(st.sampled_from([0, 100_000, 250_001])),
        refund_review_requests=refund_review,
        refund_review_percent=draw(st.sampled_from([0, 50, 60, 100, 150])),
        refund_block_requests=refund_review + draw(st.integers(0, 3)),
        refund_block_percent=draw(st.sampled_from([50, 80, 100])),
        refund_window_s=draw(st.sampled_from([3600, 86400, 30 * 86400])),
        disabled_rules=frozenset(draw(st.sets(st.sampled_from(list(Rule)), max_size=2))),
    )


def _check_against_oracle(events: list[Event], profile: Profile) -> None:
    engine = RiskEngine(profile)
    for i, event in enumerate(events):
        decision = engine.assess(event)
        expected = decide(events[: i + 1], profile)
        got = (decision.verdict, [r.rule for r in decision.reasons])
        assert got == expected, f"event {i}: {event}"
        assert all(r.verdict is not ALLOW and r.detail for r in decision.reasons)


@pytest.mark.req("R7.2.2")
@settings(max_examples=250, deadline=None)
@given(streams())
def test_engine_agrees_with_the_oracle_on_the_baseline(events: list[Event]) -> None:
    _check_against_oracle(events, BASELINE)


@settings(max_examples=100, deadline=None)
@given(streams(dense=True))
def test_engine_agrees_with_the_oracle_on_dense_streams(events: list[Event]) -> None:
    _check_against_oracle(events, BASELINE)


@settings(max_examples=100, deadline=None)
@given(streams(account=True))
def test_engine_agrees_with_the_oracle_on_account_streams(events: list[Event]) -> None:
    _check_against_oracle(events, BASELINE)


@settings(max_examples=100, deadline=None)
@given(st.one_of(streams(), streams(dense=True), streams(account=True)), profiles())
def test_engine_agrees_with_the_oracle_on_any_profile(events: list[Event], profile: Profile) -> None:
    _check_against_oracle(events, profile)
