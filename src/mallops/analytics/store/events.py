"""Validation and normalisation of incoming behaviour events.

An accepted event becomes an :class:`EventRecord`: the timestamp is UTC microseconds (sub-second
precision kept), personal properties are dropped or hashed (R3.1.2) and UTM parameters become a
``channel`` (R3.1.1). Nothing here touches the disk.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

MICROS_PER_SECOND: Final = 1_000_000
MICROS_PER_DAY: Final = 86_400 * MICROS_PER_SECOND
# Asia/Shanghai has kept UTC+08:00 without daylight saving since 1991; calendar days are computed with
# this fixed offset so that the same arithmetic works in Python, DuckDB and ClickHouse.
SHANGHAI_OFFSET_MICROS: Final = 8 * 3600 * MICROS_PER_SECOND
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2}):(\d{2}))\Z"
)
REQUIRED_KEYS: Final = ("uuid", "event", "distinct_id", "timestamp")


class EventError(ValueError):
    """An event that is rejected; the message is shown to the sender."""


def parse_timestamp(text: str) -> int:
    """Return UTC microseconds since the epoch for an RFC 3339 timestamp with an offset.

    Accepted: ``YYYY-MM-DDTHH:MM:SS[.f to .ffffff]`` then ``Z`` or ``±HH:MM``. Raises EventError otherwise
    (no offset, more than 6 fraction digits, out-of-range fields such as a 13th month).
    """
    match = _RFC3339.match(text)
    if match is None:
        raise EventError("timestamp must be RFC 3339 with an offset, e.g. 2025-03-01T12:00:00.5+08:00")
    year_t, month_t, day_t, hour_t, minute_t, second_t, fraction, zulu, sign, off_h, off_m = match.groups()
    year, month, day = int(year_t), int(month_t), int(day_t)
    hour, minute, second = int(hour_t), int(minute_t), int(second_t)
    if zulu:
        offset_seconds = 0
    else:
        if int(off_h) > 23 or int(off_m) > 59:
            raise EventError("timestamp offset out of range")
        offset_seconds = (int(off_h) * 3600 + int(off_m) * 60) * (-1 if sign == "-" else 1)
    if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        raise EventError("timestamp date out of range")
    if hour > 23 or minute > 59 or second > 59 or year == 0:
        raise EventError("timestamp time out of range")
    seconds = (
        _days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds
    )
    micros = int(fraction.ljust(6, "0")) if fraction else 0
    return seconds * MICROS_PER_SECOND + micros


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def format_timestamp(ts_us: int) -> str:
    """Inverse of :func:`parse_timestamp` in UTC (``...Z``, microseconds always shown)."""
    moment = _EPOCH + timedelta(microseconds=ts_us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shanghai_day(ts_us: int) -> int:
    """Days since 1970-01-01 of the Asia/Shanghai calendar date of the instant."""
    return (ts_us + SHANGHAI_OFFSET_MICROS) // MICROS_PER_DAY


def day_start_us(day: int) -> int:
    """UTC microseconds of 00:00 Asia/Shanghai on the given day number."""
    return day * MICROS_PER_DAY - SHANGHAI_OFFSET_MICROS


def iso_day_number(iso_date: str) -> int:
    """Day number of a ``YYYY-MM-DD`` date (inverse of :func:`day_iso`)."""
    return _days_from_civil(int(iso_date[0:4]), int(iso_date[5:7]), int(iso_date[8:10]))


def day_iso(day: int) -> str:
    return (_EPOCH + timedelta(days=day)).date().isoformat()


@dataclass(frozen=True)
class PersonalDataPolicy:
    """Which property keys are personal data (compared case-insensitively, at any nesting depth).

    ``drop`` keys are removed; ``hash`` keys are replaced by an HMAC-SHA256 under the store's secret key,
    so that equal values still match each other but the value cannot be recovered by guessing (a plain
    hash of an 11-digit phone number can be reversed by enumerating all numbers).
    """

    drop: frozenset[str] = frozenset(
        {"id_card", "id_number", "real_name", "name", "address", "bank_card", "password", "ip", "ip_address"}
    )
    hash: frozenset[str] = frozenset({"phone", "mobile", "email", "openid", "unionid", "device_id"})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PersonalDataPolicy:
        return cls(
            drop=frozenset(str(key).lower() for key in data.get("drop", [])),
            hash=frozenset(str(key).lower() for key in data.get("hash", [])),
        )


DEFAULT_POLICY: Final = PersonalDataPolicy()


@dataclass(frozen=True)
class EventRecord:
    """An accepted event as it is spooled and stored."""

    uuid: str
    event: str
    distinct_id: str
    ts_us: int
    channel: str
    properties: str  # canonical JSON object text, personal data already filtered


@dataclass
class PropertyFilter:
    policy: PersonalDataPolicy
    secret: bytes
    _drop: frozenset[str] = field(init=False)
    _hash: frozenset[str] = field(init=False)
    _mac: hmac.HMAC = field(init=False)

    def __post_init__(self) -> None:
        self._mac = hmac.new(self.secret, digestmod=hashlib.sha256)
        self._drop = self.policy.drop
        self._hash = self.policy.hash - self.policy.drop

    def apply(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in properties.items():
            lowered = key.lower()
            if lowered in self._drop:
                continue
            if lowered in self._hash:
                result[key] = None if value is None else self._digest(value)
            elif isinstance(value, dict):
                result[key] = self.apply(value)
            else:
                result[key] = value
        return result

    def _digest(self, value: object) -> str:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        mac = self._mac.copy()
        mac.update(text.encode("utf-8"))
        return "hmac:" + mac.hexdigest()


_PAID_MEDIUMS: Final = frozenset({"cpc", "ppc", "cpm", "paid", "paidsearch", "paid_search", "sem", "display"})


def channel_of(properties: Mapping[str, Any]) -> str:
    """Channel attribution from UTM parameters: ``<source>/<medium>`` in lower case.

    ``direct`` when no ``utm_source`` is present; a paid medium (cpc, cpm, sem, ...) is normalised to
    ``paid`` so that reports group campaigns of one source together.
    """
    source = properties.get("utm_source")
    if not isinstance(source, str) or not source.strip():
        return "direct"
    medium = properties.get("utm_medium")
    medium_text = medium.strip().lower() if isinstance(medium, str) and medium.strip() else "referral"
    if medium_text in _PAID_MEDIUMS:
        medium_text = "paid"
    return f"{source.strip().lower()}/{medium_text}"


def _identifier(raw: dict[str, Any], key: str) -> str:
    value = raw[key]
    if type(value) is str and value:
        return value
    if value is None:
        raise EventError(f"missing {key}")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EventError(f"{key} must be a string")
    text = str(value)
    if not text:
        raise EventError(f"missing {key}")
    return text


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def normalise_event(raw: object, prop_filter: PropertyFilter) -> EventRecord:
    """Validate one decoded event; raise EventError with a short reason when it is rejected.

    ``uuid``, ``event`` and ``distinct_id`` must be present, non-empty strings (integers are accepted and
    written in decimal); ``properties`` is optional (null means absent) and must be an object; other keys
    are ignored and not stored (data minimisation).
    """
    if not isinstance(raw, dict):
        raise EventError("not a JSON object")
    if None in (raw.get("uuid"), raw.get("event"), raw.get("distinct_id"), raw.get("timestamp")):
        missing = [key for key in REQUIRED_KEYS if raw.get(key) is None]
        raise EventError("missing " + ", ".join(missing))
    uuid = _identifier(raw, "uuid")
    event = _identifier(raw, "event")
    distinct_id = _identifier(raw, "distinct_id")
    timestamp = raw["timestamp"]
    if not isinstance(timestamp, str):
        raise EventError("timestamp must be an RFC 3339 string with an offset")
    ts_us = parse_timestamp(timestamp)
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        raise EventError("properties must be an object")
    channel = channel_of(properties)
    filtered = prop_filter.apply(properties) if properties else {}
    text = _ENCODER.encode(filtered) if filtered else "{}"
    return EventRecord(uuid, event, distinct_id, ts_us, channel, text)
