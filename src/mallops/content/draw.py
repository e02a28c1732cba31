"""The verifiable lucky draw (R4.4.1), pure Python without Django so anyone can rerun it.

Before the draw the server publishes ``commitment = SHA-256(seed)`` (the seed is 32 random bytes, written
as 64 lowercase hex digits; the hash is over the 32 bytes). At the draw it reveals the seed. Winners are
then fixed by this algorithm, which needs nothing but the seed, the draw's id, the entrant codes and the
prizes:

1. entrants = the distinct entrant codes, sorted by their UTF-8 bytes;
2. each entrant's score = HMAC-SHA256(key = seed bytes, message = "<draw id>:<entrant code>" in UTF-8),
   as hex;
3. order the entrants by (score, code) ascending;
4. walk the prizes in their order (``position``); each prize takes the next ``quantity`` entrants.

An entrant wins at most once. Fewer entrants than prizes leaves the last prizes unawarded.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SEED_BYTES = 32


@dataclass(frozen=True)
class PrizeSlot:
    """One prize of the draw: its id (stable, e.g. the database row id) and how many are given."""

    prize_id: int
    quantity: int


@dataclass(frozen=True)
class Award:
    prize_id: int
    entrant: str
    rank: int  # 1-based place in the ranking


def new_seed() -> str:
    """A fresh secret seed as 64 hex digits."""
    return secrets.token_hex(SEED_BYTES)


def commitment(seed: str) -> str:
    """SHA-256 over the seed's 32 bytes, as 64 hex digits (published before the draw)."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def seed_matches(seed: str, published: str) -> bool:
    """Whether ``seed`` is the one the published commitment promised."""
    try:
        return hmac.compare_digest(commitment(seed), published.lower())
    except ValueError:
        return False


def score(seed: str, draw_id: int, entrant: str) -> str:
    return hmac.new(bytes.fromhex(seed), f"{draw_id}:{entrant}".encode(), hashlib.sha256).hexdigest()


def ranking(seed: str, draw_id: int, entrants: Iterable[str]) -> list[str]:
    """The distinct entrants in draw order (steps 1-3)."""
    distinct = sorted(set(entrants), key=lambda code: code.encode())
    return sorted(distinct, key=lambda code: (score(seed, draw_id, code), code.encode()))


def winners(seed: str, draw_id: int, entrants: Iterable[str], prizes: Sequence[PrizeSlot]) -> list[Award]:
    """The awards of the draw (step 4), in rank order."""
    order = ranking(seed, draw_id, entrants)
    awards: list[Award] = []
    for slot in prizes:
        for _ in range(slot.quantity):
            if len(awards) == len(order):
                return awards
            awards.append(Award(prize_id=slot.prize_id, entrant=order[len(awards)], rank=len(awards) + 1))
    return awards


def prizes_over_cap(values_fen: Sequence[int], cap_fen: int) -> list[int]:
    """Indexes of the prizes whose market value (fen) exceeds the cap; a value equal to the cap is lawful."""
    return [index for index, value in enumerate(values_fen) if value > cap_fen]
