"""The post's state machine as data: which move is allowed from which status (one table, read by the
services and the console's buttons)."""

from __future__ import annotations

from typing import Final

# move -> (statuses it may start from, status it ends in)
TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "submit": (frozenset({"draft"}), "in_review"),
    "approve": (frozenset({"in_review"}), "approved"),
    "reject": (frozenset({"in_review"}), "draft"),
    "schedule": (frozenset({"approved", "scheduled"}), "scheduled"),
    "publish": (frozenset({"approved", "scheduled"}), "published"),
}


def allowed(move: str, status: str) -> bool:
    """Whether ``move`` may start from ``status``."""
    sources, _target = TRANSITIONS[move]
    return status in sources


def target(move: str) -> str:
    return TRANSITIONS[move][1]


def moves_from(status: str) -> list[str]:
    """The moves a post in ``status`` offers, in table order."""
    return [move for move, (sources, _t) in TRANSITIONS.items() if status in sources]
