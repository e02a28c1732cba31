"""Events from their JSON form (the ``mallops risk score`` input line), with the per-type fields checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mallops.risk.engine.model import EPOCH, MICROSECOND, Event, EventType

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
    return (moment - EPOCH) // MICROSECOND


_NEEDS = {kind: (*_BASE, *fields) for kind, fields in REQUIRED.items()}


def parse_event(data: Any) -> Event:
    """The :class:`Event` of one JSON object; raises EventError on an unknown type or a missing or
    ill-typed field (an optional field may be null or absent). Unknown keys are ignored."""
    if type(data) is not dict:
        raise EventError("expected a JSON object")
    get = data.get
    raw_type = get("type")
    kind = _TYPES.get(raw_type) if type(raw_type) is str else None
    if kind is None:
        if raw_type is None:
            raise EventError('missing field "type"')
        raise EventError(f"unknown type {raw_type!r} (expected one of {', '.join(_TYPES)})")
    for name in _NEEDS[kind]:
        if get(name) is None:
            raise EventError(f'missing field "{name}" (required for {kind})')
    event_id, buyer = data["id"], data["buyer"]
    device, ip, address, batch = get("device"), get("ip"), get("address"), get("batch")
    order, merchant, text, refund_kind = get("order"), get("merchant"), get("text"), get("kind")
    amount, rating = get("amount_fen"), get("rating")
    for name, value in (
        ("id", event_id),
        ("buyer", buyer),
        ("device", device),
        ("ip", ip),
        ("address", address),
        ("batch", batch),
        ("order", order),
        ("merchant", merchant),
        ("text", text),
        ("kind", refund_kind),
    ):
        if type(value) is not str and value is not None:
            raise EventError(f'"{name}" must be a string')
    for name, value in (("amount_fen", amount), ("rating", rating)):
        if value is not None and (type(value) is not int or value < 0):
            raise EventError(f'"{name}" must be a whole number >= 0')
    if kind is EventType.REFUND_REQUEST and refund_kind not in REFUND_KINDS:
        raise EventError(f'"kind" must be refund_only or return_refund, not {refund_kind!r}')
    return Event(
        event_id,
        kind,
        parse_time(data["at"]),
        buyer,
        device,
        ip,
        address,
        batch,
        order,
        merchant,
        amount,
        rating,
        text,
        refund_kind,
    )
