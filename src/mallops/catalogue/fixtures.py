"""Builders of valid catalogue content for tests, demo data and benchmarks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from mallops.catalogue import services
from mallops.catalogue.contracts import ImageInput, ProductInput, SkuInput
from mallops.catalogue.models import Category, Certificate, Product
from mallops.core.actors import SYSTEM

# complete attribute values per category code (covers inherited requirements)
ATTRIBUTES: dict[str, dict[str, str]] = {
    "food": {
        "shelf_life": "12个月",
        "ingredients": "小麦粉、白砂糖、植物油",
        "origin": "浙江杭州",
        "production_licence": "SC10133010600123",
        "storage": "阴凉干燥处",
    },
    "cosmetics": {
        "filing_number": "浙G妆网备字2024001234",
        "ingredients": "水、甘油、透明质酸钠",
        "shelf_life": "36个月",
        "origin": "上海",
    },
    "medical_device": {
        "registration_number": "国械注准20203070123",
        "model": "YE-660B",
        "manufacturer": "某某医疗器械有限公司",
    },
    "baby": {"age_range": "3岁以上", "material": "ABS塑料", "standard": "GB 6675", "origin": "广东汕头"},
    "apparel": {"material": "100%棉", "size_chart": "S/M/L/XL", "origin": "江苏苏州"},
    "electronics": {"brand": "极客", "model": "GK-20", "origin": "广东深圳"},
    "home": {"material": "陶瓷", "dimensions": "20×20×10 cm", "origin": "江西景德镇"},
    "general": {"origin": "浙江义乌"},
}
EXTRA_ATTRIBUTES: dict[str, dict[str, str]] = {
    "food-snacks": {"net_content": "500g"},
    "health_food": {"approval_number": "国食健注G20200123", "health_function": "增强免疫力"},
    "baby-toys": {"ccc_number": "2023010122000001"},
    "baby-car-seats": {"ccc_number": "2023011119000002"},
    "electronics-phones": {"ccc_number": "2024010803000003"},
}
CERTIFICATE_NUMBERS = {
    "food_business_licence": "JY13301060012345",
    "health_food_approval": "国食健注G20200123",
    "cosmetics_filing": "浙G妆网备字2024001234",
    "medical_device_registration": "国械注准20203070123",
    "ccc": "2023010122000001",
    "brand_authorisation": "BA-2024-0001",
}


def attributes_for(category_code: str) -> dict[str, str]:
    category = Category.objects.get(code=category_code)
    root = category
    while root.parent is not None:
        root = root.parent
    values = dict(ATTRIBUTES.get(root.code, {}))
    if category.parent is not None and category.parent.code in EXTRA_ATTRIBUTES:
        values.update(EXTRA_ATTRIBUTES[category.parent.code])
    values.update(EXTRA_ATTRIBUTES.get(category_code, {}))
    return values


# the pictures scripts/make_demo_images.py drew, served by the project (static files; intranets have no CDN)
PICTURE_KINDS = (
    "apparel",
    "baby",
    "cosmetics",
    "electronics",
    "food",
    "health_food",
    "general",
    "home",
    "medical_device",
)


def picture_kind(category_code: str) -> str:
    """The demo picture of a category: its top category's (``food-fresh`` → ``food``), else ``general``."""
    for kind in PICTURE_KINDS:
        if category_code == kind or category_code.startswith(f"{kind}-"):
            return kind
    return "general"


def images(count: int = 3, side: int = 1000, kind: str = "general") -> list[ImageInput]:
    angles = ["front", "side", "detail", "back", "scene"]
    return [
        ImageInput(
            url=f"/static/catalogue/demo/{picture_kind(kind)}-{i % 3}.svg",
            width=side,
            height=side,
            size_bytes=300_000,
            angle=angles[i % 5],
        )
        for i in range(count)
    ]


def product_input(category_code: str = "general", **overrides: Any) -> ProductInput:
    """A product that passes every automated check (given its certificates)."""
    data = ProductInput(
        category_code=category_code,
        title="手工陶瓷马克杯 大容量办公室水杯",
        skus=[
            SkuInput(code="A-1", price_fen=3900, stock=50, spec_values={"颜色": "白色"}),
            SkuInput(code="A-2", price_fen=4200, stock=30, spec_values={"颜色": "蓝色"}),
        ],
        selling_points=["大容量400ml", "手工上釉"],
        description={
            "function": "日常饮水、咖啡、牛奶均可使用。",
            "material": "高温陶瓷，釉面光滑。",
            "specs": "容量400ml，高10cm。",
            "usage": "首次使用前用温水清洗。",
        },
        attributes=attributes_for(category_code),
        images=images(kind=category_code),
    )
    return replace(data, **overrides)


def certify(
    merchant_id: int, category_code: str, *, product_id: int | None = None, days: int = 365
) -> list[Certificate]:
    """Give the merchant every certificate the category needs, valid for ``days``."""
    _attributes, kinds = Category.objects.get(code=category_code).effective_schema()
    return [
        services.certificate_create(
            actor=SYSTEM,
            merchant_id=merchant_id,
            kind=kind,
            number=CERTIFICATE_NUMBERS[kind],
            expires_on=date.today() + timedelta(days=days),
            product_id=product_id,
        )
        for kind in kinds
    ]


def make_product(merchant_id: int, category_code: str = "general", **overrides: Any) -> Product:
    return services.product_create(
        actor=SYSTEM, merchant_id=merchant_id, data=product_input(category_code, **overrides)
    )
