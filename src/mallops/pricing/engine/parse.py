"""Validation of a scenario given as parsed JSON: every problem is collected with its JSON path.

Unknown fields are ignored; ``null`` on an optional field means the field is absent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from mallops.pricing.engine.model import (
    ITEM_KINDS,
    Coupon,
    Kind,
    Layer,
    Line,
    Promotion,
    Scenario,
    Tier,
)

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

Problem = tuple[str, str]


class ScenarioError(ValueError):
    """The scenario breaks the pricing contract; ``problems`` holds (JSON path, message) pairs."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_int(value: object) -> bool:
    # JSON true/false arrive as bool, a subclass of int; 2.0 arrives as float. Neither is an integer here.
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def int_at_least(self, obj: dict[str, Any], key: str, path: str, low: int, required: bool) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(_join(path, key), "is required")
            return None
        if not _is_int(value) or value < low:
            what = "a positive integer" if low == 1 else "a non-negative integer"
            self.fail(
                _join(path, key), f"must be {what}" if low in (0, 1) else f"must be an integer >= {low}"
            )
            return None
        return int(value)

    def percent(self, obj: dict[str, Any], key: str, path: str, required: bool) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(_join(path, key), "is required")
            return None
        if not _is_int(value) or not 1 <= value <= 100:
            self.fail(_join(path, key), "must be an integer from 1 to 100")
            return None
        return int(value)

    def boolean(self, obj: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = obj.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(_join(path, key), "must be a boolean")
            return default
        return value

    def text(self, obj: dict[str, Any], key: str, path: str, required: bool) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(_join(path, key), "is required")
            return None
        if not isinstance(value, str) or not value:
            self.fail(_join(path, key), "must be a non-empty string")
            return None
        return value

    def moment(self, obj: dict[str, Any], key: str, path: str) -> datetime | None:
        value = obj.get(key)
        if value is None:
            return None
        parsed = parse_time(value)
        if parsed is None:
            self.fail(_join(path, key), "must be an ISO 8601 date-time")
        return parsed

    def skus(self, obj: dict[str, Any], path: str) -> frozenset[str] | None:
        value = obj.get("skus")
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(f"{path}.skus", "must be a list of strings")
            return None
        good = True
        for i, sku in enumerate(value):
            if not isinstance(sku, str):
                self.fail(f"{path}.skus[{i}]", "must be a string")
                good = False
        return frozenset(value) if good else None

    def merchant(self, obj: dict[str, Any], path: str, layer: Layer | None, what: str) -> str | None:
        if layer is Layer.PLATFORM:
            if obj.get("merchant") is not None:
                self.fail(f"{path}.merchant", f"a platform-layer {what} must not name a merchant")
            return None
        if layer is Layer.STORE and obj.get("merchant") is None:
            self.fail(f"{path}.merchant", f"is required on a store-layer {what}")
            return None
        return self.text(obj, "merchant", path, required=False)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is Asia/Shanghai (+08:00). None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed


def _objects(r: _Reader, root: dict[str, Any], key: str, required: bool) -> list[tuple[str, dict[str, Any]]]:
    value = root.get(key)
    if value is None:
        if required:
            r.fail(key, "is required")
        return []
    if not isinstance(value, list):
        r.fail(key, "must be a list")
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            out.append((f"{key}[{i}]", item))
        else:
            r.fail(f"{key}[{i}]", "must be an object")
    return out


def _line(r: _Reader, path: str, obj: dict[str, Any]) -> Line | None:
    before = len(r.problems)
    line_id = r.text(obj, "id", path, required=True)
    sku = r.text(obj, "sku", path, required=True)
    merchant = r.text(obj, "merchant", path, required=True)
    unit_price = r.int_at_least(obj, "unit_price", path, 0, required=True)
    qty = r.int_at_least(obj, "qty", path, 1, required=True)
    if len(r.problems) > before:
        return None
    assert line_id is not None and sku is not None and merchant is not None
    assert unit_price is not None and qty is not None
    return Line(line_id, sku, merchant, unit_price, qty)


_KIND_VALUES = frozenset(k.value for k in Kind)
_KIND_NAMES = ", ".join(sorted(_KIND_VALUES))


def _tiers(r: _Reader, obj: dict[str, Any], path: str, repeat: bool) -> tuple[Tier, ...]:
    value = obj.get("tiers")
    if not isinstance(value, list) or not value:
        r.fail(f"{path}.tiers", "must be a non-empty list")
        return ()
    if repeat and len(value) != 1:
        r.fail(f"{path}.tiers", "a repeating threshold must have exactly one tier")
    tiers: list[Tier] = []
    seen: set[int] = set()
    for i, raw in enumerate(value):
        tier_path = f"{path}.tiers[{i}]"
        if not isinstance(raw, dict):
            r.fail(tier_path, "must be an object")
            continue
        low = r.int_at_least(raw, "min", tier_path, 0, required=True)
        off = r.int_at_least(raw, "off", tier_path, 0, required=True)
        if low is not None and repeat and low < 1:
            r.fail(f"{tier_path}.min", "must be at least 1 on a repeating threshold")
            low = None
        if low is not None and low in seen:
            r.fail(f"{tier_path}.min", f"duplicate tier min {low}")
            low = None
        if low is not None:
            seen.add(low)
        if low is not None and off is not None:
            tiers.append(Tier(low, off))
    return tuple(tiers)


def _promotion(r: _Reader, path: str, obj: dict[str, Any]) -> Promotion | None:
    before = len(r.problems)
    promo_id = r.text(obj, "id", path, required=True)
    raw_kind = obj.get("kind")
    kind: Kind | None = None
    if raw_kind is None:
        r.fail(f"{path}.kind", "is required")
    elif not isinstance(raw_kind, str) or raw_kind not in _KIND_VALUES:
        r.fail(f"{path}.kind", f"unknown kind, must be one of {_KIND_NAMES}")
    else:
        kind = Kind(raw_kind)
    raw_layer = obj.get("layer")
    layer: Layer | None = None
    if kind in ITEM_KINDS:
        layer = Layer.ITEM
        if raw_layer is not None and raw_layer != "item":
            r.fail(f"{path}.layer", f'must be "item" for {kind}')
    elif kind is Kind.MULTI_BUY:
        layer = Layer.STORE
        if raw_layer is not None and raw_layer != "store":
            r.fail(f"{path}.layer", 'must be "store" for multi_buy')
    elif kind is Kind.THRESHOLD:
        if raw_layer in ("store", "platform"):
            layer = Layer(raw_layer)
        else:
            r.fail(f"{path}.layer", 'must be "store" or "platform" for threshold')
    merchant = r.merchant(obj, path, layer, "promotion")
    skus = r.skus(obj, path)
    with_coupons = r.boolean(obj, "with_coupons", path, True)
    members_only = r.boolean(obj, "members_only", path, False)
    starts_at = r.moment(obj, "starts_at", path)
    ends_at = r.moment(obj, "ends_at", path)
    fields: dict[str, Any] = {}
    if kind is Kind.PERCENT_OFF:
        fields["percent"] = r.percent(obj, "percent", path, required=True)
    elif kind is Kind.AMOUNT_OFF:
        fields["amount"] = r.int_at_least(obj, "amount", path, 0, required=True)
    elif kind is Kind.NTH_ITEM:
        fields["n"] = r.int_at_least(obj, "n", path, 1, required=True)
        fields["percent"] = r.percent(obj, "percent", path, required=True)
    elif kind is Kind.MULTI_BUY:
        fields["min_qty"] = r.int_at_least(obj, "min_qty", path, 0, required=True)
        fields["percent"] = r.percent(obj, "percent", path, required=True)
    elif kind is Kind.THRESHOLD:
        repeat = r.boolean(obj, "repeat", path, False)
        fields["repeat"] = repeat
        fields["tiers"] = _tiers(r, obj, path, repeat)
        if repeat:
            fields["cap"] = r.int_at_least(obj, "cap", path, 0, required=False)
        elif obj.get("cap") is not None and isinstance(obj.get("repeat", False), bool):
            r.fail(f"{path}.cap", "only a repeating threshold may have a cap")
    if len(r.problems) > before:
        return None
    assert promo_id is not None and kind is not None and layer is not None
    return Promotion(
        id=promo_id,
        kind=kind,
        layer=layer,
        merchant=merchant,
        skus=skus,
        with_coupons=with_coupons,
        members_only=members_only,
        starts_at=starts_at,
        ends_at=ends_at,
        **fields,
    )


def _coupon(r: _Reader, path: str, obj: dict[str, Any]) -> Coupon | None:
    before = len(r.problems)
    coupon_id = r.text(obj, "id", path, required=True)
    raw_layer = obj.get("layer")
    layer: Layer | None = None
    if raw_layer in ("store", "platform"):
        layer = Layer(raw_layer)
    else:
        r.fail(f"{path}.layer", 'must be "store" or "platform"')
    merchant = r.merchant(obj, path, layer, "coupon")
    skus = r.skus(obj, path)
    low = r.int_at_least(obj, "min", path, 0, required=False)
    off = r.int_at_least(obj, "off", path, 0, required=False)
    percent = r.percent(obj, "percent", path, required=False)
    has_off, has_percent = obj.get("off") is not None, obj.get("percent") is not None
    if has_off == has_percent:
        r.fail(path, "must have exactly one of off and percent")
    max_off = None
    if obj.get("max_off") is not None:
        if has_percent and not has_off:
            max_off = r.int_at_least(obj, "max_off", path, 0, required=False)
        else:
            r.fail(f"{path}.max_off", "only a percent coupon may have max_off")
    members_only = r.boolean(obj, "members_only", path, False)
    starts_at = r.moment(obj, "starts_at", path)
    ends_at = r.moment(obj, "ends_at", path)
    if len(r.problems) > before:
        return None
    assert coupon_id is not None and layer is not None
    return Coupon(
        id=coupon_id,
        layer=layer,
        merchant=merchant,
        skus=skus,
        min=low or 0,
        off=off,
        percent=percent,
        max_off=max_off,
        members_only=members_only,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def _is_duplicate(r: _Reader, path: str, raw: dict[str, Any], seen: set[str], what: str) -> bool:
    value = raw.get("id")
    if not isinstance(value, str) or not value:
        return False
    if value in seen:
        r.fail(f"{path}.id", f'duplicate {what} "{value}"')
        return True
    seen.add(value)
    return False


def parse_scenario(obj: object) -> Scenario:
    """Check a decoded JSON scenario against the contract and build it.

    Raises ScenarioError listing every problem found (not only the first), in document order.
    """
    r = _Reader()
    if not isinstance(obj, dict):
        raise ScenarioError([("$", "must be a JSON object")])
    at = r.moment(obj, "at", "")
    member = r.boolean(obj, "member", "", False)
    lines: list[Line] = []
    line_ids: set[str] = set()
    for path, raw in _objects(r, obj, "lines", required=True):
        line = _line(r, path, raw)
        if _is_duplicate(r, path, raw, line_ids, "line id"):
            continue
        if line is not None:
            lines.append(line)
    offer_ids: set[str] = set()
    promotions: list[Promotion] = []
    for path, raw in _objects(r, obj, "promotions", required=False):
        promotion = _promotion(r, path, raw)
        if _is_duplicate(r, path, raw, offer_ids, "promotion or coupon id"):
            continue
        if promotion is not None:
            promotions.append(promotion)
    coupons: list[Coupon] = []
    for path, raw in _objects(r, obj, "coupons", required=False):
        coupon = _coupon(r, path, raw)
        if _is_duplicate(r, path, raw, offer_ids, "promotion or coupon id"):
            continue
        if coupon is not None:
            coupons.append(coupon)
    if r.problems:
        raise ScenarioError(r.problems)
    return Scenario(tuple(lines), tuple(promotions), tuple(coupons), at, member)
