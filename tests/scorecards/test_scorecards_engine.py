"""The scorecard engine against slow, obvious oracles: periods in Asia/Shanghai, bands and points."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mallops.scorecards.engine import (
    SHANGHAI,
    Band,
    Better,
    PeriodKind,
    RuleInput,
    band_points,
    band_reached,
    incentive_lines,
    last_periods,
    period_at,
    period_of,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
bands_strategy = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 100)), min_size=1, max_size=5, unique_by=lambda b: b[0]
).map(lambda items: tuple(Band(float(t), p) for t, p in items))


def _oracle_points(value: float | None, bands: tuple[Band, ...], better: Better) -> int:
    """The points of the hardest band reached, by trying every band."""
    if value is None:
        return 0
    best: Band | None = None
    for band in bands:
        ok = value >= band.threshold if better is Better.UP else value <= band.threshold
        if not ok:
            continue
        harder = best is None or (
            band.threshold > best.threshold if better is Better.UP else band.threshold < best.threshold
        )
        if harder:
            best = band
    return 0 if best is None else best.points


@given(st.one_of(st.none(), st.integers(-10, 1100).map(float)), bands_strategy, st.sampled_from(Better))
def test_band_points_match_the_oracle(value: float | None, bands: tuple[Band, ...], better: Better) -> None:
    assert band_points(value, bands, better) == _oracle_points(value, bands, better)
    number = band_reached(value, bands, better)
    reached_any = value is not None and any(
        value >= b.threshold if better is Better.UP else value <= b.threshold for b in bands
    )
    assert (number is None) == (not reached_any)


@given(days, st.sampled_from(PeriodKind))
def test_a_period_contains_its_day_and_the_next_starts_where_it_ends(day: date, kind: PeriodKind) -> None:
    period = period_of(kind, day)
    assert period.start <= day < period.end
    if kind is PeriodKind.WEEK:
        assert period.start.weekday() == 0 and period.end - period.start == timedelta(days=7)
    else:
        assert period.start.day == 1 and period.end.day == 1
    assert period_of(kind, period.end).start == period.end
    assert period_of(kind, period.start - timedelta(days=1)) == period.previous()
    # instants: Beijing midnight
    assert period.since.astimezone(SHANGHAI).time().hour == 0
    assert period_at(kind, period.until - timedelta(microseconds=1)) == period
    assert period_at(kind, period.until) != period


def test_periods_by_example() -> None:
    week = period_of("week", date(2026, 3, 4))
    assert (week.start, week.end, week.key) == (date(2026, 3, 2), date(2026, 3, 9), "2026-W10")
    assert week.since == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    month = period_of("month", date(2026, 12, 31))
    assert (month.start, month.end, month.key) == (date(2026, 12, 1), date(2027, 1, 1), "2026-12")
    # 23:30 UTC on 31 Jan is 07:30 on 1 Feb in Beijing
    assert period_at("month", datetime(2026, 1, 31, 23, 30, tzinfo=UTC)).key == "2026-02"
    assert [p.key for p in last_periods(month, 6)] == [
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]


def test_lines_pay_the_best_band_only_and_missing_values_earn_nothing() -> None:
    rules = (
        RuleInput("a", Better.UP, (Band(10, 5), Band(20, 10))),
        RuleInput("b", Better.DOWN, (Band(60, 3), Band(30, 8))),
        RuleInput("c", Better.UP, (Band(1, 1),)),
    )
    lines = incentive_lines({"a": 25.0, "b": 45.0, "c": None}, rules)
    assert [(line.kpi, line.band, line.points) for line in lines] == [
        ("a", 2, 10),
        ("b", 1, 3),
        ("c", None, 0),
    ]
