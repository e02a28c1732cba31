"""The pricing contract, case by case: the worked example, each kind, the stacking rules, errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mallops.pricing.engine import ScenarioError, apportion, parse_scenario, quote, quote_to_json

EXAMPLE: dict[str, Any] = {
    "at": "2026-11-11T20:00:00+08:00",
    "member": False,
    "lines": [{"id": "L1", "sku": "A1", "merchant": "m1", "unit_price": 12900, "qty": 2}],
    "promotions": [
        {"id": "p1", "kind": "percent_off", "skus": ["A1"], "percent": 15},
        {
            "id": "p2",
            "kind": "threshold",
            "layer": "store",
            "merchant": "m1",
            "tiers": [{"min": 10000, "off": 2000}, {"min": 20000, "off": 5000}],
        },
        {
            "id": "p3",
            "kind": "threshold",
            "layer": "platform",
            "repeat": True,
            "cap": 10000,
            "tiers": [{"min": 30000, "off": 5000}],
        },
    ],
    "coupons": [
        {"id": "c1", "layer": "store", "merchant": "m1", "min": 19900, "off": 3000},
        {"id": "c2", "layer": "platform", "min": 0, "percent": 10, "max_off": 2000},
    ],
}


def price(data: dict[str, Any]) -> dict[str, Any]:
    return quote_to_json(quote(parse_scenario(data)))


def line(lid: str, sku: str, merchant: str, unit_price: int, qty: int = 1) -> dict[str, Any]:
    return {"id": lid, "sku": sku, "merchant": merchant, "unit_price": unit_price, "qty": qty}


def problems(data: object) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    return caught.value.problems


@pytest.mark.req("R2.3.5")
def test_contract_worked_example() -> None:
    assert price(EXAMPLE) == {
        "subtotal": 25800,
        "discount": 10563,
        "total": 15237,
        "applied": [
            {"id": "p1", "step": 1, "amount": 3870, "lines": {"L1": 3870}},
            {"id": "p2", "step": 2, "amount": 5000, "lines": {"L1": 5000}},
            {"id": "c2", "step": 5, "amount": 1693, "lines": {"L1": 1693}},
        ],
        "lines": [{"id": "L1", "amount": 25800, "discount": 10563, "paid": 15237}],
        "next_threshold": {"id": "p3", "needed": 13070, "off": 5000},
    }


# Item kinds ---------------------------------------------------------------------------------------


@pytest.mark.req("R2.3.1")
@pytest.mark.parametrize(
    ("promotion", "expected"),
    [
        ({"kind": "percent_off", "percent": 15}, 999 * 3 * 15 // 100),
        ({"kind": "amount_off", "amount": 100}, 300),
        ({"kind": "amount_off", "amount": 5000}, 2997),  # never more than the unit price
        ({"kind": "nth_item", "n": 2, "percent": 100}, 999),  # buy one get one free: 3 // 2 = 1 free
        ({"kind": "nth_item", "n": 2, "percent": 50}, 499),
        ({"kind": "nth_item", "n": 4, "percent": 100}, 0),
    ],
)
def test_item_kinds(promotion: dict[str, Any], expected: int) -> None:
    data = {"lines": [line("L1", "A", "m1", 999, 3)], "promotions": [{"id": "p", **promotion}]}
    result = price(data)
    assert result["discount"] == expected
    assert result["applied"] == (
        [{"id": "p", "step": 1, "amount": expected, "lines": {"L1": expected}}] if expected else []
    )


@pytest.mark.req("R2.3.1")
def test_item_step_best_per_line_ties_to_first_listed_and_merchant_scope() -> None:
    data = {
        "lines": [line("L1", "A", "m1", 1000), line("L2", "B", "m2", 1000), line("L3", "A", "m2", 1000)],
        "promotions": [
            {"id": "a", "kind": "amount_off", "amount": 100},
            {"id": "b", "kind": "percent_off", "percent": 10},  # also 100 on each line: tie, "a" is first
            {"id": "c", "kind": "percent_off", "percent": 30, "merchant": "m2", "skus": ["A"]},
        ],
    }
    result = price(data)
    assert result["applied"] == [
        {"id": "a", "step": 1, "amount": 200, "lines": {"L1": 100, "L2": 100}},
        {"id": "c", "step": 1, "amount": 300, "lines": {"L3": 300}},
    ]


@pytest.mark.req("R2.3.1")
@pytest.mark.parametrize(
    ("tiers", "repeat", "cap", "expected"),
    [
        ([{"min": 20000, "off": 5000}, {"min": 10000, "off": 2000}], False, None, 5000),  # any order
        ([{"min": 10000, "off": 2000}, {"min": 25000, "off": 9000}], False, None, 2000),  # 25000 not reached
        ([{"min": 24000, "off": 1000}, {"min": 10000, "off": 2000}], False, None, 1000),  # largest min wins
        ([{"min": 24001, "off": 1000}], False, None, 0),
        ([{"min": 24000, "off": 99999}], False, None, 24000),  # never more than the base
        ([{"min": 10000, "off": 3000}], True, None, 6000),  # 2 x 3000
        ([{"min": 10000, "off": 3000}], True, 4000, 4000),
        ([{"min": 8000, "off": 3000}], True, None, 9000),
    ],
)
def test_threshold(tiers: list[dict[str, int]], repeat: bool, cap: int | None, expected: int) -> None:
    promotion: dict[str, Any] = {
        "id": "t",
        "kind": "threshold",
        "layer": "store",
        "merchant": "m1",
        "tiers": tiers,
    }
    if repeat:
        promotion["repeat"] = True
    if cap is not None:
        promotion["cap"] = cap
    data = {"lines": [line("L1", "A", "m1", 12000, 2)], "promotions": [promotion]}
    assert price(data)["discount"] == expected


@pytest.mark.req("R2.3.1")
def test_multi_buy_counts_every_line_in_scope_whatever_its_amount() -> None:
    data = {
        "lines": [
            line("L1", "A", "m1", 1000, 1),
            line("L2", "B", "m1", 500, 1),
            line("L3", "C", "m2", 900, 5),
        ],
        "promotions": [
            {"id": "free", "kind": "percent_off", "percent": 100, "skus": ["B"]},
            {"id": "mb", "kind": "multi_buy", "merchant": "m1", "min_qty": 2, "percent": 10},
        ],
    }
    result = price(data)
    # L2 costs nothing after step 1 but still counts towards min_qty; the base is 1000.
    assert [a["id"] for a in result["applied"]] == ["free", "mb"]
    assert result["applied"][1] == {"id": "mb", "step": 2, "amount": 100, "lines": {"L1": 100}}


@pytest.mark.req("R2.3.1")
@pytest.mark.parametrize(
    ("coupon", "expected"),
    [
        ({"min": 5000, "off": 700}, 700),  # min is inclusive
        ({"min": 5001, "off": 700}, 0),
        ({"min": 0, "off": 9000}, 5000),  # never more than the base
        ({"percent": 15}, 750),
        ({"percent": 15, "max_off": 600}, 600),
        ({"percent": 100}, 5000),
    ],
)
def test_coupon_kinds(coupon: dict[str, Any], expected: int) -> None:
    for layer in ("store", "platform"):
        c = {"id": "c", "layer": layer, **coupon}
        if layer == "store":
            c["merchant"] = "m1"
        assert price({"lines": [line("L1", "A", "m1", 2500, 2)], "coupons": [c]})["discount"] == expected


# Windows and members --------------------------------------------------------------------------------


@pytest.mark.req("R2.3.1")
@pytest.mark.parametrize(
    ("at", "active"),
    [
        (None, True),
        ("2026-11-11T00:00:00+08:00", True),  # start inclusive
        ("2026-11-10T16:00:00Z", True),  # the same instant in UTC
        ("2026-11-10T23:59:59", False),  # no offset: +08:00
        ("2026-11-12T00:00:00", False),  # end exclusive
        ("2026-11-11T23:59:59+08:00", True),
    ],
)
def test_time_window(at: str | None, active: bool) -> None:
    data: dict[str, Any] = {
        "lines": [line("L1", "A", "m1", 1000)],
        "promotions": [
            {
                "id": "p",
                "kind": "percent_off",
                "percent": 10,
                "starts_at": "2026-11-11T00:00:00",
                "ends_at": "2026-11-12T00:00:00+08:00",
            }
        ],
    }
    if at is not None:
        data["at"] = at
    assert price(data)["discount"] == (100 if active else 0)


@pytest.mark.req("R2.3.1")
def test_members_only() -> None:
    data: dict[str, Any] = {
        "lines": [line("L1", "A", "m1", 1000)],
        "coupons": [{"id": "c", "layer": "platform", "off": 300, "members_only": True}],
    }
    assert price(data)["discount"] == 0
    assert price({**data, "member": True})["discount"] == 300


# Stacking and the best combination -------------------------------------------------------------------


@pytest.mark.req("R2.3.5")
def test_largest_store_discount_is_not_always_best() -> None:
    data = {
        "lines": [line("L1", "A", "m1", 10000)],
        "promotions": [
            {
                "id": "big",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m1",
                "tiers": [{"min": 5000, "off": 1500}],
            },
            {
                "id": "small",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m1",
                "tiers": [{"min": 5000, "off": 1000}],
            },
        ],
        "coupons": [{"id": "c", "layer": "store", "merchant": "m1", "min": 9000, "off": 800}],
    }
    result = price(data)
    assert [a["id"] for a in result["applied"]] == ["small", "c"]
    assert result["total"] == 10000 - 1800


@pytest.mark.req("R2.3.5")
def test_merchants_coupled_through_the_platform_coupon() -> None:
    # Each shop alone would take its store promotion, but together that drops the platform coupon.
    data = {
        "lines": [line("L1", "A", "m1", 5000), line("L2", "B", "m2", 5000)],
        "promotions": [
            {
                "id": "s1",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m1",
                "tiers": [{"min": 5000, "off": 300}],
            },
            {
                "id": "s2",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m2",
                "tiers": [{"min": 5000, "off": 300}],
            },
        ],
        "coupons": [{"id": "pc", "layer": "platform", "min": 9700, "off": 1000}],
    }
    result = price(data)
    assert result["total"] == 10000 - 1300
    assert [a["id"] for a in result["applied"]] in (["s1", "pc"], ["s2", "pc"])


@pytest.mark.req("R2.3.5")
def test_with_coupons_false_takes_discounted_lines_out_of_coupon_bases() -> None:
    data = {
        "lines": [line("L1", "A", "m1", 6000), line("L2", "B", "m1", 4000)],
        "promotions": [
            {"id": "p", "kind": "percent_off", "percent": 10, "skus": ["A"], "with_coupons": False}
        ],
        "coupons": [
            {"id": "sc", "layer": "store", "merchant": "m1", "min": 5000, "off": 500},
            {"id": "pc", "layer": "platform", "percent": 10},
        ],
    }
    result = price(data)
    # Store coupon base is L2 only (4000 < 5000): not usable. Platform coupon: 10 % of 4000.
    assert result["applied"] == [
        {"id": "p", "step": 1, "amount": 600, "lines": {"L1": 600}},
        {"id": "pc", "step": 5, "amount": 400, "lines": {"L2": 400}},
    ]


@pytest.mark.req("R2.3.5")
def test_platform_promotion_without_coupons_blocks_only_the_platform_coupon() -> None:
    data = {
        "lines": [line("L1", "A", "m1", 10000)],
        "promotions": [
            {
                "id": "pp",
                "kind": "threshold",
                "layer": "platform",
                "tiers": [{"min": 100, "off": 2000}],
                "with_coupons": False,
            }
        ],
        "coupons": [
            {"id": "sc", "layer": "store", "merchant": "m1", "off": 100},
            {"id": "pc", "layer": "platform", "off": 1500},
        ],
    }
    result = price(data)
    assert [a["id"] for a in result["applied"]] == ["sc", "pp"]
    assert result["discount"] == 2100


@pytest.mark.req("R2.3.5")
def test_apportionment_largest_remainder_ties_to_earlier_line() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(2, [1, 1, 1]) == [1, 1, 0]
    assert apportion(100, [333, 333, 334]) == [33, 33, 34]
    assert apportion(5, [0, 10, 10]) == [0, 3, 2]
    assert apportion(0, [5, 5]) == [0, 0]
    data = {
        "lines": [line("L1", "A", "m1", 100), line("L2", "B", "m1", 100), line("L3", "C", "m1", 100)],
        "coupons": [{"id": "c", "layer": "platform", "off": 100}],
    }
    assert price(data)["applied"] == [
        {"id": "c", "step": 5, "amount": 100, "lines": {"L1": 34, "L2": 33, "L3": 33}}
    ]


@pytest.mark.req("R2.3.5")
def test_applied_is_ordered_by_step_then_as_listed() -> None:
    data = {
        "lines": [line("L1", "A", "m1", 20000), line("L2", "B", "m2", 20000)],
        "promotions": [
            {
                "id": "s2",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m2",
                "tiers": [{"min": 100, "off": 100}],
            },
            {
                "id": "s1",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m1",
                "tiers": [{"min": 100, "off": 100}],
            },
            {"id": "i2", "kind": "amount_off", "amount": 5, "skus": ["B"]},
            {"id": "i1", "kind": "amount_off", "amount": 5, "skus": ["A"]},
        ],
        "coupons": [
            {"id": "k2", "layer": "store", "merchant": "m2", "off": 10},
            {"id": "k1", "layer": "store", "merchant": "m1", "off": 10},
        ],
    }
    assert [a["id"] for a in price(data)["applied"]] == ["i2", "i1", "s2", "s1", "k2", "k1"]


def test_empty_offers_and_next_threshold_absent() -> None:
    result = price({"lines": [line("L1", "A", "m1", 500, 2)]})
    assert result == {
        "subtotal": 1000,
        "discount": 0,
        "total": 1000,
        "applied": [],
        "lines": [{"id": "L1", "amount": 1000, "discount": 0, "paid": 1000}],
    }


def test_next_threshold_names_the_nearest_better_tier() -> None:
    data = {
        "lines": [line("L1", "A", "m1", 9000)],
        "promotions": [
            {"id": "far", "kind": "threshold", "layer": "platform", "tiers": [{"min": 20000, "off": 3000}]},
            {
                "id": "near",
                "kind": "threshold",
                "layer": "store",
                "merchant": "m1",
                "tiers": [{"min": 5000, "off": 500}, {"min": 10000, "off": 1200}],
            },
        ],
    }
    assert price(data)["next_threshold"] == {"id": "near", "needed": 1000, "off": 1200}


# Errors --------------------------------------------------------------------------------------------


def _with(path_value: tuple[str, object], base: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(base or EXAMPLE)
    path, value = path_value
    target: Any = data
    keys = path.replace("]", "").replace("[", ".").split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("lines.0.qty", 0), ("lines[0].qty", "must be a positive integer")),
        (("lines.0.qty", 2.0), ("lines[0].qty", "must be a positive integer")),
        (("lines.0.qty", True), ("lines[0].qty", "must be a positive integer")),
        (("lines.0.qty", "2"), ("lines[0].qty", "must be a positive integer")),
        (("lines.0.unit_price", -1), ("lines[0].unit_price", "must be a non-negative integer")),
        (("lines.0.id", _DELETE), ("lines[0].id", "is required")),
        (("lines", {}), ("lines", "must be a list")),
        (("lines.0", 3), ("lines[0]", "must be an object")),
        (("at", "tomorrow"), ("at", "must be an ISO 8601 date-time")),
        (("member", "yes"), ("member", "must be a boolean")),
        (
            ("promotions.0.kind", "bogus"),
            (
                "promotions[0].kind",
                "unknown kind, must be one of amount_off, multi_buy, nth_item, percent_off, threshold",
            ),
        ),
        (("promotions.0.percent", 0), ("promotions[0].percent", "must be an integer from 1 to 100")),
        (("promotions.0.percent", 101), ("promotions[0].percent", "must be an integer from 1 to 100")),
        (("promotions.0.skus", "A1"), ("promotions[0].skus", "must be a list of strings")),
        (
            ("promotions.1.merchant", _DELETE),
            ("promotions[1].merchant", "is required on a store-layer promotion"),
        ),
        (
            ("promotions.1.layer", _DELETE),
            ("promotions[1].layer", 'must be "store" or "platform" for threshold'),
        ),
        (("promotions.1.tiers.1.min", 10000), ("promotions[1].tiers[1].min", "duplicate tier min 10000")),
        (("promotions.1.tiers", []), ("promotions[1].tiers", "must be a non-empty list")),
        (("promotions.1.cap", 100), ("promotions[1].cap", "only a repeating threshold may have a cap")),
        (
            ("promotions.2.tiers", [{"min": 30000, "off": 1}, {"min": 60000, "off": 1}]),
            ("promotions[2].tiers", "a repeating threshold must have exactly one tier"),
        ),
        (
            ("promotions.2.tiers.0.min", 0),
            ("promotions[2].tiers[0].min", "must be at least 1 on a repeating threshold"),
        ),
        (
            ("promotions.2.merchant", "m1"),
            ("promotions[2].merchant", "a platform-layer promotion must not name a merchant"),
        ),
        (("promotions.2.repeat", 1), ("promotions[2].repeat", "must be a boolean")),
        (("promotions.0.ends_at", "soon"), ("promotions[0].ends_at", "must be an ISO 8601 date-time")),
        (("promotions.0.id", "c1"), ("coupons[0].id", 'duplicate promotion or coupon id "c1"')),
        (("coupons.0.merchant", _DELETE), ("coupons[0].merchant", "is required on a store-layer coupon")),
        (
            ("coupons.1.merchant", "m1"),
            ("coupons[1].merchant", "a platform-layer coupon must not name a merchant"),
        ),
        (("coupons.0.percent", 10), ("coupons[0]", "must have exactly one of off and percent")),
        (("coupons.0.off", _DELETE), ("coupons[0]", "must have exactly one of off and percent")),
        (("coupons.0.max_off", 5), ("coupons[0].max_off", "only a percent coupon may have max_off")),
        (("coupons.1.percent", 1.5), ("coupons[1].percent", "must be an integer from 1 to 100")),
        (("coupons.1.layer", "item"), ("coupons[1].layer", 'must be "store" or "platform"')),
        (("coupons.0.min", -5), ("coupons[0].min", "must be a non-negative integer")),
    ],
)
def test_each_invalid_field_is_reported_with_its_path(
    change: tuple[str, object], expected: tuple[str, str]
) -> None:
    assert problems(_with(change)) == [expected]


def test_every_problem_is_collected() -> None:
    data = {
        "lines": [
            line("L1", "A", "m1", 100),
            {"id": "L1", "sku": "A", "merchant": "m1", "unit_price": 1, "qty": -2},
        ],
        "promotions": [{"id": "x", "kind": "multi_buy", "min_qty": 2, "percent": 10}],
        "coupons": [{"id": "x", "layer": "platform"}],
    }
    assert problems(data) == [
        ("lines[1].qty", "must be a positive integer"),
        ("lines[1].id", 'duplicate line id "L1"'),
        ("promotions[0].merchant", "is required on a store-layer promotion"),
        ("coupons[0]", "must have exactly one of off and percent"),
        ("coupons[0].id", 'duplicate promotion or coupon id "x"'),
    ]


def test_root_must_be_an_object_and_unknown_fields_are_ignored() -> None:
    assert problems([1]) == [("$", "must be a JSON object")]
    data = copy.deepcopy(EXAMPLE)
    data["note"] = "hi"
    data["lines"][0]["colour"] = "red"
    assert price(data)["total"] == 15237
