from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import workdays_oracles as oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from workdays_strategies import calendars, minute_starts

from mallops.workdays.engine import (
    DEFAULT_POLICIES,
    SHANGHAI,
    BusinessWindow,
    CalendarData,
    ClockBasis,
    Pause,
    SlaClock,
    SlaPolicy,
)
from mallops.workdays.sources import package_calendar

CLOCK = SlaClock(package_calendar())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.req("R5.1.2")
def test_default_policy_durations() -> None:
    durations = {
        code: p.duration for code, p in DEFAULT_POLICIES.items() if p.basis != ClockBasis.WORKING_DAYS
    }
    assert durations == {
        "first_response": timedelta(minutes=15),
        "aftersales_acceptance": timedelta(minutes=15),
        "initial_answer": timedelta(hours=24),
        "resolution": timedelta(hours=48),
        "resolution_special": timedelta(hours=72),
        "complaint_acceptance": timedelta(hours=24),
        "complaint_handling": timedelta(hours=72),
        "technical_support": timedelta(hours=4),
        "major_fault": timedelta(hours=2),
    }
    assert DEFAULT_POLICIES["follow_up"].basis is ClockBasis.WORKING_DAYS
    assert DEFAULT_POLICIES["follow_up"].working_days == 3


@pytest.mark.req("R5.1.2")
def test_first_response_counts_business_minutes_into_a_make_up_saturday() -> None:
    policy = DEFAULT_POLICIES["first_response"]
    due = CLOCK.due_at(policy, at("2026-02-13T17:50"))
    assert due is not None and due.at == at("2026-02-14T09:05")
    warn = CLOCK.warn_at(policy, at("2026-02-13T17:50"))
    assert warn is not None and warn.at == at("2026-02-13T18:00")  # 10 of 15 minutes spent


@pytest.mark.req("R5.2.3")
def test_complaint_handling_counts_calendar_hours_through_national_day() -> None:
    due = CLOCK.due_at(DEFAULT_POLICIES["complaint_handling"], at("2026-09-30T10:00"))
    assert due is not None and due.at == at("2026-10-03T10:00")


@pytest.mark.req("R5.1.4")
def test_follow_up_due_three_working_days_after_resolution() -> None:
    due = CLOCK.due_at(DEFAULT_POLICIES["follow_up"], at("2026-02-12T16:00"))
    assert due is not None and due.at == at("2026-02-24T23:59:59")


@pytest.mark.req("R5.1.2")
def test_business_pause_spanning_a_holiday_is_not_counted_twice() -> None:
    # given 4 business hours of technical support started Sep 30, 16:00; the customer is waited on
    # from 17:00 that day until Oct 9, 10:00 (National Day Oct 1-7 in between)
    policy = DEFAULT_POLICIES["technical_support"]
    pauses = [Pause(at("2026-09-30T17:00"), at("2026-10-09T10:00"))]
    # when / then: 1 h before the pause, 3 h after it
    due = CLOCK.due_at(policy, at("2026-09-30T16:00"), pauses)
    assert due is not None and due.at == at("2026-10-09T13:00")
    status = CLOCK.status(policy, at("2026-09-30T16:00"), at("2026-10-09T12:00"), pauses)
    assert status.elapsed == timedelta(hours=3)
    assert status.is_warning and not status.is_breached and not status.is_paused
    assert status.warn_at == at("2026-10-09T12:00")


@pytest.mark.req("R5.1.2")
def test_calendar_pause_spanning_a_holiday() -> None:
    policy = DEFAULT_POLICIES["resolution"]
    pauses = [Pause(at("2026-09-30T10:00"), at("2026-10-08T10:00"))]
    due = CLOCK.due_at(policy, at("2026-09-29T10:00"), pauses)
    assert due is not None and due.at == at("2026-10-09T10:00")


def test_overlapping_and_early_pauses_merge() -> None:
    policy = SlaPolicy("p", ClockBasis.CALENDAR_HOURS, timedelta(hours=10))
    pauses = [
        Pause(at("2026-03-01T00:00"), at("2026-03-02T09:00")),  # before the start: 1 h counts
        Pause(at("2026-03-02T12:00"), at("2026-03-02T14:00")),
        Pause(at("2026-03-02T13:00"), at("2026-03-02T15:00")),
    ]
    due = CLOCK.due_at(policy, at("2026-03-02T08:00"), pauses)
    assert due is not None and due.at == at("2026-03-02T22:00")  # 10 h + 1 h + 3 h paused


def test_open_pause_stops_the_clock() -> None:
    policy = DEFAULT_POLICIES["first_response"]
    pauses = [Pause(at("2026-03-02T10:05"))]
    assert CLOCK.due_at(policy, at("2026-03-02T10:00"), pauses) is None
    status = CLOCK.status(policy, at("2026-03-02T10:00"), at("2026-03-03T10:00"), pauses)
    assert status.is_paused and not status.is_breached
    assert status.elapsed == timedelta(minutes=5)
    assert status.due_at is None


def test_breach_and_fallback_year_in_status() -> None:
    policy = DEFAULT_POLICIES["technical_support"]
    status = CLOCK.status(policy, at("2026-12-31T16:00"), at("2027-01-04T12:00"))
    assert status.due_at == at("2027-01-01T11:00")
    assert status.is_breached and not status.is_warning
    assert status.warnings == ("no holiday data for 2027; using Monday-Friday",)


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        SlaPolicy("x", ClockBasis.BUSINESS_HOURS, timedelta(0))
    with pytest.raises(ValueError):
        SlaPolicy("x", ClockBasis.WORKING_DAYS)
    with pytest.raises(ValueError):
        Pause(at("2026-03-02T10:00"), at("2026-03-02T09:00"))


def _oracle_due(
    calendar: CalendarData,
    start: datetime,
    minutes: int,
    window: BusinessWindow,
    pauses: list[tuple[datetime, datetime]],
) -> datetime:
    """Minute by minute: a minute counts when it is in the window on a working day and not paused."""
    cursor, used = start, 0
    while True:
        opens = datetime.combine(cursor.date(), datetime.min.time()) + timedelta(minutes=window.opens_minute)
        closes = opens + timedelta(minutes=window.closes_minute - window.opens_minute)
        paused = any(begin <= cursor < end for begin, end in pauses)
        counts = oracle.is_working_day(calendar, cursor.date()) and opens <= cursor < closes and not paused
        cursor += timedelta(minutes=1)
        if counts:
            used += 1
            if used == minutes:
                return cursor


@settings(max_examples=100, deadline=None)
@given(
    calendar=calendars,
    start=minute_starts,
    minutes=st.integers(1, 900),
    raw_pauses=st.lists(st.tuples(st.integers(-600, 6000), st.integers(0, 4000)), max_size=4),
)
def test_business_sla_with_pauses_matches_minute_oracle(
    calendar: CalendarData, start: datetime, minutes: int, raw_pauses: list[tuple[int, int]]
) -> None:
    window = BusinessWindow(540, 1080)
    policy = SlaPolicy("p", ClockBasis.BUSINESS_HOURS, timedelta(minutes=minutes), window=window)
    pauses = [
        (start + timedelta(minutes=offset), start + timedelta(minutes=offset + length))
        for offset, length in raw_pauses
    ]
    due = SlaClock(calendar).due_at(
        policy, oracle.local(start), [Pause(oracle.local(b), oracle.local(e)) for b, e in pauses]
    )
    assert due is not None
    assert due.at == oracle.local(_oracle_due(calendar, start, minutes, window, pauses))


@settings(max_examples=100, deadline=None)
@given(
    start=minute_starts,
    minutes=st.integers(1, 5000),
    raw_pauses=st.lists(st.tuples(st.integers(-600, 6000), st.integers(0, 4000)), max_size=4),
    probe=st.integers(0, 12000),
)
def test_calendar_sla_elapsed_plus_remaining(
    start: datetime, minutes: int, raw_pauses: list[tuple[int, int]], probe: int
) -> None:
    policy = SlaPolicy("p", ClockBasis.CALENDAR_HOURS, timedelta(minutes=minutes))
    pauses = [
        Pause(oracle.local(start + timedelta(minutes=o)), oracle.local(start + timedelta(minutes=o + n)))
        for o, n in raw_pauses
    ]
    clock = SlaClock(CalendarData.empty())
    due = clock.due_at(policy, oracle.local(start), pauses)
    assert due is not None
    # The elapsed running time at the due instant is exactly the budget, and it grows monotonically.
    assert clock.elapsed(policy, oracle.local(start), due.at, pauses).duration == policy.duration
    now = oracle.local(start + timedelta(minutes=probe))
    elapsed = clock.elapsed(policy, oracle.local(start), now, pauses).duration
    assert (elapsed >= policy.duration) == (now >= due.at)


def test_sla_clock_default_window_is_nine_to_six() -> None:
    policy = SlaPolicy("p", ClockBasis.BUSINESS_HOURS, timedelta(hours=1))
    assert policy.window == BusinessWindow(540, 1080)
    assert date(2026, 10, 10) in package_calendar().makeup_workdays
