"""Properties of the pure helpers: highlighting keeps the text, diffs are exact and symmetric."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.review.charts import bar_chart, highlight
from mallops.review.selectors import version_diff

texts = st.text(alphabet="最好的苹果治疗abc 1", max_size=30)


@given(texts, st.lists(st.tuples(st.integers(0, 35), st.integers(0, 35)), max_size=6))
@settings(max_examples=200, deadline=None)
def test_highlight_segments_rebuild_the_text_and_mark_valid_spans(text, raw_spans):
    spans = [(start, end, "R", "B") for start, end in raw_spans]
    segments = highlight(text, spans)
    assert "".join(str(s["text"]) for s in segments) == text
    for segment in segments:
        if segment["mark"]:
            assert segment["text"]


snapshots = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["杯子", "水杯", "茶杯"]),
        "description": st.dictionaries(st.sampled_from(["function", "usage"]), st.sampled_from(["a", "b"])),
        "skus": st.lists(
            st.fixed_dictionaries({"code": st.sampled_from(["A", "B"]), "price_fen": st.integers(1, 3)}),
            max_size=2,
            unique_by=lambda sku: sku["code"],
        ),
    }
)


@given(snapshots, snapshots)
@settings(max_examples=200, deadline=None)
def test_diff_is_empty_exactly_when_equal_and_mirrors_when_swapped(old, new):
    forward = version_diff(old, new)

    def canonical(snapshot):  # SKUs are matched by code, so their order is not a change
        return {**snapshot, "skus": sorted(snapshot["skus"], key=lambda sku: sku["code"])}

    assert (forward == []) == (canonical(old) == canonical(new))
    backward = version_diff(new, old)
    assert [(d["field"], d["after"], d["before"]) for d in forward] == [
        (d["field"], d["before"], d["after"]) for d in backward
    ]


def test_chart_escapes_labels():
    svg = str(bar_chart([("<script>", 2.0)], title="a&b"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
