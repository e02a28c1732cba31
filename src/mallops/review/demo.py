"""Demo data: ~40 products of the five demo merchants, with listings live, waiting, rejected or draft.

Idempotent: products are keyed by ``external_code`` per merchant; a second run creates nothing.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, User
from mallops.catalogue import fixtures
from mallops.catalogue import selectors as catalogue_selectors
from mallops.catalogue.contracts import SkuInput
from mallops.catalogue.services import certificate_create, product_create
from mallops.core.actors import SYSTEM
from mallops.review import services

# merchant name -> [(code, category, title, selling point, (spec name, values), base price yuan, outcome)]
# outcome: live | queued | violation | draft
CATALOGUE: dict[str, list[tuple[str, str, str, str, tuple[str, list[str]], int, str]]] = {
    "鲜果时光旗舰店": [
        (
            "FR-001",
            "food-fresh",
            "赣南脐橙 新鲜当季水果 5斤装",
            "产地直发 果径75mm+",
            ("规格", ["5斤", "10斤"]),
            39,
            "live",
        ),
        (
            "FR-002",
            "food-fresh",
            "丹东99草莓 红颜奶油草莓 3斤",
            "冷链配送",
            ("规格", ["3斤", "5斤"]),
            89,
            "live",
        ),
        (
            "FR-003",
            "food-fresh",
            "云南蓝莓 鲜果 125g×4盒",
            "果径15mm+",
            ("规格", ["4盒", "8盒"]),
            59,
            "queued",
        ),
        (
            "FR-004",
            "food-snacks",
            "每日坚果混合果仁 750g 30包",
            "6种坚果果干",
            ("规格", ["30包", "60包"]),
            79,
            "live",
        ),
        (
            "FR-005",
            "food-snacks",
            "手工芝麻酥糖 老字号 400g",
            "传统工艺",
            ("口味", ["原味", "黑芝麻"]),
            29,
            "queued",
        ),
        (
            "FR-006",
            "food-snacks",
            "最好吃的牛肉干 治疗嘴馋 国家级工艺",
            "全网最低价",
            ("口味", ["五香", "麻辣"]),
            49,
            "violation",
        ),
        ("FR-007", "health_food", "维生素C咀嚼片 60片", "每日1片", ("规格", ["60片", "120片"]), 68, "live"),
        ("FR-008", "food-fresh", "海南贵妃芒果 带箱5斤", "树上熟", ("规格", ["5斤", "9斤"]), 45, "draft"),
    ],
    "云裳服饰专营店": [
        (
            "AP-001",
            "apparel",
            "纯棉圆领短袖T恤 男女同款",
            "100%棉 透气",
            ("尺码", ["S", "M", "L", "XL"]),
            59,
            "live",
        ),
        (
            "AP-002",
            "apparel",
            "高腰直筒牛仔裤 微弹",
            "显瘦百搭",
            ("尺码", ["26", "27", "28", "29"]),
            139,
            "live",
        ),
        ("AP-003", "apparel", "羊毛混纺双面呢大衣", "中长款", ("尺码", ["S", "M", "L"]), 699, "queued"),
        ("AP-004", "apparel", "法式碎花连衣裙 夏季", "雪纺面料", ("尺码", ["S", "M", "L"]), 189, "live"),
        (
            "AP-005",
            "apparel",
            "顶级真丝衬衫 永不起皱 绝对不褪色",
            "史上最低价",
            ("尺码", ["S", "M"]),
            399,
            "violation",
        ),
        (
            "AP-006",
            "apparel-custom",
            "定制刺绣卫衣 可绣名字",
            "按需定制",
            ("尺码", ["M", "L", "XL"]),
            219,
            "queued",
        ),
        ("AP-007", "apparel", "运动速干短裤", "轻薄速干", ("尺码", ["M", "L", "XL"]), 79, "live"),
        ("AP-008", "apparel", "针织开衫 春秋款", "柔软亲肤", ("颜色", ["米白", "藏青"]), 159, "draft"),
    ],
    "极客数码官方店": [
        (
            "EL-001",
            "electronics-audio",
            "蓝牙耳机 主动降噪 长续航",
            "降噪深度40dB",
            ("颜色", ["黑色", "白色"]),
            399,
            "live",
        ),
        (
            "EL-002",
            "electronics-phones",
            "65W氮化镓快充充电器 三口",
            "小巧便携",
            ("颜色", ["白色", "黑色"]),
            129,
            "live",
        ),
        (
            "EL-003",
            "electronics-audio",
            "便携蓝牙音箱 防水",
            "IPX7防水",
            ("颜色", ["蓝色", "灰色"]),
            259,
            "queued",
        ),
        (
            "EL-004",
            "electronics-phones",
            "20000mAh移动电源 22.5W",
            "双向快充",
            ("颜色", ["白色"]),
            149,
            "live",
        ),
        (
            "EL-005",
            "electronics",
            "机械键盘 87键 热插拔",
            "PBT键帽",
            ("轴体", ["红轴", "茶轴"]),
            299,
            "queued",
        ),
        (
            "EL-006",
            "electronics-audio",
            "降噪耳机 全球第一 音质最强 销量第一",
            "随时涨价",
            ("颜色", ["黑色"]),
            599,
            "violation",
        ),
        (
            "EL-007",
            "electronics",
            "4K高清显示器 27英寸",
            "IPS面板",
            ("接口", ["HDMI", "Type-C"]),
            1599,
            "live",
        ),
        ("EL-008", "electronics", "无线鼠标 静音", "人体工学", ("颜色", ["黑色", "粉色"]), 69, "live"),
    ],
    "安心母婴生活馆": [
        ("BB-001", "baby", "婴儿纱布浴巾 六层纯棉", "A类标准", ("尺寸", ["110cm", "120cm"]), 69, "live"),
        (
            "BB-002",
            "baby-toys",
            "儿童磁力片积木 100片",
            "3C认证 圆角设计",
            ("规格", ["100片", "150片"]),
            159,
            "live",
        ),
        (
            "BB-003",
            "baby-car-seats",
            "儿童安全座椅 isofix 0-12岁",
            "ECE+3C双认证",
            ("颜色", ["灰色", "黑色"]),
            1299,
            "queued",
        ),
        ("BB-004", "baby", "婴儿硅胶软勺 两支装", "食品级硅胶", ("颜色", ["粉", "蓝"]), 29, "live"),
        (
            "BB-005",
            "baby-toys",
            "益智早教机 增高助长 预防疾病",
            "专家推荐",
            ("颜色", ["粉色"]),
            199,
            "violation",
        ),
        ("BB-006", "baby", "宝宝防晒帽 大帽檐", "UPF50+", ("尺码", ["46cm", "48cm", "50cm"]), 49, "queued"),
        ("BB-007", "baby", "儿童餐椅 可折叠", "多档调节", ("颜色", ["原木色"]), 299, "draft"),
        ("BB-008", "baby", "婴儿湿巾 80抽×6包", "无酒精", ("规格", ["6包", "12包"]), 39, "live"),
    ],
    "雪域美妆集合店": [
        ("CO-001", "cosmetics", "玻尿酸保湿精华液 30ml", "深层补水", ("规格", ["30ml", "50ml"]), 159, "live"),
        ("CO-002", "cosmetics", "氨基酸洗面奶 温和清洁 120g", "弱酸性", ("规格", ["120g"]), 69, "live"),
        ("CO-003", "cosmetics", "防晒霜 SPF50+ PA++++ 50ml", "清爽不油腻", ("规格", ["50ml"]), 129, "queued"),
        (
            "CO-004",
            "cosmetics",
            "美白祛斑霜 7天见效 无副作用 根治雀斑",
            "医学级配方",
            ("规格", ["30g"]),
            299,
            "violation",
        ),
        ("CO-005", "cosmetics", "保湿面膜 20片", "补水保湿", ("规格", ["10片", "20片"]), 99, "live"),
        ("CO-006", "cosmetics", "卸妆水 500ml", "眼唇可用", ("规格", ["500ml"]), 89, "queued"),
        ("CO-007", "home", "香薰蜡烛 大豆蜡 礼盒", "天然植物精油", ("香型", ["白茶", "无花果"]), 128, "live"),
        ("CO-008", "general", "化妆刷套装 12支", "柔软刷毛", ("颜色", ["粉色", "黑色"]), 119, "draft"),
    ],
}


def load(*, lines: list[str], rng: random.Random) -> None:
    reviewer = User.objects.filter(username="reviewer").first()
    now = timezone.now()
    created = 0
    counts = {"live": 0, "queued": 0, "violation": 0, "draft": 0}
    for store, items in CATALOGUE.items():
        merchant = Merchant.objects.filter(name=store).first()
        if merchant is None:
            continue
        existing = catalogue_selectors.product_external_codes(merchant_id=merchant.pk)
        if not catalogue_selectors.certificate_list(merchant_id=merchant.pk).exists():
            kinds = sorted(
                {
                    kind
                    for _c, category, *_rest in items
                    for kind in catalogue_selectors.category_certificate_kinds(code=category)
                }
            )
            for kind in kinds:
                certificate_create(
                    actor=SYSTEM,
                    merchant_id=merchant.pk,
                    kind=kind,
                    number=fixtures.CERTIFICATE_NUMBERS[kind],
                    expires_on=(now + timedelta(days=rng.randint(200, 700))).date(),
                )
        for code, category, title, point, (spec, values), yuan, outcome in items:
            counts[outcome] += 1
            if code in existing:
                continue
            skus = [
                SkuInput(
                    code=f"{code}-{index + 1}",
                    price_fen=(yuan + 10 * index) * 100,
                    stock=rng.randint(5, 400),
                    spec_values={spec: value},
                )
                for index, value in enumerate(values)
            ]
            data = replace(
                fixtures.product_input(category),
                title=title,
                selling_points=[point],
                skus=skus,
                external_code=code,
                images=fixtures.images(rng.choice([2, 3, 4, 5]), kind=category),
                return_policy="excluded" if category in {"food-fresh", "apparel-custom"} else "eligible",
                return_exclusion={"food-fresh": "perishable", "apparel-custom": "custom_made"}.get(
                    category, ""
                ),
            )
            product = product_create(actor=SYSTEM, merchant_id=merchant.pk, data=data)
            listing = services.listing_create(actor=SYSTEM, merchant_id=merchant.pk, product_id=product.pk)
            created += 1
            if outcome == "draft":
                continue
            submitted = now - timedelta(hours=rng.uniform(0.2, 30))
            version = services.listing_submit(
                actor=SYSTEM, merchant_id=merchant.pk, listing_id=listing.pk, now=submitted
            )
            if outcome == "live" and reviewer is not None and version.status == "queued":
                decided = submitted + timedelta(minutes=rng.uniform(3, 90))
                services.listing_claim(
                    actor=actor_of(reviewer), listing_id=listing.pk, now=decided - timedelta(minutes=2)
                )
                services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk, now=decided)
    order_skus(reviewer, now)
    lines.append(
        f"Catalogue: {sum(counts.values())} products ({created} new) — {counts['live']} live, "
        f"{counts['queued']} waiting for review, {counts['violation']} rejected by the compliance checks, "
        f"{counts['draft']} drafts"
    )


# the orders demo's stores: the category their order SKUs are listed in and the picture they show
ORDER_SKU_CATEGORY = {
    "鲜果时光旗舰店": ("food-fresh", "food"),
    "云裳服饰专营店": ("apparel", "apparel"),
    "极客数码官方店": ("electronics", "electronics"),
    "安心母婴生活馆": ("general", "baby"),
    "雪域美妆集合店": ("cosmetics", "cosmetics"),
}


def _certified(merchant_id: int, category: str) -> bool:
    needed = set(catalogue_selectors.category_certificate_kinds(code=category))
    kinds = catalogue_selectors.certificate_list(merchant_id=merchant_id).values_list("kind", flat=True)
    return needed <= set(kinds)


def order_skus(reviewer: User | None, now: Any) -> int:
    """The SKUs the orders demo sells (``orders.demo.SKUS``, codes ``D1-01`` ...) as approved catalogue
    products with 800 units each: checkout sells only stock rows of approved catalogue SKUs (issue 16)."""
    from mallops.orders.demo import SKUS

    if reviewer is None:
        return 0
    made = 0
    for index, (store, products) in enumerate(SKUS.items(), start=1):
        merchant = Merchant.objects.filter(name=store).first()
        if merchant is None:
            continue
        for n, (title, price) in enumerate(products, start=1):
            code = f"D{index}-{n:02d}"
            if catalogue_selectors.product_external_codes(merchant_id=merchant.pk, codes=[code]):
                continue
            category, picture = ORDER_SKU_CATEGORY.get(store, ("general", "general"))
            if not _certified(merchant.pk, category):
                category = "general"  # a store without the category's licences lists them as 其他
            data = replace(
                fixtures.product_input(category),
                title=title,
                selling_points=["现货", "48小时内发货"],
                description={
                    "function": f"{title}，{store}直发。",
                    "material": "详见商品包装与吊牌标注。",
                    "specs": "规格：标准装，以实物为准。",
                    "usage": "收货后请当面查验外包装，有问题联系店铺客服。",
                },
                images=fixtures.images(3, kind=picture),
                skus=[SkuInput(code=code, price_fen=price, stock=800, spec_values={"规格": "标准"})],
                external_code=code,
            )
            product = product_create(actor=SYSTEM, merchant_id=merchant.pk, data=data)
            listing = services.listing_create(actor=SYSTEM, merchant_id=merchant.pk, product_id=product.pk)
            version = services.listing_submit(actor=SYSTEM, merchant_id=merchant.pk, listing_id=listing.pk)
            if version.status == "queued":
                services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk, now=now)
                services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk, now=now)
            made += 1
    return made
