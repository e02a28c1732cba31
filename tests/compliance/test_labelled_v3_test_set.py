"""Format checks for the blind v3 test set (`labelled_v3_test.jsonl`).

These tests check the file only: schema, ids, labels, families and near duplicates. They never run the
compliance engine, and nobody should tune rules against the items (see `labelled_v3_test_README.md`).
The tables, the loader and the near-duplicate search are shared with the other blind sets in `blindset.py`.
"""

from __future__ import annotations

import blindset
import pytest
from blindset import Item


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return blindset.load("labelled_v3_test.jsonl")


def test_every_item_has_exactly_the_v3_fields_as_non_empty_strings(items: list[Item]) -> None:
    assert len(items) == 600
    assert blindset.items_with_wrong_fields(items) == []


def test_ids_are_unique_and_numbered_in_order(items: list[Item]) -> None:
    assert [item["id"] for item in items] == blindset.numbered_ids("V3-T-", len(items))


def test_labels_categories_and_families_are_known(items: list[Item]) -> None:
    assert blindset.items_with_unknown_labels(items) == []
    assert {item["category"] for item in items} == blindset.CATEGORIES


def test_no_two_titles_are_near_duplicates(items: list[Item]) -> None:
    assert blindset.clashes_within(items) == []


def test_no_title_is_a_near_duplicate_of_a_dev_title(items: list[Item]) -> None:
    assert blindset.clashes_against(items, blindset.load("labelled_v3_dev.jsonl")) == []
