"""Format checks for the blind v7 development set (labelled_v7_dev.jsonl).

These tests check the file only: ids, fields, labels, families, categories, the label balance and
near-duplicate titles against every earlier hand-written set. They never run the compliance engine and
say nothing about its score. Tables, loader and the near-duplicate search live in `blindset.py`.
"""

from __future__ import annotations

import blindset
import pytest
from blindset import Item

OTHER_SETS = (
    "labelled_v2_dev.jsonl",
    "labelled_v2_test.jsonl",
    "labelled_v3_dev.jsonl",
    "labelled_v3_test.jsonl",
    "labelled_v4_dev.jsonl",
    "labelled_v5_dev.jsonl",
    "labelled_v6_dev.jsonl",
    "labelled_v6_test.jsonl",
)
EXPECTED_TOTAL = 600


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return blindset.load("labelled_v7_dev.jsonl")


def test_ids_are_unique_and_numbered_in_order(items: list[Item]) -> None:
    assert len(items) == EXPECTED_TOTAL
    assert [item["id"] for item in items] == blindset.numbered_ids("V7-D-", EXPECTED_TOTAL)


def test_every_item_has_exactly_the_v3_fields_all_non_empty(items: list[Item]) -> None:
    assert blindset.items_with_wrong_fields(items) == []


def test_labels_families_and_categories_are_known(items: list[Item]) -> None:
    assert blindset.items_with_unknown_labels(items) == []
    assert {item["category"] for item in items} == blindset.CATEGORIES


def test_every_category_has_all_three_labels_and_the_pass_share_is_near_45_percent(
    items: list[Item],
) -> None:
    assert blindset.missing_labels_per_category(items) == []
    assert 0.40 <= blindset.pass_share(items) <= 0.50


def test_no_two_titles_in_the_file_are_near_duplicates(items: list[Item]) -> None:
    assert blindset.clashes_within(items) == []


@pytest.mark.parametrize("other_name", OTHER_SETS)
def test_no_title_is_a_near_duplicate_of_an_earlier_set(items: list[Item], other_name: str) -> None:
    # Only titles of the other file are read, and a failure names line numbers, never titles.
    assert blindset.clashes_against(items, blindset.load(other_name)) == []
