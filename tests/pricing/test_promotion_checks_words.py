"""A draft promotion's blocking findings are counted in Chinese on the promotions list (a plural msgid)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation


def test_the_findings_badge_reads_chinese() -> None:
    finding = {"severity": "block", "message": "划线价过高", "citation": {"text": "第十六条"}}
    row = {"status": "draft", "blocked": True, "findings": [finding, finding]}
    with translation.override("zh-hans"):
        html = render_to_string("pricing/_promotion_checks.html", {"row": row})
    assert '<span class="badge danger" data-testid="blocked">2 个问题</span>' in html
    with translation.override("en"):
        html = render_to_string("pricing/_promotion_checks.html", {"row": {**row, "findings": [finding]}})
    assert ">1 finding</span>" in html
