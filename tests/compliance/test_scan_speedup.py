"""The faster scan path of round 9 (issue 17, speed) gives exactly the results of the one it replaced.

``scan_reference.py`` is the scan path as it was (normalisation, matcher, ``check_items``); both engines are
built from the same packs, so the rule authors' edits change both alike. Compared: the public result
objects of ``check_items`` (rules alone and with the second opinion) and every field of every
:class:`Finding` (claim flag and citation included), on the bench's generated listings, on the development
sets v2-v9 (never a test half) and on random texts made of rule words, fillers, full-width and traditional
forms, pictographs, surrogates and separators.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import scan_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops.compliance.engine import Engine, check_items, load_packs
from mallops.compliance.engine.normalize import normalize
from mallops.compliance.engine.second_opinion import default_second_opinion, item_codes

pytestmark = pytest.mark.second_opinion

HERE = Path(__file__).parent
BENCH = HERE.parents[1] / "bench" / "compliance_scan.py"
DEV_SETS = [f"labelled_v{version}_dev.jsonl" for version in range(2, 10)]


@cache
def _engines() -> tuple[Engine, scan_reference.Engine]:
    packs = load_packs()
    return Engine(packs), scan_reference.Engine(packs)


@cache
def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compliance_scan_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _findings(found: list[list[Any]]) -> list[list[tuple[object, ...]]]:
    return [
        [(f.rule, f.field, f.start, f.end, f.text, f.severity, f.citation, f.claim) for f in findings]
        for findings in found
    ]


def _assert_same(items: list[dict[str, Any]]) -> None:
    engine, reference = _engines()
    for second_opinion in (False, True):
        assert check_items(items, engine=engine, second_opinion=second_opinion) == scan_reference.check_items(
            items, engine=reference, second_opinion=second_opinion
        )
    texts = [text for item in items for text in (item["title"], item.get("description") or "")]
    categories = [item.get("category") or "general" for item in items]
    assert _findings(engine.scan_fields(texts, categories)) == _findings(
        reference.scan_fields(texts, categories)
    )


def test_the_bench_listings_give_the_same_results() -> None:
    items, _ = _bench().generate_items(600_000, 7)
    flagged = [result for result in check_items(items, engine=_engines()[0]) if result["verdict"] != "pass"]
    # the bench's generated violations, allowed contexts and claims are all exercised
    assert len(flagged) > 80
    _assert_same(items)


@pytest.mark.parametrize("name", DEV_SETS)
def test_the_development_sets_give_the_same_results(name: str) -> None:
    with (HERE / name).open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    _assert_same(
        [
            {
                "id": item["id"],
                "title": item["title"],
                "description": item.get("description"),
                "category": item.get("category"),
            }
            for item in items
        ]
    )


_PIECES = [
    # rule words, context phrases and claims the packs know (terms, allow/review contexts, frames)
    "最", "最好", "最佳赏味期", "第一", "唯一码", "治疗", "失眠", "降血压", "血压计", "医用", "非医用", "100%", "棉",
    "限时", "特价", "原价", "国宴", "《最好的我们》", "品牌“至尊”", "消字号", "杀菌", "改善", "糖尿病", "症状",
    "TOP", "top1", "NO.1", "1080P", "laptop", "1TB", "極致", "銷量", "血🍬", "💊", "🔥", "𠮷", "\ud83d",
    # fillers, punctuation, separators, full-width and spaces
    " ", ".", "·", "*", "-", "|", "，", "。", "！", "、", "：", "\n", "\x00", "Ｎ", "Ｏ", "．", "１", "　", "\"",
]  # fmt: skip
_TEXT = st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=30).map("".join)
_CATEGORY = st.sampled_from(["general", "food", "cosmetics", "medical_device", "health_food", "unknown"])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_TEXT, _TEXT, _CATEGORY), min_size=1, max_size=6))
def test_random_texts_give_the_same_results(items: list[tuple[str, str, str]]) -> None:
    _assert_same(
        [
            {"id": str(index), "title": title, "description": description, "category": category}
            for index, (title, description, category) in enumerate(items)
        ]
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=20).map("".join), st.data())
def test_around_cuts_what_two_slices_cut(text: str, data: st.DataObject) -> None:
    normalized = normalize(text)
    size = normalized.size
    start = data.draw(st.integers(0, size))
    end = data.draw(st.integers(start, size))
    reach = data.draw(st.integers(0, 40))
    assert normalized.around(start, end, reach) == (
        normalized.slice(start - reach, start),
        normalized.slice(end, end + reach),
    )


def test_the_second_opinion_sums_as_int32_give_the_same_probabilities() -> None:
    model = default_second_opinion()
    assert model is not None
    items, _ = _bench().generate_items(300_000, 11)
    pairs = [(item["title"], item["description"]) for item in items]
    # one item longer than the int32 path takes (it is added as float64), one of two empty fields
    pairs += [("最好" * 4000, "降血压" * 3000), ("", "")]
    units = b"".join(
        item_codes(title, description).astype(np.uint16).tobytes() for title, description in pairs
    )
    skip = [index % 7 == 0 for index in range(len(pairs))]
    for flagged in (None, skip):
        expected = scan_reference._batch_probabilities(model, units, len(pairs), skip=flagged)
        assert np.array_equal(model.batch_probabilities(units, len(pairs), skip=flagged), expected)
