"""Validity checks for the independent labelled listing set v2 (dev and test halves).

These tests check the data files only; they never run the compliance engine.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
HALVES = {"dev": ("labelled_v2_dev.jsonl", "V2-D-"), "test": ("labelled_v2_test.jsonl", "V2-T-")}
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
EXPECTED = {"pass", "review", "block"}
FIELDS = {"id", "category", "title", "description", "expected", "family", "why"}


def _load(name: str) -> list[dict[str, Any]]:
    rows = []
    with (HERE / name).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"{name}:{lineno} is blank"
            rows.append(json.loads(line))
    return rows


@pytest.fixture(scope="module")
def halves() -> dict[str, list[dict[str, Any]]]:
    return {half: _load(name) for half, (name, _prefix) in HALVES.items()}


@pytest.mark.parametrize("half", sorted(HALVES))
def test_rows_have_the_schema(halves: dict[str, list[dict[str, Any]]], half: str) -> None:
    prefix = HALVES[half][1]
    for row in halves[half]:
        assert set(row) == FIELDS, row
        assert row["id"].startswith(prefix), row["id"]
        assert row["category"] in CATEGORIES, row
        assert row["expected"] in EXPECTED, row
        assert all(isinstance(row[key], str) for key in FIELDS), row
        assert row["title"].strip() and row["family"].strip() and row["why"].strip(), row


@pytest.mark.parametrize("half", sorted(HALVES))
def test_half_size_categories_and_balance(halves: dict[str, list[dict[str, Any]]], half: str) -> None:
    rows = halves[half]
    expected = Counter(row["expected"] for row in rows)
    positives = expected["block"] + expected["review"]

    assert len(rows) >= 550
    assert {row["category"] for row in rows} == CATEGORIES
    assert 0.40 <= positives / len(rows) <= 0.60
    assert expected["review"] >= 40


def test_ids_unique_across_halves(halves: dict[str, list[dict[str, Any]]]) -> None:
    ids = [row["id"] for rows in halves.values() for row in rows]

    assert len(ids) == len(set(ids))


def test_no_title_in_both_halves(halves: dict[str, list[dict[str, Any]]]) -> None:
    dev_titles = {row["title"] for row in halves["dev"]}
    test_titles = {row["title"] for row in halves["test"]}

    assert dev_titles & test_titles == set()
