"""Pure transaction-risk engine (no Django): account linkage, the baseline rules as a data profile.

Public API: :class:`RiskEngine` (``assess(event) -> Decision``), :class:`Event`, :class:`Profile`
(:data:`BASELINE`), :func:`parse_event`, :func:`to_micros`. See ``docs/risk.md`` and ADR 0004.
"""

from mallops.risk.engine.engine import OutOfOrderError, RiskEngine
from mallops.risk.engine.linkage import Linkage
from mallops.risk.engine.model import (
    BASELINE,
    RANK,
    Decision,
    Event,
    EventType,
    Profile,
    ProfileError,
    Reason,
    Rule,
    Verdict,
    from_micros,
    to_micros,
)
from mallops.risk.engine.normalize import normalise
from mallops.risk.engine.parse import REQUIRED, EventError, parse_event, parse_time

__all__ = [
    "BASELINE",
    "RANK",
    "REQUIRED",
    "Decision",
    "Event",
    "EventError",
    "EventType",
    "Linkage",
    "OutOfOrderError",
    "Profile",
    "ProfileError",
    "Reason",
    "RiskEngine",
    "Rule",
    "Verdict",
    "from_micros",
    "normalise",
    "parse_event",
    "parse_time",
    "to_micros",
]
