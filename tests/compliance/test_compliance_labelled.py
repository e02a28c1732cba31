"""Precision and recall on the labelled listing set (tests/compliance/labelled_listings.jsonl).

Scored per item: an item is positive when its expected verdict is not ``pass`` (a review is a hit,
because it stops the listing going live unreviewed). Expected rule ids, where given, must be among
the findings of a correctly flagged item.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mallops.compliance.engine import CATEGORIES, check_items

LABELLED = Path(__file__).with_name("labelled_listings.jsonl")


def load() -> list[dict[str, Any]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_labelled_set_is_large_balanced_and_covers_every_category() -> None:
    rows = load()
    positives = sum(row["expected"] != "pass" for row in rows)
    assert len(rows) >= 300
    assert 0.4 <= positives / len(rows) <= 0.6
    assert {row["category"] for row in rows} == set(CATEGORIES)
    assert len({row["id"] for row in rows}) == len(rows)
    assert Counter(row["expected"] for row in rows).keys() == {"pass", "review", "block"}


@pytest.mark.req("R1.4.1")
@pytest.mark.req("R2.1.2")
def test_precision_and_recall_on_the_labelled_set() -> None:
    rows = load()
    results = check_items(rows)
    counts = Counter()
    wrong_rules = []
    for row, result in zip(rows, results, strict=True):
        expected, got = row["expected"] != "pass", result["verdict"] != "pass"
        counts[(expected, got)] += 1
        if expected and got and not set(row.get("rules", ())) <= {f["rule"] for f in result["findings"]}:
            wrong_rules.append(row["id"])
    true_positives = counts[(True, True)]
    precision = true_positives / (true_positives + counts[(False, True)])
    recall = true_positives / (true_positives + counts[(True, False)])
    assert precision >= 0.95, counts
    assert recall >= 0.97, counts
    assert len(wrong_rules) <= 0.03 * len(rows), wrong_rules
