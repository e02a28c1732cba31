"""Buyer-facing promotion rules (Chinese), generated from the promotion itself (no Django).

The text is built from the same fields the engine prices with, so what the buyer reads cannot disagree
with what the cart charges (明码标价和禁止价格欺诈规定第二十条). ``RulesText.required`` lists the
fragments any rules text of this promotion must contain (time, scope, conditions); the pre-launch check
tests a merchant's own wording against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from mallops.pricing.facts import PromotionFacts

SHANGHAI = ZoneInfo("Asia/Shanghai")


def yuan(fen: int) -> str:
    """``10000`` → ``100元``, ``1990`` → ``19.9元``, ``1999`` → ``19.99元``."""
    whole, cents = divmod(fen, 100)
    if cents == 0:
        return f"{whole}元"
    text = f"{whole}.{cents:02d}".rstrip("0")
    return f"{text}元"


def local_time(value: datetime) -> str:
    """``2026年11月11日 20:00`` in Asia/Shanghai."""
    local = value.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def discount_words(percent: int) -> str:
    """15 % off → ``8.5折``; 100 % off → ``免费``."""
    if percent >= 100:
        return "免费"
    rest = 100 - percent
    return f"{rest // 10}.{rest % 10}折" if rest % 10 else f"{rest // 10}折"


@dataclass(frozen=True, slots=True)
class RulesText:
    text: str
    time: str
    scope: tuple[str, ...]
    conditions: tuple[str, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return (self.time, *self.scope, *self.conditions)


def time_fragment(facts: PromotionFacts) -> str:
    if facts.starts_at is None or facts.ends_at is None:
        return ""
    return f"{local_time(facts.starts_at)} 至 {local_time(facts.ends_at)}"


def scope_fragments(facts: PromotionFacts, merchant_names: dict[int, str] | None = None) -> tuple[str, ...]:
    parts: list[str] = []
    if facts.skus:
        parts.append("指定商品（SKU：" + "、".join(facts.skus) + "）")
    if facts.categories:
        parts.append("指定类目（" + "、".join(facts.categories) + "）")
    if facts.layer == "platform":
        if facts.merchants:
            names = merchant_names or {}
            parts.append("参与店铺（" + "、".join(names.get(m, f"店铺{m}") for m in facts.merchants) + "）")
        if not parts:
            parts.append("平台全部商品")
    elif not parts:
        parts.append("本店全部商品")
    return tuple(parts)


def condition_fragments(facts: PromotionFacts) -> tuple[str, ...]:
    kind = facts.kind
    if kind == "percent_off":
        return (f"单价直降{facts.percent}%（{discount_words(facts.percent)}）",)
    if kind == "amount_off":
        return (f"每件立减{yuan(facts.amount_fen)}",)
    if kind == "nth_item":
        if facts.n == 2 and facts.percent == 100:
            return ("买一送一（同一商品每2件中1件免费）",)
        return (f"同一商品每买{facts.n}件，其中1件{discount_words(facts.percent)}",)
    if kind == "multi_buy":
        return (f"满{facts.min_qty}件{discount_words(facts.percent)}",)
    if kind == "threshold":
        if facts.repeat and facts.tiers:
            low, off = facts.tiers[0]
            parts = [f"每满{yuan(low)}减{yuan(off)}"]
            if facts.cap_fen is not None:
                parts.append(f"最多减{yuan(facts.cap_fen)}")
            return tuple(parts)
        return tuple(f"满{yuan(low)}减{yuan(off)}" for low, off in sorted(facts.tiers))
    return ()


# the generated reference-price disclosure; every price it states is verified by ``checks.check_reference_prices``
REFERENCE_NOTE = "划线价说明：划线价为该商品在活动开始前7日内的最低成交价或更低的价格，不是原价承诺；"


def generate(facts: PromotionFacts, merchant_names: dict[int, str] | None = None) -> RulesText:
    """The rules a buyer reads, one clause per line."""
    when = time_fragment(facts)
    scope = scope_fragments(facts, merchant_names)
    conditions = condition_fragments(facts)
    lines = [f"【{facts.name}】"]
    lines.append(f"活动时间：{when}（北京时间，到点自动结束）。")
    organiser = "平台" if facts.layer == "platform" else (facts.merchant_name or "本店")
    lines.append(f"主办方：{organiser}。")
    lines.append("活动范围：" + "；".join(scope) + "。")
    rule = "，".join(conditions)
    if facts.kind == "threshold":
        base = "按参与活动商品在单品优惠后的金额计算"
        rule += (
            "（"
            + base
            + (
                "，多档不累加，按已达到的门槛中较高的一档计算"
                if len(facts.tiers) > 1 and not facts.repeat
                else ""
            )
            + "）"
        )
    elif facts.kind == "multi_buy":
        rule += "（按参与活动商品的总件数计算）"
    lines.append(f"优惠规则：{rule}。")
    limits: list[str] = []
    if facts.per_buyer_limit is not None:
        limits.append(f"每位买家限参与{facts.per_buyer_limit}次")
    if facts.total_limit is not None:
        limits.append(f"活动限量{facts.total_limit}份，先到先得，售完即止")
    if facts.members_only:
        limits.append("仅限会员参与")
    if limits:
        lines.append("参与条件：" + "；".join(limits) + "。")
    if facts.with_coupons:
        lines.append("本活动可与优惠券叠加使用。")
    else:
        lines.append("本活动不可与优惠券同时使用：享受本活动优惠的商品不计入优惠券门槛与优惠。")
    referenced = [sp for sp in facts.sku_prices if sp.reference_price_fen is not None]
    if referenced:
        lines.append(
            REFERENCE_NOTE
            + "；".join(f"{sp.sku} 划线价{yuan(sp.reference_price_fen or 0)}" for sp in referenced)
            + "。"
        )
    return RulesText(text="\n".join(lines), time=when, scope=scope, conditions=conditions)
