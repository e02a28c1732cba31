"""Validity checks for the independent labelled listing set v3, development half.

These tests check the data file only; they never run the compliance engine. The family names and the
per-category counts are the ones ``labelled_v3_README.md`` documents.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
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
# families whose label is fixed by the family (labelled_v3_README.md § Families)
BLOCK_FAMILIES = {
    "disease", "restore", "prevent", "pathogen", "equiv", "healthclaim", "hf_claim", "device_claim",
    "med_endorse", "state", "superlative", "first_only", "guarantee", "price", "urgency", "fake_data",
    "body_shape", "med_compare", "zero_add_false",
}  # fmt: skip


def _family_label(family: str) -> str:
    if family in BLOCK_FAMILIES:
        return "block"
    if family.startswith("rv_"):
        return "review"
    assert family == "plain" or family.startswith("hn_"), family
    return "pass"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    out = []
    with (HERE / "labelled_v3_dev.jsonl").open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"labelled_v3_dev.jsonl:{lineno} is blank"
            out.append(json.loads(line))
    return out


def test_rows_have_the_schema(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert set(row) == FIELDS, row
        assert row["id"].startswith("V3-D-"), row["id"]
        assert row["category"] in CATEGORIES, row
        assert row["expected"] in EXPECTED, row
        assert all(isinstance(row[key], str) for key in FIELDS), row
        assert row["title"].strip() and row["description"].strip() and row["why"].strip(), row


def test_ids_are_unique_and_numbered(rows: list[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]

    assert len(ids) == len(set(ids)) == 627
    assert ids == [f"V3-D-{number:04d}" for number in range(1, 628)]


def test_family_matches_label(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert _family_label(row["family"]) == row["expected"], row["id"]


def test_categories_and_balance_as_documented(rows: list[dict[str, Any]]) -> None:
    by_category = Counter(row["category"] for row in rows)
    expected = Counter(row["expected"] for row in rows)

    assert set(by_category) == CATEGORIES
    assert by_category["general"] == 86 and by_category["food"] == 79
    assert expected == Counter({"pass": 304, "block": 245, "review": 78})


def test_no_v3_title_is_in_the_v2_dev_set(rows: list[dict[str, Any]]) -> None:
    # the v2 test half is only ever scored in aggregate, so it is not read here
    with (HERE / "labelled_v2_dev.jsonl").open(encoding="utf-8") as fh:
        v2_titles = {json.loads(line)["title"] for line in fh if line.strip()}

    assert not {row["title"] for row in rows} & v2_titles
