"""A slow, obvious oracle for the risk rules: every event re-scans the whole history before it.

Written straight from the rule text of issue 18, sharing nothing with the engine but the event and
profile types and the normalisation function.
"""

from __future__ import annotations

from fractions import Fraction

from mallops.risk.engine import Event, EventType, Profile, Rule, Verdict, normalise

S = 1_000_000
T = EventType
STRENGTH = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}


def linked_buyers(history: list[Event], buyer: str) -> set[str]:
    """Buyers connected to ``buyer`` through shared devices or normalised addresses in ``history``."""
    keys_of: dict[str, set[tuple[str, str]]] = {}
    buyers_of: dict[tuple[str, str], set[str]] = {}
    for e in history:
        keys = keys_of.setdefault(e.buyer, set())
        if e.device:
            keys.add(("device", e.device))
        if e.address and normalise(e.address):
            keys.add(("address", normalise(e.address)))
        for key in keys:
            buyers_of.setdefault(key, set()).add(e.buyer)
    seen, todo = {buyer}, [buyer]
    while todo:
        current = todo.pop()
        for key in keys_of.get(current, ()):
            for other in buyers_of[key]:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
    return seen


BASELINE = Profile()


def decide(history: list[Event], profile: Profile = BASELINE) -> tuple[Verdict, list[Rule]]:
    """The decision for ``history[-1]`` given everything before it."""
    e = history[-1]
    earlier = history[:-1]
    fired: list[tuple[Rule, Verdict]] = []
    x = e.buyer

    def within(other: Event, seconds: int) -> bool:
        return e.at - other.at <= seconds * S

    if e.type is T.COUPON_CLAIM:
        group = linked_buyers(history, x)
        k = len({o.buyer for o in earlier if o.type is T.COUPON_CLAIM and o.batch == e.batch} & group - {x})
        if k >= profile.coupon_ring_block_linked:
            fired.append((Rule.COUPON_RING, Verdict.BLOCK))
        elif k >= profile.coupon_ring_review_linked:
            fired.append((Rule.COUPON_RING, Verdict.REVIEW))
        young = any(
            o.type is T.REGISTER and o.buyer == x and e.at - o.at < profile.harvest_account_age_s * S
            for o in earlier
        )
        batches = {
            o.batch
            for o in history
            if o.type is T.COUPON_CLAIM and o.buyer == x and within(o, profile.harvest_window_s)
        }
        if young and len(batches) >= profile.harvest_distinct_batches:
            fired.append((Rule.NEW_ACCOUNT_HARVEST, Verdict.REVIEW))

    if e.type is T.ORDER:
        group = linked_buyers(history, x)
        n = sum(
            1
            for o in history
            if o.type is T.ORDER
            and o.merchant == e.merchant
            and o.buyer in group
            and within(o, profile.brushing_window_s)
        )
        if n >= profile.brushing_block_orders:
            fired.append((Rule.BRUSHING, Verdict.BLOCK))
        elif n >= profile.brushing_review_orders:
            fired.append((Rule.BRUSHING, Verdict.REVIEW))
        takeover = False
        for j, login in enumerate(earlier):
            if not (login.type is T.LOGIN and login.buyer == x and login.device):
                continue
            if not within(login, profile.takeover_login_window_s):
                continue
            before = {o.device for o in earlier[:j] if o.buyer == x and o.device}
            if not before or login.device in before:
                continue
            if any(
                c.buyer == x
                and c.type in (T.PASSWORD_CHANGE, T.ADDRESS_CHANGE)
                and c.at - login.at <= profile.takeover_change_window_s * S
                for c in earlier[j + 1 :]
            ):
                takeover = True
        if takeover:
            big = (e.amount_fen or 0) >= profile.takeover_block_amount_fen
            fired.append((Rule.ACCOUNT_TAKEOVER, Verdict.BLOCK if big else Verdict.REVIEW))

    if e.type is T.REVIEW:
        bought = any(o.type is T.ORDER and o.order == e.order and o.buyer == x for o in earlier)
        if not bought:
            fired.append((Rule.REVIEW_WITHOUT_PURCHASE, Verdict.BLOCK))
        else:
            text = normalise(e.text or "")
            posters = {
                o.buyer
                for o in earlier
                if o.type is T.REVIEW
                and o.merchant == e.merchant
                and normalise(o.text or "") == text
                and o.buyer != x
                and within(o, profile.duplicate_review_window_s)
            }
            if text and len(posters) >= profile.duplicate_review_other_buyers:
                fired.append((Rule.DUPLICATE_REVIEW_TEXT, Verdict.REVIEW))

    if e.type is T.REFUND_REQUEST:
        r = sum(
            1
            for o in history
            if o.type is T.REFUND_REQUEST and o.buyer == x and within(o, profile.refund_window_s)
        )
        p = sum(
            1 for o in history if o.type is T.ORDER and o.buyer == x and within(o, profile.refund_window_s)
        )
        if r >= profile.refund_block_requests and r >= Fraction(profile.refund_block_percent, 100) * p:
            fired.append((Rule.REFUND_ABUSE, Verdict.BLOCK))
        elif r >= profile.refund_review_requests and r >= Fraction(profile.refund_review_percent, 100) * p:
            fired.append((Rule.REFUND_ABUSE, Verdict.REVIEW))

    fired = [(rule, verdict) for rule, verdict in fired if rule not in profile.disabled_rules]
    verdict = max((v for _, v in fired), key=STRENGTH.__getitem__, default=Verdict.ALLOW)
    return verdict, [rule for rule, _ in fired]
