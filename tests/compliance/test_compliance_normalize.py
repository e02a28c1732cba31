"""Normalisation and the offset map back to the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.compliance.engine import check_text
from mallops.compliance.engine.normalize import FILLER_CHARS, normalize, normalize_pattern


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＮＯ．１", "no1"),
        ("ＴＯＰ　１", "top1"),
        ("１００％棉", "100%棉"),
        ("最 好", "最好"),
        ("最.好", "最好"),
        ("最*好~的", "最好的"),
        ("最\u200b好", "最好"),
        ("頂級 品質", "顶级品质"),
        ("錯過再等一年", "错过再等一年"),
        ("Best", "best"),
        ("最，好", "最,好"),
        ("第一\n步", "第一\n步"),
    ],
)
def test_normalize_folds_width_case_script_and_fillers(raw: str, expected: str) -> None:
    assert normalize_pattern(raw) == expected


def test_sentence_punctuation_is_a_boundary_not_a_filler() -> None:
    for boundary in "，。！？；：、,!?;:\n()【】":
        assert boundary not in FILLER_CHARS
    # given a reference-price term split by a real comma
    # then nothing matches, while the same term split by a space is an evasion and matches
    assert check_text("title", "去年的原，价格不变", "general") == []
    assert [f.rule for f in check_text("title", "原 价 199 现价 99", "general")] == ["PRICE56-16-REFERENCE"]


def test_span_maps_back_through_deleted_characters_and_emoji() -> None:
    raw = "🔥最 . 好🔥ＮＯ．１"
    normalized = normalize(raw)
    # pictographs are fillers (最🔥好 is an evasion of 最好)
    assert normalized.text == "最好no1"
    assert normalized.original_span(0, 2) == (1, 6)
    assert raw[1:6] == "最 . 好"
    assert raw[slice(*normalized.original_span(2, 5))] == "ＮＯ．１"


def test_an_emoji_that_stands_for_a_character_reads_as_that_character() -> None:
    # given sugar written as a sweet inside 血糖 and a pill for 药
    raw = "血🍬高，💊停了"
    normalized = normalize(raw)
    # then it reads as the word, and a span over it maps back to the emoji
    assert normalized.text == "血糖高,药停了"
    assert raw[slice(*normalized.original_span(0, 3))] == "血🍬高"
    assert raw[slice(*normalized.original_span(1, 2))] == "🍬"
    assert raw[slice(*normalized.original_span(4, 6))] == "💊停"
    # a character outside the BMP that is not a pictograph is kept
    assert normalize("𠀀最好").text == "𠀀最好"


_ALPHABET = st.sampled_from(
    [
        *list("最好佳第一顶级唯码近的品质，。 .·*-_~|/\u3000ＡＢＣａｂ１２３％ABCabc123%頂級錯過\n"),
        "🔥",
        "😀",
        "🍬",
        "𠀀",
        "\ufe0f",
        "\u200b",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_every_normalised_character_maps_to_an_original_character_that_normalises_to_it(raw: str) -> None:
    normalized = normalize(raw)
    text = normalized.text
    units = normalized.size
    position = 0
    last_end = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        start, end = normalized.original_span(position, position + width)
        assert normalize_pattern(raw[start:end]) == char, (index, raw, start, end)
        assert start >= last_end
        last_end = end
        position += width
    assert position == units


_TERMS = st.sampled_from(["最好", "ＮＯ．１", "顶级", "100%", "全网最低价", "原价", "限时", "治疗", "第一"])
_NOISE = st.lists(_ALPHABET, max_size=8).map("".join)


@pytest.mark.req("R2.1.2")
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_NOISE, _TERMS), min_size=1, max_size=5), _NOISE)
def test_finding_text_is_always_the_original_slice(parts: list[tuple[str, str]], tail: str) -> None:
    raw = "".join(noise + term for noise, term in parts) + tail
    for field in ("title", "description"):
        for finding in check_text(field, raw, "general"):
            assert finding.text == raw[finding.start : finding.end]
            assert 0 <= finding.start < finding.end <= len(raw)
            assert normalize_pattern(finding.text)  # never a span of fillers only
