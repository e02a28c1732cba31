"""Issue 17: the pattern families fitted on the v4 development set, each on wording of its own.

Every case is new text (not an item of a labelled set): the rule must hold for the family, not for the
sentence it was fitted on.
"""

from __future__ import annotations

import pytest

from mallops.compliance.engine import check_items

CASES = [
    # equivalence with doses or sessions of a treatment ("=" is a filler)
    ("general", "足浴盆 家用 加热", "泡一次=3次针灸理疗", "block"),
    ("cosmetics", "眼霜 紧致", "在家涂和医院做的效果一模一样", "block"),
    # pinyin 最
    ("food", "手工红糖", "这款是全网口碑zui好的红糖", "block"),
    # height gained, with its figure
    ("baby", "儿童跳绳 计数", "坚持跳三个月，孩子多长4厘米", "block"),
    # a quoted name the item says is a trademark or series
    ("general", "“巅峰”系列 登山杖 碳素", "“巅峰”为本厂注册商标，杖重210g。", "pass"),
    # a measured extreme with its figure
    ("home", "空气净化器 卧室", "最大净化量：400m³/h（依据GB/T 18801测试）", "pass"),
    ("home", "空气净化器 客厅", "全网最低399元，最大的优惠", "block"),
    # an identifier, an ordinal with a counter, a contents list without medicine
    ("apparel", "跑步鞋 男款", "鞋盒内附唯一出厂编号", "pass"),
    ("electronics", "净水器 厨下", "第一级PP棉滤芯建议6个月更换", "pass"),
    ("general", "急救包 车载", "内含绷带2卷、剪刀1把（不含药品）", "pass"),
    # a sold-out-then-wait statement is checked against the stock
    ("electronics", "显卡 电竞", "首批到货30片，卖完需等下个月", "review"),
]


@pytest.mark.parametrize(("category", "title", "description", "expected"), CASES)
def test_generalised_families(category: str, title: str, description: str, expected: str) -> None:
    [result] = check_items([{"id": "x", "category": category, "title": title, "description": description}])
    assert result["verdict"] == expected, result["findings"]
