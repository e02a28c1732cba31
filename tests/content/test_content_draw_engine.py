"""The verifiable lucky draw's pure engine (R4.4.1): the commitment binds the seed, winners follow from
the seed and the sorted entrant list alone (checked against a slow oracle written from docs/content.md),
and the prize cap is inclusive."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.content import draw

SEED = "00" * 31 + "01"


def _oracle(
    seed: str, draw_id: int, entrants: list[str], prizes: list[tuple[int, int]]
) -> list[tuple[int, str]]:
    key = bytes.fromhex(seed)
    scored = []
    for code in set(entrants):
        digest = hmac.new(key, f"{draw_id}:{code}".encode(), hashlib.sha256).hexdigest()
        scored.append((digest, code.encode(), code))
    scored.sort()
    slots = [prize_id for prize_id, quantity in prizes for _ in range(quantity)]
    return [(prize_id, entry[2]) for prize_id, entry in zip(slots, scored, strict=False)]


@pytest.mark.req("R4.4.1")
def test_the_commitment_binds_the_seed() -> None:
    seed = draw.new_seed()
    published = draw.commitment(seed)
    assert published == hashlib.sha256(bytes.fromhex(seed)).hexdigest()
    assert draw.seed_matches(seed, published)
    assert not draw.seed_matches(SEED, published)
    assert not draw.seed_matches("not hex", published)


@pytest.mark.req("R4.4.1")
@settings(max_examples=40, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32).map(bytes.hex),
    draw_id=st.integers(min_value=1, max_value=10**6),
    entrants=st.lists(st.text(min_size=1, max_size=8), max_size=30),
    quantities=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4),
)
def test_winners_follow_from_seed_and_entrants_only(
    seed: str, draw_id: int, entrants: list[str], quantities: list[int]
) -> None:
    prizes = [draw.PrizeSlot(prize_id=index + 1, quantity=q) for index, q in enumerate(quantities)]
    awards = draw.winners(seed, draw_id, entrants, prizes)
    assert [(a.prize_id, a.entrant) for a in awards] == _oracle(
        seed, draw_id, entrants, [(p.prize_id, p.quantity) for p in prizes]
    )
    # the order in which entries arrived does not matter
    assert draw.winners(seed, draw_id, list(reversed(entrants)), prizes) == awards
    assert [a.rank for a in awards] == list(range(1, len(awards) + 1))


def test_the_cap_allows_the_exact_value_and_refuses_one_fen_more() -> None:
    assert draw.prizes_over_cap([5_000_000, 5_000_001, 100], 5_000_000) == [1]
