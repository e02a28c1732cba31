"""Issue 17, round 6: classes fitted on the v7 fit half (odd ids), each on wording of its own.

Every case is new text (not an item of a labelled set). A class is the point: a pathogen or a condition the
lexicons do not list is read by its suffix, a measure word by its class, a disclaimer by its negating verb;
each family keeps a hard negative.
"""

from __future__ import annotations

import pytest

from mallops.compliance.engine import check_items

CASES = [
    # pathogens by suffix (杆菌, 球菌, 弧菌) and their end by any means (烫死, 吃掉, 一个不剩)
    ("home", "果蔬清洗机", "把菜叶上的副溶血性弧菌统统冲死烫死", "block"),
    ("food", "酸奶 发酵乳", "肠道里的坏杆菌被好菌一口吃掉", "block"),
    ("baby", "奶瓶 清洗剂", "洗完瓶身上的链球菌一个不剩", "block"),
    ("food", "酸奶 发酵乳", "含保加利亚乳杆菌和嗜热链球菌", "pass"),
    # a condition named by its suffix, then a cure; a joke or a word that names no condition is not one
    ("general", "观赏鱼 水质调节剂", "烂鳃病、肠炎病一瓶下去全治好", "block"),
    ("general", "多肉 营养土", "专治黑腐病", "block"),
    ("home", "收纳盒 分格", "强迫症福音，一次就好看", "pass"),
    ("electronics", "蓝牙耳机", "解决连接断开的小毛病，升级后就好了", "pass"),
    # a disclaimer by any negating verb
    ("food", "山药饼干", "这是零食，别指望它治胃病", "pass"),
    ("baby", "防蚊贴", "不能承诺防病，只减少叮咬", "pass"),
    ("food", "山药饼干", "养胃饼干，专治胃炎", "block"),
    # a question about medicine answered no; 免疫力 is not 免 (doing without)
    ("health_food", "鱼油 软胶囊", "Q：吃了能停药吗？A：不能，请遵医嘱。", "pass"),
    ("health_food", "蛋白粉 免疫力 不是药物", "国食健注G2026xxxx。保健功能：增强免疫力。", "pass"),
    ("health_food", "鱼油 软胶囊", "吃了三个月，降压药停了", "block"),
    # an ingredient's share written without brackets; a 100% promise is still one
    ("food", "冻干 鸭胸", "配料：鸭胸肉100%。", "pass"),
    ("food", "冻干 鸭胸", "100%有效，吃了就长肉", "block"),
    # flavour and trademark names, also typed with spaces in the title
    ("food", '"极致麻辣"味花生 200g', "口味：极致麻辣（口味名）", "pass"),
    ("cosmetics", "至臻 焕颜 精华", "「至臻焕颜」为本品牌注册商标。", "pass"),
    # measure words as a class (床, 双, 套)
    ("apparel", "羊毛袜 加厚", "一双顶五双棉袜", "block"),
    ("home", "四件套 纯棉", "一套四件：被套一床、床单一条、枕套两个", "pass"),
    # named after-sales programmes are checked against their rules page
    ("home", "沙发 布艺", "「安心坐」保修计划：三年内结构问题免费上门", "review"),
    # a cup size up after use; a size range is not a claim
    ("food", "木瓜粉 冲饮", "喝了三个月，胸部从B杯升到D杯", "block"),
    ("apparel", "无钢圈 内衣", "内衣从A到D杯都有，按下胸围选", "pass"),
    # used away (涂没, 按没); a biomarker going down (往下走); a list of functions restored together
    ("cosmetics", "紧致 霜", "每天按摩，拜拜肉、副乳都能揉没", "block"),
    ("electronics", "足浴盆 加热", "泡了一个月，血压、血脂一起往下走", "block"),
    ("food", "核桃 原味", "记性差、反应慢都能补回来", "block"),
    ("food", "核桃 原味", "每天五颗，香脆可口", "pass"),
    # an offer period as a clock range, also in Chinese numerals; 限时 alone is still a review
    ("food", "坚果礼盒", "活动时间：今晚八点到十点", "pass"),
    ("food", "坚果礼盒", "限时优惠，先到先得", "review"),
    # a sleep outcome of a drink
    ("food", "酸枣仁 茶", "睡前喝一杯，能睡到天亮", "block"),
    # goods on the device shelf that say they are no device get no device exemption
    ("medical_device", "护膝 加热 非医疗器械", "戴一个月老寒腿全好", "block"),
    ("medical_device", "防护口罩（非医用）", "滤层把流感病毒统统杀死", "block"),
    ("medical_device", "医用外科口罩 械注准", "细菌过滤效率≥95%", "pass"),
]


@pytest.mark.parametrize(("category", "title", "description", "expected"), CASES)
def test_round6_classes(category: str, title: str, description: str, expected: str) -> None:
    item = {"id": "x", "title": title, "description": description, "category": category}
    assert check_items([item])[0]["verdict"] == expected


@pytest.mark.req("R7.1.1")
def test_a_condition_read_by_its_suffix_spans_the_claim_and_cites_its_article() -> None:
    item = {"id": "x", "title": "多肉 营养土", "description": "专治黑腐病", "category": "general"}
    [finding] = check_items([item])[0]["findings"]
    assert (finding["rule"], finding["text"], finding["basis"]) == (
        "AD17-CLAIM-DISEASE-CLASS",
        "专治黑腐病",
        "广告法第十七条",
    )


def test_a_listed_condition_is_found_once_not_again_by_its_suffix() -> None:
    item = {"id": "x", "title": "护膝", "description": "根治关节炎", "category": "general"}
    rules = [finding["rule"] for finding in check_items([item])[0]["findings"]]
    assert "AD17-CLAIM-DISEASE-CLASS" not in rules
    assert rules != []
