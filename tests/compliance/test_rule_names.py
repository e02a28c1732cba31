"""Every rule id the console can show has a name in both languages (issue 14: no rule id on a page)."""

from __future__ import annotations

from django.utils import translation

from mallops.compliance.engine.rules import load_packs
from mallops.compliance.labels import RULE


def test_every_pack_rule_has_a_console_name() -> None:
    missing = sorted(rule.id for pack in load_packs() for rule in pack.rules if rule.id not in RULE)
    assert missing == []


def test_rule_names_are_chinese_in_zh_hans_and_english_in_en() -> None:
    with translation.override("zh-hans"):
        assert str(RULE["AD11-DATA-SOURCE"]) == "数据或研究结论未标明出处"
    with translation.override("en"):
        assert str(RULE["AD11-DATA-SOURCE"]) == "Data or research claim without a source"
