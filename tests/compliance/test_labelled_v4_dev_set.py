"""Format checks for the blind v4 development set (labelled_v4_dev.jsonl).

These tests check the file only: ids, fields, labels, families, categories and near-duplicate
titles. They never run the compliance engine and say nothing about its score.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

HERE = Path(__file__).parent
DEV_V4 = HERE / "labelled_v4_dev.jsonl"
OTHER_SETS = ("labelled_v3_dev.jsonl", "labelled_v3_test.jsonl")

EXPECTED_TOTAL = 600
FIELDS = ["id", "category", "title", "description", "expected", "family", "why"]
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
FAMILIES = {
    "block": {
        "body_shape",
        "device_claim",
        "disease",
        "equiv",
        "fake_data",
        "first_only",
        "guarantee",
        "healthclaim",
        "hf_claim",
        "med_compare",
        "med_endorse",
        "pathogen",
        "prevent",
        "price",
        "restore",
        "state",
        "superlative",
        "urgency",
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
JACCARD_LIMIT = 0.5


def _load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _bigrams(title: str) -> frozenset[str]:
    text = re.sub(r"\s+", "", title).lower()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def _near_pairs(left: list[frozenset[str]], right: list[frozenset[str]]) -> set[tuple[int, int]]:
    """Index pairs (i, j) with Jaccard(left[i], right[j]) above the limit.

    Same result as comparing every pair, but only pairs that share at least one bigram are scored.
    """
    index: dict[str, list[int]] = defaultdict(list)
    for j, grams in enumerate(right):
        for gram in grams:
            index[gram].append(j)
    pairs = set()
    for i, grams in enumerate(left):
        shared = Counter(j for gram in grams for j in index.get(gram, ()))
        for j, common in shared.items():
            union = len(grams) + len(right[j]) - common
            if union and common / union > JACCARD_LIMIT:
                pairs.add((i, j))
    return pairs


@pytest.fixture(scope="module")
def items() -> list[dict[str, str]]:
    return _load(DEV_V4)


def test_ids_are_unique_and_numbered_in_order(items: list[dict[str, str]]) -> None:
    assert len(items) == EXPECTED_TOTAL
    assert [item["id"] for item in items] == [f"V4-D-{n:04d}" for n in range(1, EXPECTED_TOTAL + 1)]


def test_every_item_has_exactly_the_v3_fields_all_non_empty(items: list[dict[str, str]]) -> None:
    wrong = [item["id"] for item in items if list(item) != FIELDS]
    empty = [item["id"] for item in items if any(not str(item[f]).strip() for f in FIELDS)]
    assert wrong == []
    assert empty == []


def test_labels_families_and_categories_are_known(items: list[dict[str, str]]) -> None:
    bad_label = [item["id"] for item in items if item["expected"] not in FAMILIES]
    bad_family = [item["id"] for item in items if item["family"] not in FAMILIES.get(item["expected"], set())]
    bad_category = [item["id"] for item in items if item["category"] not in CATEGORIES]
    assert bad_label == []
    assert bad_family == []
    assert bad_category == []


def test_every_category_has_all_three_labels_and_the_pass_share_is_near_45_percent(
    items: list[dict[str, str]],
) -> None:
    per_category = Counter((item["category"], item["expected"]) for item in items)
    missing = [(c, e) for c in sorted(CATEGORIES) for e in FAMILIES if per_category[(c, e)] == 0]
    passes = sum(1 for item in items if item["expected"] == "pass")
    assert missing == []
    assert 0.40 <= passes / len(items) <= 0.50


def test_no_two_titles_in_the_file_are_near_duplicates(items: list[dict[str, str]]) -> None:
    grams = [_bigrams(item["title"]) for item in items]
    clashes = sorted((items[i]["id"], items[j]["id"]) for i, j in _near_pairs(grams, grams) if i < j)
    assert clashes == []


@pytest.mark.parametrize("other_name", OTHER_SETS)
def test_no_title_is_a_near_duplicate_of_a_v3_title(items: list[dict[str, str]], other_name: str) -> None:
    # Only titles of the other file are read, and a failure names line numbers, never titles.
    other = [_bigrams(item["title"]) for item in _load(HERE / other_name)]
    mine = [_bigrams(item["title"]) for item in items]
    clashes = sorted((items[i]["id"], j + 1) for i, j in _near_pairs(mine, other))
    assert clashes == []


def test_the_indexed_search_finds_what_a_full_comparison_finds() -> None:
    titles = [
        "五常大米 稻花香 10斤",
        "五常大米 稻花香 5斤",
        "蓝牙耳机 降噪",
        "猫粮 成猫 10kg",
        "猫粮 幼猫 10kg",
    ]
    grams = [_bigrams(title) for title in titles]
    full = {
        (i, j)
        for i in range(len(grams))
        for j in range(len(grams))
        if _jaccard(grams[i], grams[j]) > JACCARD_LIMIT
    }
    assert _near_pairs(grams, grams) == full
    assert (0, 1) in full
    assert (2, 3) not in full
