"""SLA clocks on the working-day calendar: policies, pauses, due and warning instants, status."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from .calendar import (
    DEFAULT_WINDOW,
    BusinessWindow,
    CalendarData,
    ClockResult,
    DurationResult,
    add_business_hours,
    add_calendar_hours,
    add_working_days,
    business_time_between,
    fallback_warning,
    to_local,
)

# --- SLA clock -------------------------------------------------------------------------------------


class ClockBasis(enum.StrEnum):
    """How an SLA policy's duration is measured."""

    CALENDAR_HOURS = "calendar_hours"
    BUSINESS_HOURS = "business_hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class SlaPolicy:
    """One deadline: measured on ``basis``; ``warning_lead`` is how long before the due time to warn.

    For ``WORKING_DAYS`` the duration is ``working_days`` (due at the end of the N-th working day after
    the start's date); otherwise it is ``duration``. A warning lead is measured on the policy's own clock
    (business time for business-hours policies); ``None`` means no breach warning.
    """

    code: str
    basis: ClockBasis
    duration: timedelta = timedelta(0)
    working_days: int = 0
    window: BusinessWindow = DEFAULT_WINDOW
    warning_lead: timedelta | None = None

    def __post_init__(self) -> None:
        if self.basis is ClockBasis.WORKING_DAYS:
            if self.working_days < 1:
                raise ValueError(f"{self.code}: working_days must be at least 1")
        elif self.duration <= timedelta(0):
            raise ValueError(f"{self.code}: duration must be positive")
        if self.warning_lead is not None and self.warning_lead <= timedelta(0):
            raise ValueError(f"{self.code}: warning_lead must be positive")


# Default figures from R5.1.2, R5.1.4, R5.2.1, R5.2.3 and the issue; the basis of each is a product
# decision (see the module docstring of ``mallops.workdays``) and the service app may override them.
DEFAULT_POLICIES: Mapping[str, SlaPolicy] = MappingProxyType(
    {
        p.code: p
        for p in (
            SlaPolicy(
                "first_response",
                ClockBasis.BUSINESS_HOURS,
                timedelta(minutes=15),
                warning_lead=timedelta(minutes=5),
            ),
            SlaPolicy(
                "aftersales_acceptance",
                ClockBasis.BUSINESS_HOURS,
                timedelta(minutes=15),
                warning_lead=timedelta(minutes=5),
            ),
            SlaPolicy(
                "initial_answer",
                ClockBasis.CALENDAR_HOURS,
                timedelta(hours=24),
                warning_lead=timedelta(hours=4),
            ),
            SlaPolicy(
                "resolution", ClockBasis.CALENDAR_HOURS, timedelta(hours=48), warning_lead=timedelta(hours=8)
            ),
            SlaPolicy(
                "resolution_special",
                ClockBasis.CALENDAR_HOURS,
                timedelta(hours=72),
                warning_lead=timedelta(hours=12),
            ),
            SlaPolicy(
                "complaint_acceptance",
                ClockBasis.CALENDAR_HOURS,
                timedelta(hours=24),
                warning_lead=timedelta(hours=4),
            ),
            SlaPolicy(
                "complaint_handling",
                ClockBasis.CALENDAR_HOURS,
                timedelta(hours=72),
                warning_lead=timedelta(hours=12),
            ),
            SlaPolicy(
                "technical_support",
                ClockBasis.BUSINESS_HOURS,
                timedelta(hours=4),
                warning_lead=timedelta(hours=1),
            ),
            SlaPolicy(
                "major_fault",
                ClockBasis.CALENDAR_HOURS,
                timedelta(hours=2),
                warning_lead=timedelta(minutes=30),
            ),
            SlaPolicy("follow_up", ClockBasis.WORKING_DAYS, working_days=3),
        )
    }
)


@dataclass(frozen=True)
class Pause:
    """The clock stands still from ``start`` until ``end`` (``None``: still paused)."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        to_local(self.start)
        if self.end is not None and to_local(self.end) < to_local(self.start):
            raise ValueError("a pause cannot end before it starts")


@dataclass(frozen=True)
class SlaStatus:
    """Where one SLA stands at ``now``; ``due_at``/``warn_at`` are ``None`` while the clock is paused
    with no end, and ``warn_at`` is ``None`` for a policy without warning."""

    due_at: datetime | None
    warn_at: datetime | None
    elapsed: timedelta
    is_paused: bool
    is_breached: bool
    is_warning: bool
    uncovered_years: frozenset[int]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(fallback_warning(y) for y in sorted(self.uncovered_years))


class SlaClock:
    """Deadlines for SLA policies on one calendar, with pauses (waiting for the customer).

    Pauses may overlap or lie partly before the start; their union is removed from the running time,
    so a pause that spans a holiday or a night removes only the clock time inside it (none on a
    holiday for a business-hours policy) and nothing is counted twice.
    """

    def __init__(self, calendar: CalendarData) -> None:
        self.calendar = calendar

    def _running_segments(
        self, started_at: datetime, pauses: Sequence[Pause]
    ) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
        """Running intervals before the last pause, and when the clock runs for good (``None``: never)."""
        merged: list[tuple[datetime, datetime | None]] = []
        for pause in sorted(pauses, key=lambda p: p.start):
            if pause.end is not None and pause.end <= started_at:
                continue
            begin = max(pause.start, started_at)
            if merged:
                last_begin, last_end = merged[-1]
                if last_end is None:
                    break  # paused for good; later pauses change nothing
                if begin <= last_end:
                    merged[-1] = (last_begin, None if pause.end is None else max(last_end, pause.end))
                    continue
            merged.append((begin, pause.end))
        segments: list[tuple[datetime, datetime]] = []
        cursor: datetime | None = started_at
        for begin, end in merged:
            assert cursor is not None
            if begin > cursor:
                segments.append((cursor, begin))
            cursor = end
            if cursor is None:
                break
        return segments, cursor

    def _clock_time(self, policy: SlaPolicy, start: datetime, end: datetime) -> DurationResult:
        if policy.basis is ClockBasis.BUSINESS_HOURS:
            return business_time_between(self.calendar, start, end, policy.window)
        if policy.basis is ClockBasis.CALENDAR_HOURS:
            return DurationResult(max(end - start, timedelta(0)))
        raise ValueError("working-day policies have no elapsed clock time")

    def _advance(self, policy: SlaPolicy, start: datetime, duration: timedelta) -> ClockResult:
        if policy.basis is ClockBasis.BUSINESS_HOURS:
            return add_business_hours(self.calendar, start, duration, policy.window)
        return add_calendar_hours(start, duration)

    def _reach(
        self, policy: SlaPolicy, started_at: datetime, budget: timedelta, pauses: Sequence[Pause]
    ) -> ClockResult | None:
        """Instant at which ``budget`` of running clock time has passed; ``None`` if a pause never ends."""
        segments, resumed_at = self._running_segments(started_at, pauses)
        remaining = budget
        uncovered: frozenset[int] = frozenset()
        for begin, end in segments:
            available = self._clock_time(policy, begin, end)
            uncovered |= available.uncovered_years
            if remaining <= available.duration:
                reached = self._advance(policy, begin, remaining)
                return ClockResult(reached.at, uncovered | reached.uncovered_years)
            remaining -= available.duration
        if resumed_at is None:
            return None
        reached = self._advance(policy, resumed_at, remaining)
        return ClockResult(reached.at, uncovered | reached.uncovered_years)

    def due_at(
        self, policy: SlaPolicy, started_at: datetime, pauses: Sequence[Pause] = ()
    ) -> ClockResult | None:
        """When ``policy`` is breached for a clock started at ``started_at``; ``None`` while paused for good.

        Working-day policies ignore pauses: the due day is fixed by the start's date.
        """
        if policy.basis is ClockBasis.WORKING_DAYS:
            return add_working_days(self.calendar, started_at, policy.working_days)
        return self._reach(policy, started_at, policy.duration, pauses)

    def warn_at(
        self, policy: SlaPolicy, started_at: datetime, pauses: Sequence[Pause] = ()
    ) -> ClockResult | None:
        """When to warn of an upcoming breach (``warning_lead`` of clock time before due)."""
        if policy.warning_lead is None or policy.basis is ClockBasis.WORKING_DAYS:
            return None
        budget = policy.duration - policy.warning_lead
        if budget <= timedelta(0):
            return ClockResult(started_at)
        return self._reach(policy, started_at, budget, pauses)

    def elapsed(
        self, policy: SlaPolicy, started_at: datetime, now: datetime, pauses: Sequence[Pause] = ()
    ) -> DurationResult:
        """Running clock time in ``[started_at, now)`` with the pauses removed."""
        if policy.basis is ClockBasis.WORKING_DAYS:
            return DurationResult(timedelta(0))
        segments, resumed_at = self._running_segments(started_at, pauses)
        if resumed_at is not None:
            segments.append((resumed_at, max(resumed_at, now)))
        total = timedelta(0)
        uncovered: frozenset[int] = frozenset()
        for begin, end in segments:
            part = self._clock_time(policy, begin, min(end, now))
            total += part.duration
            uncovered |= part.uncovered_years
        return DurationResult(total, uncovered)

    def status(
        self, policy: SlaPolicy, started_at: datetime, now: datetime, pauses: Sequence[Pause] = ()
    ) -> SlaStatus:
        """Due time, warning time and state of ``policy`` at ``now``."""
        due = self.due_at(policy, started_at, pauses)
        warn = self.warn_at(policy, started_at, pauses)
        spent = self.elapsed(policy, started_at, now, pauses)
        is_paused = any(p.start <= now and (p.end is None or now < p.end) for p in pauses)
        is_breached = due is not None and now > due.at
        uncovered = spent.uncovered_years
        for result in (due, warn):
            if result is not None:
                uncovered |= result.uncovered_years
        return SlaStatus(
            due_at=None if due is None else due.at,
            warn_at=None if warn is None else warn.at,
            elapsed=spent.duration,
            is_paused=is_paused,
            is_breached=is_breached,
            is_warning=warn is not None and now >= warn.at and not is_breached,
            uncovered_years=uncovered,
        )
