"""Format checks for the blind v3 test set (`labelled_v3_test.jsonl`).

These tests check the file only: schema, ids, labels, families and near duplicates. They never run the
compliance engine, and nobody should tune rules against the items (see `labelled_v3_test_README.md`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
TEST_SET = HERE / "labelled_v3_test.jsonl"
DEV_SET = HERE / "labelled_v3_dev.jsonl"

FIELDS = ("id", "category", "title", "description", "expected", "family", "why")
CATEGORIES = {
    "food",
    "cosmetics",
    "apparel",
    "electronics",
    "medical_device",
    "health_food",
    "home",
    "baby",
    "general",
}
FAMILIES_BY_LABEL = {
    "block": {
        "disease",
        "restore",
        "prevent",
        "pathogen",
        "equiv",
        "healthclaim",
        "hf_claim",
        "device_claim",
        "med_endorse",
        "state",
        "superlative",
        "first_only",
        "guarantee",
        "price",
        "urgency",
        "fake_data",
        "body_shape",
        "med_compare",
        "zero_add_false",
    },
    "review": {
        "rv_award",
        "rv_b2b",
        "rv_config",
        "rv_disinfect",
        "rv_exclusive",
        "rv_guarantee_prog",
        "rv_launch",
        "rv_natural",
        "rv_newest",
        "rv_rank",
        "rv_refprice",
        "rv_stat",
        "rv_stock",
        "rv_zero_add",
    },
    "pass": {
        "hn_attitude",
        "hn_code",
        "hn_composition",
        "hn_descriptive",
        "hn_disclaimer",
        "hn_grade",
        "hn_medical_ctx",
        "hn_name",
        "hn_ordinal",
        "hn_price_ok",
        "hn_registered",
        "hn_spec",
        "hn_timefact",
        "hn_usage",
        "plain",
    },
}
NEAR_DUPLICATE_JACCARD = 0.5


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _bigrams(title: str) -> frozenset[str]:
    text = "".join(title.split()).lower()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _too_close(a: frozenset[str], b: frozenset[str]) -> bool:
    """Character-bigram Jaccard above the threshold; a size ratio at or under it rules a pair out cheaply."""
    small, large = sorted((len(a), len(b)))
    if large == 0 or small / large <= NEAR_DUPLICATE_JACCARD:
        return False
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) > NEAR_DUPLICATE_JACCARD


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return _load(TEST_SET)


def test_every_item_has_exactly_the_v3_fields_as_non_empty_strings(items: list[dict[str, Any]]) -> None:
    assert len(items) == 600
    for item in items:
        assert tuple(item) == FIELDS, item.get("id")
        assert all(isinstance(item[field], str) and item[field].strip() for field in FIELDS), item["id"]


def test_ids_are_unique_and_numbered_in_order(items: list[dict[str, Any]]) -> None:
    assert [item["id"] for item in items] == [f"V3-T-{n:04d}" for n in range(1, len(items) + 1)]


def test_labels_categories_and_families_are_known(items: list[dict[str, Any]]) -> None:
    for item in items:
        assert item["category"] in CATEGORIES, item["id"]
        assert item["expected"] in FAMILIES_BY_LABEL, item["id"]
        assert item["family"] in FAMILIES_BY_LABEL[item["expected"]], item["id"]
    assert {item["category"] for item in items} == CATEGORIES


def _near_duplicate_pairs(
    left: list[tuple[str, frozenset[str]]], right: list[tuple[str, frozenset[str]]]
) -> set[tuple[str, str]]:
    """Pairs (left id, right id) whose titles are too close; only pairs sharing a bigram are compared."""
    by_bigram: dict[str, set[int]] = defaultdict(set)
    for index, (_, grams) in enumerate(right):
        for gram in grams:
            by_bigram[gram].add(index)
    pairs = set()
    for left_id, grams in left:
        candidates = set().union(*(by_bigram.get(gram, set()) for gram in grams))
        for index in candidates:
            right_id, other = right[index]
            if right_id != left_id and _too_close(grams, other):
                pairs.add((left_id, right_id))
    return pairs


def _titles(items: list[dict[str, Any]]) -> list[tuple[str, frozenset[str]]]:
    return [(item["id"], _bigrams(item["title"])) for item in items]


def test_no_two_titles_are_near_duplicates(items: list[dict[str, Any]]) -> None:
    titles = _titles(items)
    assert _near_duplicate_pairs(titles, titles) == set()


def test_no_title_is_a_near_duplicate_of_a_dev_title(items: list[dict[str, Any]]) -> None:
    assert _near_duplicate_pairs(_titles(items), _titles(_load(DEV_SET))) == set()
