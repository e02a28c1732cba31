"""Scorecard arithmetic without Django: periods in Asia/Shanghai, the band a KPI value reaches and the
incentive points it earns. Fed with plain values; tested against a slow oracle with Hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Better(StrEnum):
    UP = "up"  # a higher value is better (CSAT, decisions)
    DOWN = "down"  # a lower value is better (turnaround, reversal rate)


@dataclass(frozen=True)
class Period:
    """A calendar week (Monday first) or month in Asia/Shanghai: ``[start, end)`` as local dates."""

    kind: PeriodKind
    start: date

    @property
    def end(self) -> date:
        if self.kind is PeriodKind.WEEK:
            return self.start + timedelta(days=7)
        if self.start.month == 12:
            return date(self.start.year + 1, 1, 1)
        return date(self.start.year, self.start.month + 1, 1)

    @property
    def since(self) -> datetime:
        """The first instant of the period (UTC)."""
        return datetime.combine(self.start, time(), SHANGHAI).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period (UTC)."""
        return datetime.combine(self.end, time(), SHANGHAI).astimezone(UTC)

    @property
    def key(self) -> str:
        """``2026-W10`` or ``2026-03``."""
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    def previous(self) -> Period:
        if self.kind is PeriodKind.WEEK:
            return Period(self.kind, self.start - timedelta(days=7))
        return period_of(self.kind, self.start - timedelta(days=1))


def period_of(kind: PeriodKind | str, day: date) -> Period:
    """The week or month containing ``day`` (a local date)."""
    kind = PeriodKind(kind)
    if kind is PeriodKind.WEEK:
        return Period(kind, day - timedelta(days=day.weekday()))
    return Period(kind, day.replace(day=1))


def period_at(kind: PeriodKind | str, moment: datetime) -> Period:
    """The period containing ``moment`` (an aware instant), on the Shanghai calendar."""
    return period_of(kind, moment.astimezone(SHANGHAI).date())


def last_periods(period: Period, count: int) -> list[Period]:
    """``count`` periods ending with ``period``, oldest first."""
    out = [period]
    while len(out) < count:
        out.append(out[-1].previous())
    return list(reversed(out))


@dataclass(frozen=True)
class Band:
    """Reaching ``threshold`` (at least it when higher is better, at most it when lower is better) earns
    ``points``."""

    threshold: float
    points: int


def reaches(value: float, threshold: float, better: Better) -> bool:
    return value >= threshold if better is Better.UP else value <= threshold


def band_reached(value: float | None, bands: tuple[Band, ...], better: Better) -> int | None:
    """The 1-based number of the best band ``value`` reaches, None when it reaches none (or no value).

    Bands are ranked from the easiest threshold to the hardest whatever order they are given in, so band
    1 is the easiest and the last band the hardest.
    """
    if value is None:
        return None
    ranked = rank_bands(bands, better)
    reached = [
        number for number, band in enumerate(ranked, start=1) if reaches(value, band.threshold, better)
    ]
    return max(reached) if reached else None


def rank_bands(bands: tuple[Band, ...], better: Better) -> tuple[Band, ...]:
    """Easiest first: ascending thresholds when higher is better, descending when lower is better."""
    return tuple(sorted(bands, key=lambda b: b.threshold, reverse=better is Better.DOWN))


def band_points(value: float | None, bands: tuple[Band, ...], better: Better) -> int:
    """Points of the best band reached (0 when none): bands do not add up."""
    number = band_reached(value, bands, better)
    if number is None:
        return 0
    return rank_bands(bands, better)[number - 1].points


@dataclass(frozen=True)
class RuleInput:
    kpi: str
    better: Better
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class PointLine:
    """One line of an incentive result: the KPI, its value, the band reached and the points it earned."""

    kpi: str
    value: float | None
    band: int | None
    points: int


def incentive_lines(values: dict[str, float | None], rules: tuple[RuleInput, ...]) -> tuple[PointLine, ...]:
    """One line per rule whose KPI has a value entry (missing KPIs earn nothing and are listed as None)."""
    lines = []
    for rule in rules:
        value = values.get(rule.kpi)
        lines.append(
            PointLine(
                kpi=rule.kpi,
                value=value,
                band=band_reached(value, rule.bands, rule.better),
                points=band_points(value, rule.bands, rule.better),
            )
        )
    return tuple(lines)
