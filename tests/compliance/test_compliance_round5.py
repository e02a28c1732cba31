"""Issue 17, round 5: the pattern families fitted on the v6 development set, each on wording of its own.

Every case is new text (not an item of a labelled set): a family is fixed when variants of it the set
does not hold behave, and its hard negatives still do.
"""

from __future__ import annotations

import gc

import pytest

from mallops.compliance.engine import check_items
from mallops.compliance.engine.normalize import normalize

CASES = [
    # a reference price with its 7-day basis however the window is written, before or after it
    ("food", "核桃仁 500g", "划线价为近7天最低成交价59元，活动价49元", "pass"),
    ("food", "核桃仁 500g", "近七日最低成交价59元即划线价", "pass"),
    ("electronics", "平板电脑 教育优惠", "教育优惠价2999元（官网零售价3299元）", "pass"),
    ("electronics", "二手 相机", "二手机器，不设划线价，按成色定价", "pass"),
    ("food", "核桃仁 500g", "原价99元，现价49元", "review"),
    # a wish to do one's best is an attitude; the goods said to be the best are a claim
    ("home", "陶瓷杯 手作", "我们想把每只杯子都做到最好", "pass"),
    ("home", "陶瓷杯 手作", "这款杯子做到最好", "block"),
    # a series name in ASCII quotes
    ("home", '落地钟 "绝对静音"系列', "机芯静音", "pass"),
    # 处方 in an optical or storage sense; the goods presented as a prescription
    ("apparel", "防蓝光眼镜 可凭处方配镜", "按验光单加工", "pass"),
    ("home", "药箱 家用 大容量", "分层存放处方药、外用药", "pass"),
    ("general", "宠物猫粮 处方级", "泌尿护理", "block"),
    # an ordinal with the counter of a harvest; a rank is a claim
    ("food", "新米 五常 第一茬", "2026年10月收割", "pass"),
    ("food", "大米 行业第一", "口感好", "block"),
    # an identifier; the tip of a thing; a measured maximum with its figure
    ("general", "名表 二手", "附唯一防伪编码，可官网查询", "pass"),
    ("general", "中性笔 0.5mm", "书写时笔的尖端朝下", "pass"),
    ("electronics", "手机 尖端科技", "旗舰芯片", "block"),
    ("general", "轮胎 16寸", "载重指数91，最大负荷615kg", "pass"),
    # one unit of ordinary goods said to equal several of another product
    ("electronics", "空气炸锅 5L", "一台顶三台烤箱", "block"),
    ("apparel", "羊绒衫 男", "一件羊绒衫=三件毛衣的保暖", "block"),
    ("food", "矿泉水 整箱", "1箱=24瓶，每瓶550ml", "pass"),
    # a buyer's question answered no, a referral and a disclaimer are not claims; answered yes it is
    ("food", "蜂蜜 500g", "问：能治胃病吗？答：不能，蜂蜜是普通食品", "pass"),
    ("food", "蜂蜜 500g", "问：能治胃病吗？答：能，喝一个月就好", "block"),
    ("cosmetics", "烫伤膏", "烫伤起泡请及时就医治疗", "pass"),
    ("cosmetics", "芦荟胶", "本品不能代替治疗", "pass"),
    # a hedge on a measured figure names no source; an internal test is a source to check
    ("food", "西瓜 8424", "甜度11-13度（以实测为准）", "pass"),
    ("electronics", "充电宝", "续航20小时（企业自检）", "review"),
    # an offer period in Chinese numerals, also a clause after 限时; a battery reading is no promise
    ("food", "混合坚果 限时", "限时价五十九元，从十二月一号到三号", "pass"),
    ("food", "混合坚果 限时", "活动时间二〇二六年十二月一日至三日，第二件半价", "pass"),
    ("electronics", "二手 平板", "电池健康度100%", "pass"),
    # posture and body shape, exam and learning guarantees, a prize lure
    ("home", "坐垫 办公室", "坐三个月骨盆就回正了", "block"),
    ("general", "省考 笔试 冲刺班", "包上岸，名额有限", "block"),
    ("general", "少儿编程 网课", "学不会全额退款", "block"),
    ("baby", "点读笔 英语", "保证5岁能说300个单词", "block"),
    ("general", "扫地机", "恭喜你抽中一台扫地机，点击领取", "block"),
    # cancers by organ, cosmetic injections, developmental conditions (注意力 is no 注意事项)
    ("food", "绿茶 罐装", "常喝预防肺癌", "block"),
    ("cosmetics", "精华液 美白", "效果堪比美白针", "block"),
    ("baby", "鱼油 儿童", "多动症孩子必备", "block"),
    ("baby", "鱼油 儿童", "注意事项：哮喘患者慎用", "pass"),
    # a registered device restoring a body function goes beyond its registered use
    ("medical_device", "助听器 耳背式", "国械注准2026xxxx。戴三个月听神经修复", "block"),
    ("electronics", "护眼台灯", "用了半年近视从300度降到150度", "block"),
]


@pytest.mark.parametrize(("category", "title", "description", "expected"), CASES)
def test_round5_families(category: str, title: str, description: str, expected: str) -> None:
    item = {"id": "x", "title": title, "description": description, "category": category}
    assert check_items([item])[0]["verdict"] == expected


@pytest.mark.req("R7.1.1")
@pytest.mark.parametrize(
    ("category", "basis"),
    [
        ("electronics", "广告法第二十八条第二款第（二）项"),
        ("food", "广告法第十七条"),
        ("health_food", "广告法第十八条第一款第（四）项"),
    ],
)
def test_an_equivalence_claim_cites_the_article_for_its_category(category: str, basis: str) -> None:
    item = {"id": "x", "title": "家用 多功能", "description": "一台顶三台", "category": category}
    [finding] = check_items([item])[0]["findings"]
    assert (finding["rule"], finding["text"], finding["basis"]) == (
        "AD17-CLAIM-EQUIVALENT",
        "一台顶三台",
        basis,
    )


@pytest.mark.parametrize("text", ["最 好的保温杯，限时 特价！", "𠮷野家 最好吃的 牛肉饭", "血🍬稳了 最好"])
def test_the_window_slicer_cuts_what_slice_cuts(text: str) -> None:
    normalized = normalize(text)
    window = normalized.slicer()
    for start in range(-3, normalized.size + 3):
        for end in range(-1, normalized.size + 4):
            assert window(start, end) == normalized.slice(start, end)


def test_a_batch_leaves_the_garbage_collector_as_it_found_it() -> None:
    item = {"id": "x", "title": "最好的保温杯", "description": "", "category": "home"}
    assert gc.isenabled()
    check_items([item])
    assert gc.isenabled()
    gc.disable()
    try:
        check_items([item])
        assert not gc.isenabled()
    finally:
        gc.enable()
