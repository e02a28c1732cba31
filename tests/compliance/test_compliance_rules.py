"""Rule packs: each pack's terms, allowed contexts, category semantics and citations."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mallops.compliance.engine import (
    Engine,
    RulePackError,
    check_items,
    check_text,
    default_engine,
    load_packs,
)
from mallops.compliance.engine.rules import PACKS_DIR, Citation, chinese_number, parse_pack


def rules_of(text: str, category: str = "general", field: str = "title") -> list[tuple[str, str, str]]:
    return [(f.rule, f.text, f.severity) for f in check_text(field, text, category)]


@pytest.mark.req("R7.1.1")
def test_every_pack_is_versioned_and_every_rule_cites_a_law_article() -> None:
    packs = load_packs()
    assert {pack.name for pack in packs} >= {
        "ad_absolute", "ad_first_only", "ad_guarantee", "ad_authority", "ad_medical",
        "promo_urgency", "price_reference", "ad_data",
    }  # fmt: skip
    for path in PACKS_DIR.glob("*.yaml"):
        assert "version" in yaml.safe_load(path.read_text(encoding="utf-8"))
    for pack in packs:
        assert pack.version
        for rule in pack.rules:
            assert rule.citation.law in {"AD", "PRICE56", "PROMO32"}
            assert rule.citation.basis.endswith(("条", "项", "款"))


@pytest.mark.req("R7.1.1")
@pytest.mark.parametrize(
    ("citation", "basis"),
    [
        (Citation("AD", 9, item=3), "广告法第九条第（三）项"),
        (Citation("AD", 17), "广告法第十七条"),
        (Citation("AD", 28, paragraph=2, item=2), "广告法第二十八条第二款第（二）项"),
        (Citation("PRICE56", 16), "明码标价和禁止价格欺诈规定第十六条"),
        (Citation("PROMO32", 5), "规范促销行为暂行规定第五条"),
        (Citation("AD", 11, paragraph=2), "广告法第十一条第二款"),
    ],
)
def test_basis_is_the_chinese_citation(citation: Citation, basis: str) -> None:
    assert citation.basis == basis


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 11, 17, 20, 28, 99)] == [
        "一", "九", "十", "十一", "十七", "二十", "二十八", "九十九",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="1 to 99"):
        chinese_number(100)


@pytest.mark.req("R1.4.1")
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("最好的纯棉T恤", "AD9-3-SUPERLATIVE-ZUI"),
        ("音质最 好", "AD9-3-SUPERLATIVE-ZUI"),
        ("最.佳.口.感", "AD9-3-SUPERLATIVE-ZUI"),
        ("極致奢華", "AD9-3-SUPERLATIVE-TOP"),
        ("世界级工艺", "AD9-3-LEVEL"),
        ("ＮＯ．１品牌", "AD9-3-FIRST"),
        ("TOP 1 品质", "AD9-3-FIRST"),
        ("销量第一", "AD9-3-FIRST"),
        ("独一无二的设计", "AD9-3-ONLY"),
        ("100%正品", "AD28-GUARANTEE-ABSOLUTE"),
        ("永不褪色", "AD28-GUARANTEE-ABSOLUTE"),
        ("7天见效", "AD28-GUARANTEE-EFFICACY"),
        ("国宴专用", "AD9-2-AUTHORITY"),
        ("驰名商标", "AD9-2-AUTHORITY"),
        ("治疗失眠", "AD17-DISEASE"),
        ("瘦身燃脂", "AD17-FUNCTION"),
        ("随时涨价", "PRICE56-19-URGENCY"),
        ("恭喜您中奖", "PROMO32-5-LURE"),
        ("全网最低价", "PRICE56-19-LOWEST"),
    ],
)
def test_blocking_terms(text: str, rule: str) -> None:
    findings = check_text("title", text, "general")
    assert (rule, "block") in {(f.rule, f.severity) for f in findings}


@pytest.mark.req("R1.4.1")
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("原价199 现价99", "PRICE56-16-REFERENCE"),
        ("限时特价", "PROMO32-5-LIMITED-TIME"),
        ("仅剩3件", "PROMO32-5-STOCK"),
        ("好评率99%", "AD11-DATA-SOURCE"),
        ("高温杀菌", "AD17-DISINFECTION"),
        ("最新款", "AD9-3-SUPERLATIVE-ZUI"),
        ("满300最高可减50", "AD9-3-SUPERLATIVE-ZUI"),
        ("独家授权", "AD9-3-ONLY"),
        ("纯天然", "AD28-NATURAL"),
        ("酒店专供", "AD9-2-AUTHORITY"),
    ],
)
def test_review_terms(text: str, rule: str) -> None:
    assert rules_of(text) == [(rule, rules_of(text)[0][1], "review")]


@pytest.mark.parametrize(
    "text",
    [
        "最近上新", "回归最初的味道", "最终解释权归本店所有", "活动最后一天", "每单最多可用2张",
        "最佳赏味期15天", "开封后最好在3天内食用", "最大功率2000W", "最高支持8K", "最低温度-20℃",
        "护肤第一步", "第一次使用", "第一件全价第二件半价", "第一时间发货", "第1步连接电源", "iPad 第10代",
        "唯一码", "每件附唯一标识", "一级能效", "特级初榨橄榄油", "明前特级", "100%棉", "１００％ 纯棉",
        "面料：棉100%", "成分：聚酯纤维100%", "羊绒含量100%", "100%果汁", "内增高小白鞋", "显示器增高架",
        "益智玩具", "万能充", "万能胶", "绝对值编码器", "独特供应链", "厂商建议零售价", "巴氏杀菌鲜牛奶",
        "限时特惠 6月1日-6月3日", "限时折扣 截止12月31日", "限量版", "Laptop 1TB", "TOP 10", "型号NO.15",
        "完美日记口红", "永久牌自行车",
    ],
)  # fmt: skip
def test_allowed_contexts_are_not_findings(text: str) -> None:
    assert rules_of(text) == []


def test_enumerations_and_advice_in_descriptions_are_not_claims() -> None:
    text = "第一，面料柔软透气；第二，做工精细。建议最好拍大一码，唯一的缺点是有点重。"
    assert rules_of(text, field="description") == []
    # the same words as claims still count; "^" contexts need a field start or punctuation before them
    assert rules_of("口碑第一，做工精细", field="description") == [("AD9-3-FIRST", "第一", "block")]
    assert rules_of("销量第一，值得信赖", field="description") == [("AD9-3-FIRST", "销量第一", "block")]
    assert rules_of("第一") == [("AD9-3-FIRST", "第一", "block")]
    assert rules_of("最好的选择", field="description") == [("AD9-3-SUPERLATIVE-ZUI", "最好", "block")]


def test_word_boundaries_use_the_original_text() -> None:
    assert rules_of("投影仪 NO.1 1080P") == [("AD9-3-FIRST", "NO.1", "block")]
    assert rules_of("desktop 1TB") == []
    assert rules_of("TOP 1 0 款") == [("AD9-3-FIRST", "TOP 1", "block")]


@pytest.mark.req("R7.1.1")
def test_medical_rules_follow_the_category() -> None:
    # Art. 17 does not apply to medical devices; their efficacy assurances fall under Art. 16
    assert rules_of("远红外理疗仪 治疗颈椎", "medical_device") == []
    assert rules_of("医用外科口罩", "medical_device") == []
    assert rules_of("医用级硅胶奶瓶", "baby") == [("AD17-DISEASE", "医用级", "block")]
    device = check_text("title", "根治颈椎病", "medical_device")
    # the word finding and the claim around it (grammar rules) all cite Art. 16(1)(1); round 9: a device
    # without its registration in the item gets no treatment exemption (AD17-CLAIM-TREAT)
    assert [(f.rule, f.text, f.basis) for f in device] == [
        ("AD28-GUARANTEE-EFFICACY", "根治", "广告法第十六条第一款第（一）项"),
        ("AD17-CLAIM-RESULT", "根治颈椎病", "广告法第十六条第一款第（一）项"),
        ("AD17-CLAIM-TREAT", "根治颈椎病", "广告法第十六条第一款第（一）项"),
    ]
    # health food: a function claim needs the approval check (review), disease claims block under Art. 18
    immune = check_text("title", "增强免疫力", "health_food")
    assert [(f.severity, f.basis) for f in immune] == [("review", "广告法第十八条第一款第（一）项")]
    assert rules_of("增强免疫力", "food") == [("AD17-FUNCTION", "增强免疫力", "block")]
    cure = check_text("title", "治疗高血脂", "health_food")
    assert {(f.severity, f.basis) for f in cure} == {("block", "广告法第十八条第一款第（二）项")}
    assert [f.text for f in cure] == ["治疗", "治疗高血脂"]
    assert rules_of("本品不能代替药物", "health_food") == []
    assert rules_of("可替代药物", "health_food") == [("AD18-DRUG-SUBSTITUTE", "替代药物", "block")]


def test_disinfectant_registration_anywhere_in_the_item_clears_sterilising_claims() -> None:
    assert rules_of("84消毒液 消字号 杀菌") == []
    assert check_text("title", "高温杀菌 洗碗机", "electronics", other_text="卫消证字(2023)第0001号") == []
    assert rules_of("高温杀菌 洗碗机", "electronics") == [("AD17-DISINFECTION", "杀菌", "review")]
    [result] = check_items([{"id": "a", "title": "酒精湿巾 杀菌", "description": "消字号产品"}])
    assert result["verdict"] == "pass"


def test_contained_findings_collapse_into_the_longer_one() -> None:
    assert rules_of("史上最低价") == [("PRICE56-19-LOWEST", "史上最低价", "block")]
    assert rules_of("最好") == [("AD9-3-SUPERLATIVE-ZUI", "最好", "block")]


def test_rules_limited_to_a_field_and_traditional_script() -> None:
    assert rules_of("錯過再等一年", field="description") == [("PRICE56-19-URGENCY", "錯過再等一年", "block")]


def _pack(rule: dict[str, object]) -> dict[str, object]:
    return {"pack": "t", "version": "1", "rules": [rule]}


_BASE: dict[str, object] = {
    "id": "X-1",
    "severity": "block",
    "citation": {"law": "AD", "article": 9, "item": 3},
    "terms": ["极好"],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"severity": "warn"}, "severity must be block or review"),
        ({"citation": {"law": "XX", "article": 1}}, "citation needs law"),
        ({"terms": []}, "no terms"),
        ({"terms": [" . "]}, "empty after normalisation"),
        ({"fields": ["body"]}, "fields must be title"),
        ({"categories_exclude": ["toys"]}, "unknown categories"),
        ({"allow_after": ["("]}, "allow_after"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_malformed_packs_are_rejected_with_the_rule_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(RulePackError, match=message):
        parse_pack(_pack({**_BASE, **change}), "t.yaml")


def test_duplicate_rule_ids_are_rejected(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(_pack(_BASE)), encoding="utf-8")
    with pytest.raises(RulePackError, match="duplicate rule id X-1"):
        load_packs(sorted(tmp_path.glob("*.yaml")))


def test_engine_from_custom_pack(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        yaml.safe_dump(_pack({**_BASE, "allow": ["极好的天气"]}), allow_unicode=True), encoding="utf-8"
    )
    engine = Engine(load_packs([path]))
    assert [f.rule for f in check_text("title", "极好 极好的天气", engine=engine)] == ["X-1"]
    assert engine.pattern_count == 2
    assert default_engine() is default_engine()
