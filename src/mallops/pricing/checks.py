"""Pre-launch checks of a promotion (R2.3.2, R2.3.3, R1.4.1). Pure: no Django, every input passed in.

``check_promotion(facts, others=..., history=..., config=...)`` returns findings; a ``block`` finding
stops the launch. Each finding cites its article (``mallops.pricing.citations``):

- ``overlap``: another scheduled or live promotion of the same layer (and merchant) overlaps in time and
  scope — one of the announced offers would not be honoured (规范促销行为暂行规定第六条);
- ``reference_price``: a claimed reference price (原价/划线价) above the lowest price actually charged in the
  7 days before the start, or above the last deal price when nothing sold in those 7 days, or shown for a
  SKU that never sold (明码标价和禁止价格欺诈规定第十六条);
- ``raise_then_discount``: the price was raised significantly (default ≥ 5 %) within the look-back
  window before a discount starts (先涨后降, 第十七条);
- ``rules_missing_*``: the rules text does not state the time, scope or conditions
  (规范促销行为暂行规定第七条 / 第十九条); ``rules_empty`` when there is none;
- ``limited_time_without_end`` / ``limited_quantity_without_limit`` / ``limited_quantity_mismatch``:
  "限时" or "限量" claimed without a real limit (规范促销行为暂行规定第五条 / 第二十条);
- ``compliance_text`` (R1.4.1): the content compliance engine (``mallops.compliance.engine``) over the
  texts that go live — the name, the description and the rules text (``check_texts``; coupon batches use
  it for their name). Each finding carries the engine's ``rule``, the ``field`` and the ``start``/``end``
  span of the offending ``text`` and the engine's article. An engine ``block`` blocks; an engine
  ``review`` becomes a ``warn``: shown (and stored with the launch) but not blocking, as a listing in
  review is not refused either.

Price history comes through the ``PriceHistory`` protocol: the catalogue's records of deal prices, or the
pricing app's own observations until the catalogue provides them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Protocol

from mallops.compliance.engine.api import check_text
from mallops.pricing import citations
from mallops.pricing.citations import Citation
from mallops.pricing.facts import PromotionFacts
from mallops.pricing.rulestext import REFERENCE_NOTE, generate, yuan


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    citation: Citation
    sku: str | None = None
    other: str | None = None
    # text findings (``compliance_text``): the engine's rule and the span in the field that holds it
    rule: str | None = None
    field: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "citation": self.citation.as_dict(),
        }
        if self.sku is not None:
            out["sku"] = self.sku
        if self.other is not None:
            out["other"] = self.other
        if self.field is not None:
            out.update(rule=self.rule, field=self.field, start=self.start, end=self.end, text=self.text)
        return out


@dataclass(frozen=True, slots=True)
class PricePoint:
    """The SKU's price from ``at`` on (a deal price or a price change)."""

    at: datetime
    price_fen: int


class PriceHistory(Protocol):
    def lowest_price_since(self, sku: str, since: datetime, until: datetime) -> int | None:
        """The lowest deal price in ``[since, until)``, None when nothing sold then."""

    def last_price_before(self, sku: str, before: datetime) -> int | None:
        """The last deal price before ``before``, None when the SKU never sold."""

    def points(self, sku: str, since: datetime, until: datetime) -> Sequence[PricePoint]:
        """Every recorded price in ``[since, until)`` and the last one before ``since``, oldest first."""


@dataclass(frozen=True, slots=True)
class CheckConfig:
    reference_window: timedelta = timedelta(days=7)
    raise_lookback: timedelta = timedelta(days=7)
    significant_raise_percent: int = 5  # 先涨后降: a rise of at least this much counts


@dataclass(frozen=True, slots=True)
class PointsHistory:
    """A ``PriceHistory`` over in-memory points per SKU (tests, adapters)."""

    series: dict[str, tuple[PricePoint, ...]] = field(default_factory=dict)

    def _sorted(self, sku: str) -> list[PricePoint]:
        return sorted(self.series.get(sku, ()), key=lambda p: p.at)

    def lowest_price_since(self, sku: str, since: datetime, until: datetime) -> int | None:
        prices = [p.price_fen for p in self._sorted(sku) if since <= p.at < until]
        return min(prices) if prices else None

    def last_price_before(self, sku: str, before: datetime) -> int | None:
        earlier = [p for p in self._sorted(sku) if p.at < before]
        return earlier[-1].price_fen if earlier else None

    def points(self, sku: str, since: datetime, until: datetime) -> Sequence[PricePoint]:
        rows = self._sorted(sku)
        before = [p for p in rows if p.at < since]
        inside = [p for p in rows if since <= p.at < until]
        return ([before[-1]] if before else []) + inside


# ---------------------------------------------------------------- overlap (R2.3.2)

ACTIVE_STATUSES = frozenset({"scheduled", "live"})


def _windows_overlap(a: PromotionFacts, b: PromotionFacts) -> bool:
    if a.starts_at is None or a.ends_at is None or b.starts_at is None or b.ends_at is None:
        return True
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _scopes_overlap(a: PromotionFacts, b: PromotionFacts, sku_category: Callable[[str], str | None]) -> bool:
    if a.merchants and b.merchants and not set(a.merchants) & set(b.merchants):
        return False
    a_all = not a.skus and not a.categories
    b_all = not b.skus and not b.categories
    if a_all or b_all:
        return True
    if set(a.skus) & set(b.skus) or set(a.categories) & set(b.categories):
        return True
    if any(sku_category(s) in b.categories for s in a.skus):
        return True
    return any(sku_category(s) in a.categories for s in b.skus)


def check_overlap(
    facts: PromotionFacts,
    others: Iterable[PromotionFacts],
    sku_category: Callable[[str], str | None] = lambda sku: None,
) -> list[Finding]:
    found = []
    for other in others:
        if other.id == facts.id or other.status not in ACTIVE_STATUSES:
            continue
        if other.layer != facts.layer or other.merchant_id != facts.merchant_id:
            continue
        if _windows_overlap(facts, other) and _scopes_overlap(facts, other, sku_category):
            found.append(
                Finding(
                    "overlap",
                    Severity.BLOCK,
                    f"与「{other.name}」({other.id}) 在同一层级、同一范围且时间重叠：买家只能享受其中一个，"
                    "另一个宣传的优惠无法兑现。",
                    citations.PROMISES_HONOURED,
                    other=other.id,
                )
            )
    return found


# ---------------------------------------------------------------- reference price, 先涨后降 (R2.3.3)


def check_reference_prices(
    facts: PromotionFacts, history: PriceHistory, config: CheckConfig
) -> list[Finding]:
    if facts.starts_at is None:
        return []
    since = facts.starts_at - config.reference_window
    found = []
    for sp in facts.sku_prices:
        if sp.reference_price_fen is None:
            continue
        lowest = history.lowest_price_since(sp.sku, since, facts.starts_at)
        basis = "活动开始前7日内的最低成交价"
        if lowest is None:
            lowest = history.last_price_before(sp.sku, since)
            basis = "7日内无成交，最近一次成交价"
        if lowest is None:
            found.append(
                Finding(
                    "reference_price_unsold",
                    Severity.BLOCK,
                    f"{sp.sku} 从未成交，不得标示划线价/原价 {yuan(sp.reference_price_fen)}。",
                    citations.REFERENCE_PRICE,
                    sku=sp.sku,
                )
            )
        elif sp.reference_price_fen > lowest:
            found.append(
                Finding(
                    "reference_price",
                    Severity.BLOCK,
                    f"{sp.sku} 划线价/原价 {yuan(sp.reference_price_fen)} 高于{basis} {yuan(lowest)}。",
                    citations.REFERENCE_PRICE,
                    sku=sp.sku,
                )
            )
    return found


def _discounted_skus(facts: PromotionFacts) -> list[str]:
    seen: dict[str, None] = {}
    for sku in [*facts.skus, *(sp.sku for sp in facts.sku_prices)]:
        seen.setdefault(sku, None)
    return list(seen)


def check_raise_then_discount(
    facts: PromotionFacts, history: PriceHistory, config: CheckConfig, now: datetime | None = None
) -> list[Finding]:
    """A rise within the look-back window before the start — or before ``now`` when a promotion is
    launched after its start (the price set just before going live counts)."""
    if facts.starts_at is None:
        return []
    since = facts.starts_at - config.raise_lookback
    until = max(facts.starts_at, now) + timedelta(seconds=1) if now is not None else facts.starts_at
    found = []
    for sku in _discounted_skus(facts):
        points = list(history.points(sku, since, until))
        for before, after in pairwise(points):
            if after.at < since or before.price_fen <= 0:
                continue
            rise = after.price_fen - before.price_fen
            if rise * 100 >= before.price_fen * config.significant_raise_percent:
                found.append(
                    Finding(
                        "raise_then_discount",
                        Severity.BLOCK,
                        f"{sku} 在活动开始前 {config.raise_lookback.days} 日内由 {yuan(before.price_fen)} "
                        f"涨至 {yuan(after.price_fen)}（涨幅 {rise * 100 // before.price_fen}%），"
                        "随后打折：先涨后降。",
                        citations.RAISE_THEN_DISCOUNT,
                        sku=sku,
                    )
                )
                break
    return found


# ---------------------------------------------------------------- rules text (R2.3.2, R2.3.3)

_LIMITED_TIME = re.compile(r"限时")
_LIMITED_QTY = re.compile(r"限量|仅剩|限购|前\s*\d+\s*名")
_STATED_QTY = re.compile(r"限量\s*(\d+)\s*[件份个台套]")


def check_rules_text(facts: PromotionFacts, merchant_names: dict[int, str] | None = None) -> list[Finding]:
    text = facts.rules_text.strip()
    if not text:
        return [
            Finding(
                "rules_empty",
                Severity.BLOCK,
                "缺少活动规则：须公示活动时间、范围和参与条件。",
                citations.RULES_PUBLISHED,
            )
        ]
    expected = generate(facts, merchant_names)
    found = []
    if not expected.time or expected.time not in text:
        found.append(
            Finding(
                "rules_missing_time",
                Severity.BLOCK,
                f"活动规则未写明活动时间（应包含「{expected.time or '开始和结束时间'}」）。",
                citations.RULES_PUBLISHED,
            )
        )
    missing_scope = [s for s in expected.scope if s not in text]
    if missing_scope:
        found.append(
            Finding(
                "rules_missing_scope",
                Severity.BLOCK,
                "活动规则未写明活动范围：" + "、".join(f"「{s}」" for s in missing_scope) + "。",
                citations.RULES_PUBLISHED,
            )
        )
    missing_conditions = [c for c in expected.conditions if c not in text]
    if missing_conditions:
        found.append(
            Finding(
                "rules_missing_conditions",
                Severity.BLOCK,
                "活动规则未写明优惠条件：" + "、".join(f"「{c}」" for c in missing_conditions) + "。",
                citations.CONDITIONS_PROMINENT,
            )
        )
    return found


def check_limits_claimed(facts: PromotionFacts) -> list[Finding]:
    text = "\n".join([facts.name, facts.description, facts.rules_text])
    found = []
    if (_LIMITED_TIME.search(text) or facts.time_limited) and facts.ends_at is None:
        found.append(
            Finding(
                "limited_time_without_end",
                Severity.BLOCK,
                "宣称「限时」但活动没有结束时间。",
                citations.TRUE_PERIOD,
            )
        )
    if _LIMITED_QTY.search(text) and facts.total_limit is None and facts.per_buyer_limit is None:
        found.append(
            Finding(
                "limited_quantity_without_limit",
                Severity.BLOCK,
                "宣称「限量/限购」但活动没有设置总量或每人限额。",
                citations.TRUTHFUL_LIMITED,
            )
        )
    for match in _STATED_QTY.finditer(text):
        stated = int(match.group(1))
        if facts.total_limit is not None and stated != facts.total_limit:
            found.append(
                Finding(
                    "limited_quantity_mismatch",
                    Severity.BLOCK,
                    f"宣称「{match.group(0)}」，但活动总量为 {facts.total_limit}。",
                    citations.TRUTHFUL_LIMITED,
                )
            )
            break
    return found


# ---------------------------------------------------------------- texts that go live (R1.4.1)

_FIELD_LABELS = {"name": "名称", "description": "描述", "rules_text": "活动规则"}


def check_texts(texts: Sequence[tuple[str, str]]) -> list[Finding]:
    """The compliance engine over ``(field, text)`` pairs (``name`` is read as a title, any other field
    as a description). Engine ``block`` → ``block``, engine ``review`` → ``warn``."""
    found = []
    for name, text in texts:
        if not text.strip():
            continue
        for hit in check_text("title" if name == "name" else "description", text):
            cited = hit.citation
            found.append(
                Finding(
                    "compliance_text",
                    Severity.BLOCK if hit.severity == "block" else Severity.WARN,
                    f"{_FIELD_LABELS.get(name, name)}中的「{hit.text}」违反{hit.basis}"
                    + ("，不得上线。" if hit.severity == "block" else "，请人工复核。"),
                    Citation(cited.law, cited.article, cited.paragraph, cited.item),
                    rule=hit.rule,
                    field=name,
                    start=hit.start,
                    end=hit.end,
                    text=hit.text,
                )
            )
    return found


# generated lines whose every claim a pricing check verifies: the reference prices (check_reference_prices)
# and the limits (check_limits_claimed); the engine can only ask a person to check them
_VERIFIED_LINES = (REFERENCE_NOTE, "参与条件：")


def _verified_spans(facts: PromotionFacts) -> list[tuple[int, int]]:
    """Where the generated, verified lines stand unchanged in the rules text."""
    spans = []
    for line in generate(facts).text.splitlines():
        if line.startswith(_VERIFIED_LINES):
            start = facts.rules_text.find(line)
            if start >= 0:
                spans.append((start, start + len(line)))
    return spans


def _inside(finding: Finding, spans: Sequence[tuple[int, int]]) -> bool:
    if finding.field != "rules_text" or finding.start is None or finding.end is None:
        return False
    return any(lo <= finding.start and finding.end <= hi for lo, hi in spans)


# engine review rules a promotion check answers: 限时 (a promotion always has an end: window_invalid,
# limited_time_without_end) and 限量 (limited_quantity_without_limit / _mismatch)
_ANSWERED = frozenset({("PROMO32-5-LIMITED-TIME", None), ("PROMO32-5-STOCK", "限量")})


def _answered(finding: Finding) -> bool:
    return (finding.rule, None) in _ANSWERED or (finding.rule, finding.text) in _ANSWERED


def check_promotion_texts(facts: PromotionFacts) -> list[Finding]:
    """The name, description and rules text through the engine. Review findings a pricing check answers
    are left out: 限时 and 限量 anywhere, and anything inside the generated 划线价说明 and 参与条件 lines."""
    found = check_texts(
        [("name", facts.name), ("description", facts.description), ("rules_text", facts.rules_text)]
    )
    spans = _verified_spans(facts)
    return [f for f in found if f.severity is Severity.BLOCK or not (_answered(f) or _inside(f, spans))]


def check_basics(facts: PromotionFacts) -> list[Finding]:
    found = []
    if facts.starts_at is None or facts.ends_at is None or facts.ends_at <= facts.starts_at:
        found.append(
            Finding(
                "window_invalid",
                Severity.BLOCK,
                "活动须有明确的开始和结束时间，且结束晚于开始。",
                citations.RULES_PUBLISHED,
            )
        )
    return found


def check_promotion(
    facts: PromotionFacts,
    *,
    others: Iterable[PromotionFacts] = (),
    history: PriceHistory | None = None,
    config: CheckConfig | None = None,
    merchant_names: dict[int, str] | None = None,
    sku_category: Callable[[str], str | None] = lambda sku: None,
    now: datetime | None = None,
) -> list[Finding]:
    """Every finding for ``facts``; the launch is refused while any has severity ``block``."""
    config = config or CheckConfig()
    history = history or PointsHistory()
    found = check_basics(facts)
    found += check_overlap(facts, others, sku_category)
    found += check_reference_prices(facts, history, config)
    found += check_raise_then_discount(facts, history, config, now)
    found += check_rules_text(facts, merchant_names)
    found += check_limits_claimed(facts)
    found += check_promotion_texts(facts)
    return found


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.BLOCK]
