"""Response and resolution targets of technical-support tickets (R6.3.1). Pure Python, no Django.

The guide: technical support answers within **4 hours**, major faults within **2 hours**. Which clock
each target runs on follows the decisions of ``mallops.workdays``: a major fault is an incident clock and
runs on natural (calendar) time, day and night; other support is a staffed desk and counts business hours
(09:00-18:00 on working days of the State Council calendar, make-up workdays included). Resolution targets
are the platform's own (the guide names none) and are marked ``PLATFORM`` in docs/operations.md.

| severity | meaning | first response | resolution |
|---|---|---|---|
| p1 | major fault: selling, paying or a whole store stopped; data at risk | 2 h natural time | 24 h natural time |
| p2 | a function broken for a store, no workaround | 4 business hours | end of the 2nd working day |
| p3 | a function impaired, a workaround exists; questions | 4 business hours | end of the 5th working day |
| p4 | cosmetic, feature requests | 4 business hours | end of the 10th working day |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mallops.workdays.engine import CalendarData, ClockBasis, SlaClock, SlaPolicy

SEVERITIES = ("p1", "p2", "p3", "p4")


@dataclass(frozen=True)
class SupportTargets:
    response: SlaPolicy
    resolution: SlaPolicy


_DESK_RESPONSE = SlaPolicy("support_response", ClockBasis.BUSINESS_HOURS, timedelta(hours=4))

TARGETS: dict[str, SupportTargets] = {
    "p1": SupportTargets(
        SlaPolicy("support_p1_response", ClockBasis.CALENDAR_HOURS, timedelta(hours=2)),
        SlaPolicy("support_p1_resolution", ClockBasis.CALENDAR_HOURS, timedelta(hours=24)),
    ),
    "p2": SupportTargets(_DESK_RESPONSE, SlaPolicy("support_p2_resolution", ClockBasis.WORKING_DAYS, working_days=2)),
    "p3": SupportTargets(_DESK_RESPONSE, SlaPolicy("support_p3_resolution", ClockBasis.WORKING_DAYS, working_days=5)),
    "p4": SupportTargets(_DESK_RESPONSE, SlaPolicy("support_p4_resolution", ClockBasis.WORKING_DAYS, working_days=10)),
}  # fmt: skip


@dataclass(frozen=True)
class Deadlines:
    response_at: datetime
    resolution_at: datetime
    # years without calendar data, counted as Monday-Friday (the console warns)
    uncovered_years: frozenset[int]


def deadlines(calendar: CalendarData, *, severity: str, reported_at: datetime) -> Deadlines:
    """Both targets for a ticket of ``severity`` reported at ``reported_at`` (aware datetime).

    Raises ``KeyError`` for an unknown severity (the service validates first)."""
    targets = TARGETS[severity]
    clock = SlaClock(calendar)
    response = clock.due_at(targets.response, reported_at)
    resolution = clock.due_at(targets.resolution, reported_at)
    assert response is not None and resolution is not None  # no pauses: every clock ends
    return Deadlines(
        response_at=response.at,
        resolution_at=resolution.at,
        uncovered_years=response.uncovered_years | resolution.uncovered_years,
    )
