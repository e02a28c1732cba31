"""Detail-page quality score (R2.2.1): 0-100 and the list of what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HIGH_RES_SIDE = 800
SECTIONS = (("function", "功能"), ("material", "材质"), ("specs", "规格"), ("usage", "使用方法"))


@dataclass(frozen=True)
class QualityItem:
    code: str
    points: int
    ok: bool
    message: str


def quality_items(
    snapshot: Mapping[str, Any], *, review_count: int = 0, related_count: int = 0
) -> list[QualityItem]:
    title = snapshot.get("title", "").strip()
    images = snapshot.get("images", [])
    high_res = [i for i in images if min(i.get("width", 0), i.get("height", 0)) >= HIGH_RES_SIDE]
    angles = {i.get("angle", "") for i in images if i.get("angle")}
    description = snapshot.get("description", {})
    skus = snapshot.get("skus", [])
    items = [
        QualityItem("title_length", 15, 10 <= len(title) <= 60, "标题应为10-60个字，简洁明了"),
        QualityItem("selling_points", 10, len(snapshot.get("selling_points", [])) >= 1, "至少填写1条卖点"),
        QualityItem("images_count", 15, len(images) >= 3, f"至少3张商品图片（现有{len(images)}张）"),
        QualityItem(
            "images_high_res",
            10,
            len(high_res) >= 3,
            f"至少3张高清图片（≥{HIGH_RES_SIDE}px，现有{len(high_res)}张）",
        ),
        QualityItem("images_angles", 5, len(angles) >= 2, "图片应覆盖多个角度（正面、侧面、细节等）"),
    ]
    items += [
        QualityItem(
            f"section_{key}", 6, bool(str(description.get(key, "")).strip()), f"缺少详情描述：{label}"
        )
        for key, label in SECTIONS
    ]
    items += [
        QualityItem(
            "clear_price",
            10,
            bool(skus) and all(s.get("price_fen", 0) > 0 for s in skus),
            "每个规格都要有明确价格",
        ),
        QualityItem("reviews", 6, review_count > 0, "暂无买家评价"),
        QualityItem("related", 5, related_count > 0, "暂无关联推荐商品（同店同类目商品）"),
    ]
    return items


def quality_score(
    snapshot: Mapping[str, Any], *, review_count: int = 0, related_count: int = 0
) -> dict[str, Any]:
    """``{"score": int, "max": 100, "missing": [{"code", "message", "points"}]}``."""
    items = quality_items(snapshot, review_count=review_count, related_count=related_count)
    return {
        "score": sum(i.points for i in items if i.ok),
        "max": sum(i.points for i in items),
        "missing": [{"code": i.code, "message": i.message, "points": i.points} for i in items if not i.ok],
    }
