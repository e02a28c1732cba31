"""Shared format checks for the hand-written blind labelled sets (v3 test, v4 dev, v5 dev).

The tables (fields, categories, families per label), the loader and the character-bigram near-duplicate
search live here once. Nothing in this module runs the compliance engine or reads its rules.
A near-duplicate search returns index pairs only, so a failing test can name line numbers or ids of
another set without ever printing its titles.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).parent

FIELDS = ("id", "category", "title", "description", "expected", "family", "why")
CATEGORIES = frozenset(
    {
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
)
FAMILIES_BY_LABEL: dict[str, frozenset[str]] = {
    "block": frozenset(
        {
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
        }
    ),
    "review": frozenset(
        {
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
        }
    ),
    "pass": frozenset(
        {
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
        }
    ),
}
NEAR_DUPLICATE_JACCARD = 0.5

Item = dict[str, str]


def load(name_or_path: str | Path) -> list[Item]:
    """The items of a JSON-lines set; a bare file name is looked up next to this module."""
    path = HERE / name_or_path if isinstance(name_or_path, str) else name_or_path
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def bigrams(title: str) -> frozenset[str]:
    """Character bigrams of a title with all whitespace removed, lower-cased."""
    text = "".join(title.split()).lower()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def title_grams(items: Sequence[Item]) -> list[frozenset[str]]:
    return [bigrams(item["title"]) for item in items]


def near_pairs(left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]) -> set[tuple[int, int]]:
    """Index pairs (i, j) whose bigram Jaccard is above the limit (i == j included when left is right).

    Same result as comparing every pair; only pairs that share at least one bigram are scored.
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
            if union and common / union > NEAR_DUPLICATE_JACCARD:
                pairs.add((i, j))
    return pairs


def clashes_within(items: Sequence[Item]) -> list[tuple[str, str]]:
    """Id pairs (first, later) of near-duplicate titles inside one set."""
    grams = title_grams(items)
    return sorted((items[i]["id"], items[j]["id"]) for i, j in near_pairs(grams, grams) if i < j)


def clashes_against(items: Sequence[Item], other: Sequence[Item]) -> list[tuple[str, int]]:
    """(id, 1-based line number in the other set) for each near-duplicate title; never the other titles."""
    pairs = near_pairs(title_grams(items), title_grams(other))
    return sorted((items[i]["id"], j + 1) for i, j in pairs)


def items_with_wrong_fields(items: Sequence[Item]) -> list[str]:
    """Ids of items whose keys are not exactly FIELDS in order or that hold an empty or non-string value."""
    return [
        str(item.get("id"))
        for item in items
        if tuple(item) != FIELDS or not all(isinstance(item[f], str) and item[f].strip() for f in FIELDS)
    ]


def items_with_unknown_labels(items: Sequence[Item]) -> list[str]:
    """Ids with an unknown label, a family that does not belong to the label, or an unknown category."""
    return [
        item["id"]
        for item in items
        if item["category"] not in CATEGORIES
        or item["family"] not in FAMILIES_BY_LABEL.get(item["expected"], frozenset())
    ]


def numbered_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:04d}" for n in range(1, count + 1)]


def missing_labels_per_category(items: Sequence[Item]) -> list[tuple[str, str]]:
    present = {(item["category"], item["expected"]) for item in items}
    return [(c, e) for c in sorted(CATEGORIES) for e in sorted(FAMILIES_BY_LABEL) if (c, e) not in present]


def pass_share(items: Sequence[Item]) -> float:
    return sum(1 for item in items if item["expected"] == "pass") / len(items)
