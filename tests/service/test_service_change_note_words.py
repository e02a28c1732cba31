"""标准流程: the change note the service writes for a procedure's first version reads Chinese."""

from __future__ import annotations

from django.utils import translation

from mallops.core.words import label


def test_the_first_version_note_reads_chinese() -> None:
    with translation.override("zh-hans"):
        assert label("first version", "service.change_note") == "首个版本"
        assert label("补充了回访话术", "service.change_note") == "补充了回访话术"  # a person's note as typed
