"""Seed the category tree and its schemas (required attributes and certificates, R1.2.1/R1.2.2)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _a(key: str, label: str) -> dict[str, str]:
    return {"key": key, "label": label}


ORIGIN = _a("origin", "产地")
MATERIAL = _a("material", "材质/面料成分")

# (code, name, parent, compliance category, attributes, certificates, default return exclusion)
CATEGORIES: list[tuple[str, str, str | None, str, list[dict[str, str]], list[str], str]] = [
    (
        "food",
        "食品",
        None,
        "food",
        [
            _a("shelf_life", "保质期"),
            _a("ingredients", "配料表"),
            ORIGIN,
            _a("production_licence", "食品生产许可证编号(SC)"),
            _a("storage", "贮存条件"),
        ],
        ["food_business_licence"],
        "",
    ),
    ("food-fresh", "生鲜水果", "food", "food", [], [], "perishable"),
    ("food-snacks", "休闲零食", "food", "food", [_a("net_content", "净含量")], [], ""),
    (
        "health_food",
        "保健食品",
        "food",
        "health_food",
        [_a("approval_number", "保健食品批准文号(蓝帽)"), _a("health_function", "保健功能")],
        ["health_food_approval"],
        "",
    ),
    (
        "cosmetics",
        "美妆个护",
        None,
        "cosmetics",
        [
            _a("filing_number", "化妆品备案/注册编号"),
            _a("ingredients", "全成分"),
            _a("shelf_life", "保质期"),
            ORIGIN,
        ],
        ["cosmetics_filing"],
        "",
    ),
    (
        "medical_device",
        "医疗器械",
        None,
        "medical_device",
        [
            _a("registration_number", "医疗器械注册证编号"),
            _a("model", "型号规格"),
            _a("manufacturer", "生产企业"),
        ],
        ["medical_device_registration"],
        "",
    ),
    (
        "baby",
        "母婴用品",
        None,
        "baby",
        [_a("age_range", "适用年龄"), MATERIAL, _a("standard", "执行标准"), ORIGIN],
        [],
        "",
    ),
    ("baby-toys", "儿童玩具", "baby", "baby", [_a("ccc_number", "3C证书编号")], ["ccc"], ""),
    ("baby-car-seats", "儿童安全座椅", "baby", "baby", [_a("ccc_number", "3C证书编号")], ["ccc"], ""),
    (
        "apparel",
        "服装鞋包",
        None,
        "apparel",
        [MATERIAL, _a("size_chart", "尺码表"), ORIGIN],
        [],
        "",
    ),
    ("apparel-custom", "定制服装", "apparel", "apparel", [], [], "custom_made"),
    (
        "electronics",
        "数码家电",
        None,
        "electronics",
        [_a("brand", "品牌"), _a("model", "型号"), ORIGIN],
        [],
        "",
    ),
    ("electronics-phones", "手机与充电器", "electronics", "electronics", [_a("ccc_number", "3C证书编号")], ["ccc"], ""),
    ("electronics-audio", "耳机音箱", "electronics", "electronics", [], [], ""),
    ("home", "家居日用", None, "home", [MATERIAL, _a("dimensions", "尺寸"), ORIGIN], [], ""),
    ("general", "其他", None, "general", [ORIGIN], [], ""),
]


def seed(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("catalogue", "Category")
    by_code: dict[str, Any] = {}
    for code, name, parent, compliance, attributes, certificates, exclusion in CATEGORIES:
        row, _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": by_code.get(parent) if parent else None,
                "compliance_category": compliance,
                "required_attributes": attributes,
                "required_certificates": certificates,
                "default_return_exclusion": exclusion,
            },
        )
        by_code[code] = row


def unseed(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("catalogue", "Category")
    for code, *_rest in reversed(CATEGORIES):
        Category.objects.filter(code=code).delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
