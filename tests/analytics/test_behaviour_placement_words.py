"""The click-through table of 浏览行为 names its placements in Chinese, not by the events' codes."""

from __future__ import annotations

from django.utils import translation

from mallops.core.words import label


def test_placements_read_chinese() -> None:
    with translation.override("zh-hans"):
        shown = [label(code, "analytics.placement") for code in ("home_banner", "rec_feed", "search_result")]
    assert shown == ["首页横幅", "推荐信息流", "搜索结果页"]
