"""Issue 17, round 9: classes fitted on v9 dev (FIT) and kept only where v8 dev (CHECK) did not fall.

Every case is new wording (not an item of a labelled set). Precision has to come from the rules (the
second opinion only adds findings), so most classes here are text the law requires or that is plainly
not a claim: disclaimers whose negating verb governs a list, referrals to a doctor, legal limits of a
substance, positions and caps written with 最, shares in a recipe, codes, absent reference prices. Each
family keeps a case that must still be found.
"""

from __future__ import annotations

import pytest

from mallops.compliance.engine import check_items

CASES = [
    # a disclaimer whose negating verb governs a list (不具有…或治疗功效, 不能作为诊断或治疗依据)
    ("apparel", "收腹 打底裤", "仅修饰线条，不具有瘦身或治疗作用。", "pass"),
    ("electronics", "智能体脂秤", "测量结果不能作为诊断或治疗依据，仅供参考。", "pass"),
    ("general", "线上 营养咨询", "本服务不涉及诊断和药物治疗。", "pass"),
    ("food", "酵素饮 果蔬", "喝一个月能治疗便秘。", "block"),
    # a referral leaves the treatment to a doctor
    ("general", "家庭 急救手册", "常见外伤处理图解，具体治疗请遵医嘱。", "pass"),
    ("food", "代餐粉", "替代药物治疗胃病，请放心。", "block"),
    # a negated replacement of a treatment, and a buyer's question answered no
    ("food", "营养 蛋白粉", "术后营养补充，本品不代替医院的治疗。", "pass"),
    ("health_food", "鱼油 软胶囊 国食健注", "问：可以替代他汀吗？答：不可以，请遵医嘱。", "pass"),
    ("food", "纳豆 冻干粉", "可以代替他汀，血管干干净净。", "block"),
    # a referral to a doctor's advice or prescription is no endorsement
    ("baby", "婴儿 益生菌滴剂", "是否添加请按照儿科医生建议。", "pass"),
    ("medical_device", "医用 雾化杯 械备", "药物是医生开的，雾化杯只负责雾化。", "pass"),
    ("baby", "婴儿 益生菌滴剂", "儿科医生都在用，放心买。", "block"),
    # a device use step that handles the medicine is usage text
    ("medical_device", "家用 雾化器 械备", "使用：先把药液加入药杯，再连接面罩。", "pass"),
    ("food", "山楂 茶包", "喝了它，把药停了也没事。", "block"),
    # malware is no pathogen; a registered veterinary drug states its approved use
    ("electronics", "安全卫士 年卡", "查杀电脑病毒和木马，保护网银。", "pass"),
    ("general", "犬用 驱虫片", "兽药字xxxx。用于杀灭犬体内蛔虫（按说明书）。", "pass"),
    ("general", "宠物 香波", "洗一次就杀灭体表寄生虫。", "block"),
    # a registered pesticide may name its class (杀菌剂)
    ("general", "柑橘 杀菌剂 代森锰锌", "农药登记证号PD2026xxxx。防治柑橘炭疽病。", "pass"),
    # 限量 as a legal limit of a substance, not scarcity
    ("cosmetics", "果酸 身体乳", "果酸在规范限量以内，敏感肌先试用。", "pass"),
    ("food", "腌制 萝卜干", "铅含量低于国标限量。", "pass"),
    ("food", "腌制 萝卜干", "限量供应，手慢无。", "review"),
    # 最 as a position, a mark on the goods, a cap per unit, the cheapest item of an offer
    ("home", "电饭煲 3升", "防伪标签贴在机身最底部。", "pass"),
    ("electronics", "养生壶 1.5升", "加水不要超过最高水位线。", "pass"),
    ("electronics", "空调 以旧换新", "补贴比例20%，每台最高1500元。", "pass"),
    ("home", "收纳盒 三只装", "买三送一，送价格最低的那件。", "pass"),
    ("health_food", "肌酸 粉", "每天最多三勺，训练前后喝。", "pass"),
    ("home", "收纳盒 三只装", "全网最低价，最好用的收纳盒。", "block"),
    # 100% as one share in a recipe or an ingredient list under a heading; a brand said to be one
    ("food", "吐司 预拌粉", "配比：面粉100%、牛奶60%、黄油8%。", "pass"),
    ("food", "冻干 芒果", "【配料】芒果（100%）", "pass"),
    ("general", "凤凰 自行车 复古", "车标：凤凰（老牌子）。", "pass"),
    ("food", "冻干 芒果", "100%有效，孩子吃了不挑食。", "block"),
    # codes the goods carry; a standard's geographical indication
    ("apparel", "篮球鞋 鉴定款", "附鉴定证书，唯一验真码可查。", "pass"),
    ("food", "西湖龙井 明前", "执行地理标志产品标准，二级。", "pass"),
    ("food", "西湖龙井 明前", "荣获国际金奖。", "review"),
    # a reference price that does not exist, however it is said
    ("food", "赣南脐橙 10斤", "价格就是页面价，并无划线价。", "pass"),
    ("food", "赣南脐橙 10斤", "没有任何原价对比，全年一个价。", "pass"),
    ("food", "赣南脐橙 10斤", "原价99，今天59。", "review"),
    # a kind of meal is not a function; the goods said to make one lose fat are
    ("food", "即食 鸡胸肉", "健身党#减脂餐 必备。", "pass"),
    ("food", "即食 鸡胸肉", "吃它减脂快。", "block"),
    # misses by family. Killing a pathogen by more verbs, a longer way from the verb to the pathogen
    ("food", "蒜蓉酱", "吃这个能打掉胃里的幽门螺杆菌", "block"),
    ("home", "洗衣凝珠", "衣服上的金黄色葡萄球菌全部清除", "block"),
    # a past without illness is a prevention claim
    ("food", "红枣 枸杞茶", "喝了一年，一家人没感冒没发烧", "block"),
    # state organs and officials: goods sent to them, praise and naming told as a story
    ("food", "手撕 牛肉干", "这批牛肉还送到北京的机关大院给首长们品尝", "block"),
    ("electronics", "运动相机", "部委领导看了都说好", "block"),
    # the formula or the design credited to a medical professional or faculty
    ("cosmetics", "祛痘 精华", "医学部的教授配的方子", "block"),
    ("apparel", "矫姿带 背部", "骨科的主任给我们做的设计", "block"),
    # a platform's sales ranking is a sales fact a person checks, even dated
    ("food", "燕麦片 即食", "京东燕麦热卖榜第2名（2026年10月）", "review"),
    # a nutrient set equal to a quantity of another food
    ("food", "酸枣粉", "维C抵得上十斤橙子", "block"),
    # pass guarantees worded as fees or a contract; compensation if it fails
    ("general", "驾校 C1 培训", "签约保过，不过不收钱", "block"),
    ("general", "英语 网课", "无效十倍赔付", "block"),
    ("home", "拉杆箱", "运输破损包赔，放心购", "pass"),
    # a device: never coming back is an efficacy assurance; without its registration no exemption
    ("medical_device", "护膝 加热", "老寒腿再也不复发", "block"),
    ("medical_device", "艾灸贴 颈肩", "缓解关节疼痛，预防中风", "block"),
    ("medical_device", "电子 理疗仪", "国械注准2026xxxx。适用范围：缓解关节疼痛。", "pass"),
    # a kill figure on any shelf, also as a log reduction
    ("medical_device", "酒精棉片 消字号", "杀灭对数值≥5.00（检测报告编号xxxx）", "review"),
    # a counted last few in any measure word; the last shipping batch is a time fact
    ("home", "老式 沙发", "最后两张，卖完就没了", "review"),
    ("food", "若羌 灰枣", "年前最后一批发货，12月20日截止", "pass"),
    # a laboratory named by country, not by its report
    ("apparel", "加绒 保暖裤", "英国实验室证明体温升高2℃", "block"),
    # children's attention conditions, vessels opened, no longer getting up at night
    ("food", "山楂丸", "吃了半年，孩子多动都没了", "block"),
    ("electronics", "足浴盆 加热", "泡了一个月血管通了", "block"),
    # a reading back to a value, a size lost in Chinese numerals, a cure or a kill a clause after the use
    ("food", "枸杞 原浆", "血压从一百六回到了一百二", "block"),
    ("apparel", "收腹带", "绑了一周，腰围小两寸", "block"),
    ("food", "韩式 泡菜", "那个幽门的细菌，吃这个泡菜一个月就给它灭了", "block"),
    ("medical_device", "膏药贴 颈肩", "滑膜炎，一贴就消肿", "block"),
    # the same claims in English, whole words only
    ("food", "green tea", "Boosts immunity and fights off colds", "block"),
    ("cosmetics", "Face cream", "Recommended by dermatologists", "block"),
    ("home", "manicure set", "Secure case, pedicure kit", "pass"),
    ("food", "beef jerky", "Cured beef, smoked", "pass"),
]


@pytest.mark.req("R7.1.1")
@pytest.mark.parametrize(("category", "title", "description", "expected"), CASES)
def test_round9_classes(category: str, title: str, description: str, expected: str) -> None:
    # given one listing of new wording
    item = {"id": "r9", "category": category, "title": title, "description": description}
    # when the rules check it (the second opinion is off for rule tests, see conftest.py)
    verdict = check_items([item])[0]["verdict"]
    # then the verdict is the class's
    assert verdict == expected
