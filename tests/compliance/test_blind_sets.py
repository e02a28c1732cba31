"""Format checks for the blind hand-written sets v5 dev, v6 dev, v6 test, v7 dev and v8 dev (one table,
the same checks): ids, fields, labels, families, categories, the label balance and near-duplicate titles against
every earlier set. They never run the compliance engine and say nothing about its score; v6 test is a
held-out half (never tune on it, never list its errors). Tables, loader and the near-duplicate search live
in `blindset.py`; the older sets keep their own files (test_labelled_v3_test_set.py, v4 dev)."""

from __future__ import annotations

from functools import cache

import blindset
import pytest
from blindset import Item

EXPECTED_TOTAL = 600
# file: (id prefix, the earlier sets its titles must not come near)
SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "labelled_v5_dev.jsonl": (
        "V5-D-",
        ("labelled_v3_dev.jsonl", "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl"),
    ),
    "labelled_v6_dev.jsonl": (
        "V6-D-",
        (
            "labelled_v2_dev.jsonl", "labelled_v2_test.jsonl", "labelled_v3_dev.jsonl",
            "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl", "labelled_v5_dev.jsonl",
        ),
    ),
    "labelled_v6_test.jsonl": (
        "V6-T-",
        (
            "labelled_v2_dev.jsonl", "labelled_v2_test.jsonl", "labelled_v3_dev.jsonl",
            "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl", "labelled_v5_dev.jsonl",
            "labelled_v6_dev.jsonl",
        ),
    ),
    "labelled_v7_dev.jsonl": (
        "V7-D-",
        (
            "labelled_v2_dev.jsonl", "labelled_v2_test.jsonl", "labelled_v3_dev.jsonl",
            "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl", "labelled_v5_dev.jsonl",
            "labelled_v6_dev.jsonl", "labelled_v6_test.jsonl",
        ),
    ),
    "labelled_v8_dev.jsonl": (
        "V8-D-",
        (
            "labelled_v2_dev.jsonl", "labelled_v2_test.jsonl", "labelled_v3_dev.jsonl",
            "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl", "labelled_v5_dev.jsonl",
            "labelled_v6_dev.jsonl", "labelled_v6_test.jsonl", "labelled_v7_dev.jsonl",
        ),
    ),
    "labelled_v9_dev.jsonl": (
        "V9-D-",
        (
            "labelled_v2_dev.jsonl", "labelled_v2_test.jsonl", "labelled_v3_dev.jsonl",
            "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl", "labelled_v5_dev.jsonl",
            "labelled_v6_dev.jsonl", "labelled_v6_test.jsonl", "labelled_v7_dev.jsonl",
            "labelled_v8_dev.jsonl",
        ),
    ),
    "labelled_v10_test.jsonl": (
        "V10-T-",
        (
            "labelled_v2_dev.jsonl", "labelled_v2_test.jsonl", "labelled_v3_dev.jsonl",
            "labelled_v3_test.jsonl", "labelled_v4_dev.jsonl", "labelled_v5_dev.jsonl",
            "labelled_v6_dev.jsonl", "labelled_v6_test.jsonl", "labelled_v7_dev.jsonl",
            "labelled_v8_dev.jsonl", "labelled_v9_dev.jsonl",
        ),
    ),
}  # fmt: skip
PAIRS = [(name, other) for name, (_prefix, others) in SETS.items() for other in others]


@cache
def _items(name: str) -> list[Item]:
    return blindset.load(name)


@pytest.mark.parametrize("name", sorted(SETS))
def test_ids_are_unique_and_numbered_in_order(name: str) -> None:
    items = _items(name)
    assert len(items) == EXPECTED_TOTAL
    assert [item["id"] for item in items] == blindset.numbered_ids(SETS[name][0], EXPECTED_TOTAL)


@pytest.mark.parametrize("name", sorted(SETS))
def test_fields_labels_families_and_categories_are_known(name: str) -> None:
    items = _items(name)
    assert blindset.items_with_wrong_fields(items) == []
    assert blindset.items_with_unknown_labels(items) == []
    assert {item["category"] for item in items} == blindset.CATEGORIES


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_category_has_all_three_labels_and_the_pass_share_is_near_45_percent(name: str) -> None:
    items = _items(name)
    assert blindset.missing_labels_per_category(items) == []
    assert 0.40 <= blindset.pass_share(items) <= 0.50


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_two_titles_in_the_file_are_near_duplicates(name: str) -> None:
    assert blindset.clashes_within(_items(name)) == []


@pytest.mark.parametrize(("name", "other_name"), PAIRS)
def test_no_title_is_a_near_duplicate_of_an_earlier_set(name: str, other_name: str) -> None:
    # Only titles of the other file are read, and a failure names line numbers, never titles.
    assert blindset.clashes_against(_items(name), _items(other_name)) == []
