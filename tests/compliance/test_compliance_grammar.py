"""Grammar rules: lexicons, claim frames around anchor hits, evidence in the item, spans over the claim."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.compliance.engine import Engine, RulePackError, check_items, check_text
from mallops.compliance.engine.rules import parse_pack


def rules_of(text: str, category: str = "general", field: str = "title") -> list[tuple[str, str, str]]:
    return [(f.rule, f.text, f.severity) for f in check_text(field, text, category)]


def claims_of(text: str, category: str = "general") -> set[tuple[str, str]]:
    return {(f.rule, f.text) for f in check_text("title", text, category) if f.claim}


@pytest.mark.req("R7.1.1")
@pytest.mark.parametrize(
    ("text", "category", "rule", "claim"),
    [
        ("桑叶茶 改善糖尿病症状", "food", "AD17-CLAIM-TREAT", "改善糖尿病"),
        ("颈椎按摩仪 颈椎病 一按就好", "electronics", "AD17-CLAIM-RESULT", "颈椎病 一按就好"),
        ("托玛琳围巾 颈椎病患者必备", "apparel", "AD17-CLAIM-RESULT", "颈椎病患者必备"),
        ("何首乌粉 重新长出头发", "food", "AD17-CLAIM-RESTORE", "重新长出头发"),
        ("VR眼罩 视力很快恢复 每天15分钟", "electronics", "AD17-CLAIM-RESTORE", "视力很快恢复"),
        ("冰箱 杀灭流感病毒", "electronics", "AD17-CLAIM-PATHOGEN", "杀灭流感病毒"),
        ("黄芪片 流感季节 病毒统统杀死", "food", "AD17-CLAIM-PATHOGEN", "病毒统统杀死"),
        ("刺梨汁 一杯顶十个苹果的维C", "food", "AD17-CLAIM-EQUIVALENT", "一杯顶十个"),
        ("苦瓜片 糖尿病人也能放心把药停了", "food", "AD17-CLAIM-DRUG", "把药停了"),
        ("电子血压计 三甲医院专家推荐", "medical_device", "AD-ENDORSE-MEDICAL", "三甲医院专家推荐"),
        ("茅台镇酱香酒 中南海供应", "food", "AD9-2-STATE", "中南海供应"),
        ("核桃粉 提升记忆力", "food", "AD17-CLAIM-BOOST", "提升记忆力"),
    ],
)
def test_claims_span_the_whole_claim(text: str, category: str, rule: str, claim: str) -> None:
    findings = check_text("title", text, category)
    spans = {(f.rule, f.text) for f in findings}
    assert (rule, claim) in spans
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    assert all(f.severity == "block" for f in findings if f.rule == rule)


@pytest.mark.parametrize(
    ("text", "category", "other"),
    [
        # statutory health-food warning
        ("保健食品不是药物 不能代替药物治疗疾病", "health_food", ""),
        # registered drug, device, special cosmetic, health food stating the registered use
        ("蒲地蓝消炎片 OTC 用于咽炎、扁桃体炎", "general", "国药准字Z20030095"),
        ("防脱洗发水 防脱发", "cosmetics", "国妆特字G20220987"),
        ("褪黑素胶囊 有助于改善睡眠", "health_food", "国食健注G2019"),
        ("电子血压计 用于高血压患者的血压测量", "medical_device", "械注准20192070123"),
        # optical prescription, traceability codes, usage steps, label text
        ("配镜服务 提供验光单后按处方加工", "general", ""),
        ("修护面霜 瓶底唯一溯源码 可查验真伪", "cosmetics", ""),
        ("PPSU奶瓶 首次使用前请煮沸消毒5分钟", "baby", ""),
        ("低糖饼干 不适宜人群:糖尿病患者", "food", ""),
        ("图书 糖尿病饮食指南 人民卫生出版社", "general", ""),
        ("HiFi耳机 发烧友必备", "electronics", ""),
        ("马丁靴 厚底 增高", "apparel", ""),
    ],
)
def test_required_and_instructional_text_is_not_a_claim(text: str, category: str, other: str) -> None:
    assert check_text("title", text, category, other_text=other) == []


def test_a_registration_does_not_excuse_outcome_promises_or_stopping_medicine() -> None:
    found = rules_of("电子血压计 械注准 配合使用后停掉了降压药", "medical_device")
    assert ("AD17-CLAIM-DRUG", "停掉了降压药", "block") in found
    device = {rule for rule, _, _ in rules_of("理疗贴 械备 3天治好滑膜炎", "medical_device")}
    assert "AD17-CLAIM-RESULT" in device


def test_a_disinfectant_registration_caps_kill_claims_at_review() -> None:
    assert rules_of("酒精喷雾 杀灭细菌", "home") == [
        ("AD17-CLAIM-PATHOGEN", "杀灭细菌", "block"),
        ("AD17-DISINFECTION", "杀灭细菌", "review"),
    ]
    [result] = check_items([{"id": "a", "title": "酒精喷雾 消字号 杀灭细菌", "category": "home"}])
    assert result["verdict"] == "review"
    [figure] = check_items([{"id": "b", "title": "奶瓶消毒液 消字号 杀菌99.9%", "category": "baby"}])
    assert figure["verdict"] == "review"
    [plain] = check_items([{"id": "c", "title": "84消毒片 消字号 用于物体表面消毒", "category": "home"}])
    assert plain["verdict"] == "pass"


def test_a_claim_keeps_the_word_finding_of_its_severity_inside_it() -> None:
    found = check_text("title", "治疗高血脂", "health_food")
    assert [(f.rule, f.text, f.claim) for f in found] == [
        ("AD17-DISEASE", "治疗", False),
        ("AD17-CLAIM-TREAT", "治疗高血脂", True),
    ]
    assert "claim" not in found[0].as_dict()


def test_frames_stay_inside_one_field() -> None:
    # the description's outcome must not complete a condition named at the end of the title
    [result] = check_items(
        [{"id": "a", "title": "按摩枕 颈椎", "description": "一按就好用", "category": "home"}]
    )
    assert result["verdict"] == "pass"


_LEXICON_PACK: dict[str, object] = {
    "pack": "t",
    "version": "1",
    "lexicons": {"ILL": ["感冒", "咳嗽"], "CURE": ["治好", "缓解"]},
    "rules": [
        {
            "id": "G-1",
            "severity": "block",
            "citation": {"law": "AD", "article": 17},
            "terms": ["@ILL"],
            "frames": [{"before": "{CURE}[^,]{0,3}$"}, {"after": "^就好"}],
        }
    ],
}


def test_lexicons_expand_into_anchors_and_frames() -> None:
    engine = Engine([parse_pack(_LEXICON_PACK, "t.yaml")])
    assert set(engine.patterns) == {"感冒", "咳嗽"}
    found = check_text("title", "姜茶 缓解感冒, 咳嗽就好 感冒季", engine=engine)
    assert [f.text for f in found] == ["缓解感冒", "咳嗽就好"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"terms": ["@NOPE"]}, "unknown lexicon 'NOPE'"),
        ({"frames": [{"before": "{NOPE}$"}]}, "unknown lexicon 'NOPE'"),
        ({"frames": []}, "frames is a non-empty list"),
        ({"frames": [{"middle": "x"}]}, "'before' and/or 'after'"),
        ({"frames": [{"after": "("}]}, "frame 0"),
        ({"window": 1000}, "window"),
    ],
)
def test_malformed_grammar_is_rejected(change: dict[str, object], message: str) -> None:
    rules = _LEXICON_PACK["rules"]
    assert isinstance(rules, list)
    pack = {**_LEXICON_PACK, "rules": [{**rules[0], **change}]}
    with pytest.raises(RulePackError, match=re.escape(message)):
        parse_pack(pack, "t.yaml")
    with pytest.raises(RulePackError, match="UPPER_CASE"):
        parse_pack({**_LEXICON_PACK, "lexicons": {"ill": ["感冒"]}}, "t.yaml")


_NOISE = st.text(alphabet="好的 了,。药病缓解就治", max_size=12)


@settings(max_examples=200, deadline=None)
@given(before=_NOISE, after=_NOISE)
def test_frames_match_a_simple_oracle(before: str, after: str) -> None:
    """A claim is found exactly where the oracle (regex over the clause) finds the frame."""
    engine = Engine([parse_pack(_LEXICON_PACK, "t.yaml")])
    text = before + "感冒" + after
    found = [f for f in check_text("title", text, engine=engine) if f.start <= len(before) < f.end]
    normalized_before = before.replace(" ", "")[-24:]
    normalized_after = after.replace(" ", "")[:24]
    expected = bool(re.search(r"(治好|缓解)[^,]{0,3}$", normalized_before)) or normalized_after.startswith(
        "就好"
    )
    assert bool(found) == expected
    for finding in found:
        assert text[finding.start : finding.end] == finding.text
        assert "感冒" in finding.text


@pytest.mark.req("R7.1.1")
@pytest.mark.parametrize(
    ("title", "description", "expected"),
    [
        # the period stated with 限时 in the description answers the title's 限时
        ("鼠标 限时特价 有线", "限时特价：12月7日20:00-24:00，每人限购1件", []),
        # no period anywhere: the title's 限时 is a review finding, and so is the description's
        (
            "鼠标 限时特价 有线",
            "限时特价，手慢无",
            [("title", "限时特价", "review"), ("description", "限时特价", "review")],
        ),
        # 控糖 is a health-function claim on food; 控糖期 (a diet) is not
        ("桑叶茶 控 糖 必 备", "", [("title", "控 糖", "block")]),
        ("全麦面包 控糖期 早餐", "", []),
    ],
)
def test_an_answered_claim_clears_the_item_and_sugar_control_is_a_claim(
    title: str, description: str, expected: list[tuple[str, str, str]]
) -> None:
    [result] = check_items([{"id": "1", "title": title, "description": description, "category": "food"}])
    assert [
        (f["field"], f["text"], f["severity"])
        for f in result["findings"]
        if f["rule"] in ("PROMO32-5-LIMITED-TIME", "AD17-FUNCTION")
    ] == expected
