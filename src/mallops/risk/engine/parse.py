"""Events from their JSON form (the ``mallops risk score`` input line), with the per-type fields checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mallops.risk.engine.model import Event, EventType, to_micros

_TYPES = {str(kind): kind for kind in EventType}
_BASE = ("id", "at", "buyer")
# the fields each type must carry besides id, type, at and buyer
REQUIRED: dict[EventType, tuple[str, ...]] = {
    EventType.REGISTER: (),
    EventType.LOGIN: (),
    EventType.PASSWORD_CHANGE: (),
    EventType.ADDRESS_CHANGE: ("address",),
    EventType.COUPON_CLAIM: ("batch",),
    EventType.ORDER: ("address", "order", "merchant", "amount_fen"),
    EventType.REVIEW: ("order", "merchant", "rating", "text"),
    EventType.REFUND_REQUEST: ("order", "amount_fen", "kind"),
}
_STRINGS = ("device", "ip", "address", "batch", "order", "merchant", "text", "kind")
_INTEGERS = ("amount_fen", "rating")
REFUND_KINDS = frozenset({"refund_only", "return_refund"})


class EventError(ValueError):
    """The event is not valid; the message says which field and why."""


def parse_time(value: object) -> int:
    """ISO 8601 with a UTC offset -> microseconds since the epoch. Raises EventError."""
    if not isinstance(value, str):
        raise EventError('"at" must be an ISO 8601 string')
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EventError(f'"at" is not an ISO 8601 date-time: {value!r}') from None
    if moment.tzinfo is None:
        raise EventError(f'"at" has no UTC offset: {value!r}')
    return to_micros(moment)


def parse_event(data: Any) -> Event:
    """The :class:`Event` of one JSON object; raises EventError on an unknown type or a missing or
    ill-typed field (an optional field may be null or absent)."""
    if not isinstance(data, dict):
        raise EventError("expected a JSON object")
    kind = _TYPES.get(data.get("type"))  # type: ignore[arg-type]
    if kind is None:
        if "type" not in data or data["type"] is None:
            raise EventError('missing field "type"')
        raise EventError(f"unknown type {data['type']!r} (expected one of {', '.join(_TYPES)})")
    for name in (*_BASE, *REQUIRED[kind]):
        if data.get(name) is None:
            raise EventError(f'missing field "{name}" (required for {kind})')
    for name in ("id", "buyer"):
        if not isinstance(data[name], str):
            raise EventError(f'"{name}" must be a string')
    for name in _STRINGS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise EventError(f'"{name}" must be a string')
    for name in _INTEGERS:
        value = data.get(name)
        if value is not None and (type(value) is not int or value < 0):
            raise EventError(f'"{name}" must be a whole number >= 0')
    if kind is EventType.REFUND_REQUEST and data["kind"] not in REFUND_KINDS:
        raise EventError(f'"kind" must be refund_only or return_refund, not {data["kind"]!r}')
    return Event(
        id=data["id"],
        type=kind,
        at=parse_time(data["at"]),
        buyer=data["buyer"],
        device=data.get("device"),
        ip=data.get("ip"),
        address=data.get("address"),
        batch=data.get("batch"),
        order=data.get("order"),
        merchant=data.get("merchant"),
        amount_fen=data.get("amount_fen"),
        rating=data.get("rating"),
        text=data.get("text"),
        kind=data.get("kind"),
    )
