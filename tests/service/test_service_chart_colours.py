"""The 客服指标 bars: green where the target is met, red where it is not; the target line is named in Chinese."""

from __future__ import annotations

from django.utils import translation

from mallops.service import charts


def test_bars_show_whether_they_reach_the_target() -> None:
    with translation.override("zh-hans"):
        svg = str(
            charts.bar_chart(
                [("首次响应", 86.9), ("投诉受理", 100.0), ("回访", None)], maximum=100, target=95
            )
        )
    assert svg.count('fill="#c4161c"') == 1 and svg.count('fill="#079455"') == 1
    assert "<title>目标 95</title>" in svg
    plain = str(charts.bar_chart([("处理", 22.97)], unit=" h"))  # no target: the one colour
    assert 'fill="#c4161c"' in plain and "#079455" not in plain
