"""Issue 17, round 4: the pattern families fitted on the v5 development set, each on wording of its own.

Every case is new text (not an item of a labelled set). The pinyin table must cover every character of
the rules that match pinyin spellings, or those spellings would silently go unmatched.
"""

from __future__ import annotations

import pytest

from mallops.compliance.engine import check_items
from mallops.compliance.engine.rules import load_packs, pinyin_spellings, pinyin_table

CASES = [
    # pinyin for one character of a function word or a condition; a pinyin word alone is not a hit
    ("food", "桑叶茶 袋泡", "长期喝能降xue压", "block"),
    ("general", "英文绘本 xueya", "Xueya is the name of the bear in this story.", "pass"),
    # a cure told as a story a clause after the condition
    ("general", "宠物狗粮 成犬", "狗狗犬瘟热，打针没好，换成这个粮半个月就好了", "block"),
    ("home", "电热护膝 老人", "膝关节炎贴两周就能爬楼了", "block"),
    # a blood count said to rise, a reading said to be steady
    ("food", "红枣枸杞茶", "放疗后血小板低，喝一周血小板就升上来了", "block"),
    # one unit set equal to a quantity of another food; a pack size is not
    ("food", "纳豆粉 冲饮", "一勺纳豆粉=十盒纳豆", "block"),
    ("food", "矿泉水 整箱", "1箱=24瓶，每瓶550ml", "pass"),
    # a counted last few is checked against the stock; the last picture of a page is not a count
    ("electronics", "蓝牙耳机 降噪", "最后5台，卖完下架", "review"),
    ("food", "大米 5kg", "检测报告见详情页最后一张图", "pass"),
    # a promised result with a figure, a refund if it fails; a disclaimer is not a promise
    ("general", "英语网课 四级", "保证四级一次过线，考不过全额退费", "block"),
    ("general", "考研网课 数学", "我们不承诺提分，课程以讲义为准", "pass"),
    # negation scope, an ordinal list, storage advice
    ("home", "除湿盒 衣柜", "本品为氯化钙吸湿剂，非消毒产品，没有抑菌作用", "pass"),
    ("baby", "育儿书 0-3岁", "按第一年、第二年、第三年分章", "pass"),
    ("food", "鲜榨橙汁 冷链", "开瓶后24小时内饮用风味最好", "pass"),
    # a test stated with its conditions, internal order statistics
    ("home", "保温杯 500ml", "保温实测12小时（室温25℃环境下测试，热水初温95℃）", "pass"),
    ("home", "收纳箱 大号", "8成客户回购（本店订单统计）", "review"),
]


@pytest.mark.req("R1.4.1")
@pytest.mark.parametrize(("category", "title", "description", "expected"), CASES)
def test_round4_families(category: str, title: str, description: str, expected: str) -> None:
    [result] = check_items([{"id": "x", "category": category, "title": title, "description": description}])
    assert result["verdict"] == expected, result["findings"]


def test_pinyin_spellings_keep_one_chinese_character() -> None:
    spellings = pinyin_spellings("降血糖")
    assert {"降xue糖", "jiang血糖", "降血tang", "jiangxue糖", "降xuetang"} <= set(spellings)
    assert "jiangxuetang" not in spellings
    assert all(any("\u4e00" <= char <= "\u9fff" for char in spelling) for spelling in spellings)
    assert pinyin_spellings("癣") == []


def test_the_pinyin_table_covers_every_word_of_a_pinyin_rule() -> None:
    rules = [rule for pack in load_packs() for rule in pack.rules if rule.pinyin_spellings]
    assert {rule.id for rule in rules} >= {"AD17-FUNCTION", "AD17-CLAIM-TREAT", "AD17-CLAIM-RESULT"}
    table = pinyin_table()
    characters = {
        char for rule in rules for term in rule.terms for char in term if "\u4e00" <= char <= "\u9fff"
    }
    assert sorted(characters - set(table)) == []
