"""Pure pre-launch checks, generated rules text and price suggestions (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mallops.pricing.checks import (
    CheckConfig,
    PointsHistory,
    PricePoint,
    Severity,
    blocking,
    check_promotion,
)
from mallops.pricing.citations import chinese_number
from mallops.pricing.facts import PromotionFacts, SkuPrice
from mallops.pricing.rulestext import discount_words, generate, yuan
from mallops.pricing.strategy import StrategyInput, suggest

START = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)  # 2026-11-12 00:00 in Shanghai
END = START + timedelta(days=3)


def _facts(**overrides: object) -> PromotionFacts:
    base = PromotionFacts(
        id="P1",
        name="双11满减",
        kind="threshold",
        layer="store",
        merchant_id=1,
        merchant_name="鲜果时光旗舰店",
        starts_at=START,
        ends_at=END,
        tiers=((10000, 2000), (20000, 5000)),
        skus=("A1", "A2"),
    )
    facts = replace(base, **overrides)  # type: ignore[arg-type]
    if "rules_text" not in overrides:
        facts = replace(facts, rules_text=generate(facts).text)
    return facts


def _codes(findings) -> set[str]:
    return {f.code for f in blocking(findings)}


def test_chinese_article_numbers():
    assert [chinese_number(n) for n in (5, 10, 16, 17, 20, 21)] == [
        "五",
        "十",
        "十六",
        "十七",
        "二十",
        "二十一",
    ]


@pytest.mark.req("R2.3.2")
@pytest.mark.req("R2.3.3")
def test_generated_rules_text_states_time_scope_and_conditions():
    facts = _facts(per_buyer_limit=1, total_limit=500, with_coupons=False)
    rules = generate(facts)
    assert "2026年11月12日 00:00 至 2026年11月15日 00:00" in rules.text
    assert "指定商品（SKU：A1、A2）" in rules.text
    assert "满100元减20元" in rules.text and "满200元减50元" in rules.text
    assert "多档不累加，按已达到的门槛中较高的一档计算" in rules.text
    assert "每位买家限参与1次" in rules.text and "活动限量500份" in rules.text
    assert "不可与优惠券同时使用" in rules.text
    assert rules.text.startswith("【双11满减】")
    # and the generated text passes its own check
    assert check_promotion(facts) == []


@pytest.mark.req("R2.3.3")
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"kind": "percent_off", "layer": "item", "percent": 15, "tiers": ()}, "单价直降15%（8.5折）"),
        ({"kind": "amount_off", "layer": "item", "amount_fen": 1990, "tiers": ()}, "每件立减19.9元"),
        ({"kind": "nth_item", "layer": "item", "n": 2, "percent": 100, "tiers": ()}, "买一送一"),
        ({"kind": "nth_item", "layer": "item", "n": 3, "percent": 50, "tiers": ()}, "每买3件，其中1件5折"),
        ({"kind": "multi_buy", "min_qty": 3, "percent": 20, "tiers": ()}, "满3件8折"),
        (
            {
                "repeat": True,
                "tiers": ((30000, 5000),),
                "cap_fen": 10000,
                "layer": "platform",
                "merchant_id": None,
            },
            "每满300元减50元，最多减100元",
        ),
    ],
)
def test_rules_text_follows_each_kind(overrides, expected):
    assert expected in generate(_facts(**overrides)).text


def test_money_and_discount_words():
    assert [yuan(x) for x in (10000, 1990, 1999, 5)] == ["100元", "19.9元", "19.99元", "0.05元"]
    assert [discount_words(p) for p in (15, 20, 100, 1)] == ["8.5折", "8折", "免费", "9.9折"]


@pytest.mark.req("R2.3.2")
def test_overlap_on_same_layer_scope_and_time_blocks():
    live = _facts(id="P0", name="已上线满减", status="live", skus=("A2", "B9"))
    findings = check_promotion(_facts(), others=[live])
    (overlap,) = [f for f in findings if f.code == "overlap"]
    assert overlap.severity is Severity.BLOCK and overlap.other == "P0"
    assert overlap.citation.text == "规范促销行为暂行规定第六条"
    # not when the scopes, the windows, the layers, the merchants or the status differ
    assert _codes(check_promotion(_facts(), others=[replace(live, skus=("B9",))])) == set()
    later = replace(live, starts_at=END, ends_at=END + timedelta(days=1))
    assert _codes(check_promotion(_facts(), others=[later])) == set()
    assert _codes(check_promotion(_facts(), others=[replace(live, merchant_id=2)])) == set()
    assert _codes(check_promotion(_facts(), others=[replace(live, status="cancelled")])) == set()
    assert _codes(check_promotion(_facts(), others=[replace(live, layer="item")])) == set()
    # a whole-store promotion overlaps any SKU list; a category covers its SKUs
    assert "overlap" in _codes(check_promotion(_facts(), others=[replace(live, skus=())]))
    by_category = replace(live, skus=(), categories=("fruit",))
    cat = {"A1": "fruit"}.get
    assert "overlap" in _codes(check_promotion(_facts(), others=[by_category], sku_category=cat))


@pytest.mark.req("R2.3.3")
@pytest.mark.req("R1.4.1")
def test_reference_price_above_the_7_day_lowest_blocks():
    history = PointsHistory(
        {
            "A1": (
                PricePoint(START - timedelta(days=20), 12900),
                PricePoint(START - timedelta(days=5), 9900),
                PricePoint(START - timedelta(days=2), 9900),
            )
        }
    )
    facts = _facts(sku_prices=(SkuPrice("A1", 9900, reference_price_fen=12900),))
    (finding,) = [f for f in check_promotion(facts, history=history) if f.code == "reference_price"]
    assert finding.citation.text == "明码标价和禁止价格欺诈规定第十六条"
    assert "129元" in finding.message and "99元" in finding.message
    ok = _facts(sku_prices=(SkuPrice("A1", 8900, reference_price_fen=9900),))
    assert _codes(check_promotion(ok, history=history)) == set()


@pytest.mark.req("R2.3.3")
def test_reference_price_falls_back_to_last_deal_price_and_never_sold_blocks():
    old = PointsHistory({"A1": (PricePoint(START - timedelta(days=30), 11000),)})
    too_high = _facts(sku_prices=(SkuPrice("A1", 9900, reference_price_fen=12000),))
    assert "reference_price" in _codes(check_promotion(too_high, history=old))
    fine = _facts(sku_prices=(SkuPrice("A1", 9900, reference_price_fen=11000),))
    assert _codes(check_promotion(fine, history=old)) == set()
    unsold = check_promotion(fine, history=PointsHistory())
    assert [f.citation.article for f in unsold if f.code == "reference_price_unsold"] == [16]


@pytest.mark.req("R2.3.3")
@pytest.mark.req("R1.4.1")
def test_raise_then_discount_blocks_above_the_configured_threshold():
    raised = PointsHistory(
        {
            "A1": (
                PricePoint(START - timedelta(days=30), 10000),
                PricePoint(START - timedelta(days=3), 10600),
            )
        }
    )
    facts = _facts()
    (finding,) = [f for f in check_promotion(facts, history=raised) if f.code == "raise_then_discount"]
    assert finding.sku == "A1" and finding.citation.text == "明码标价和禁止价格欺诈规定第十七条"
    # a 6 % rise is not significant at a 10 % threshold; a rise before the look-back window is not counted
    assert (
        _codes(check_promotion(facts, history=raised, config=CheckConfig(significant_raise_percent=10)))
        == set()
    )
    early = PointsHistory(
        {"A1": (PricePoint(START - timedelta(days=30), 10000), PricePoint(START - timedelta(days=9), 12000))}
    )
    assert _codes(check_promotion(facts, history=early)) == set()


@pytest.mark.req("R2.3.2")
@pytest.mark.req("R2.3.3")
def test_rules_text_missing_or_incomplete_blocks():
    empty = check_promotion(_facts(rules_text=""))
    assert [(f.code, f.citation.text) for f in blocking(empty)] == [
        ("rules_empty", "规范促销行为暂行规定第七条")
    ]
    vague = check_promotion(_facts(rules_text="双11大促，全场满减，快来抢购！"))
    by_code = {f.code: f.citation.text for f in blocking(vague)}
    assert by_code == {
        "rules_missing_time": "规范促销行为暂行规定第七条",
        "rules_missing_scope": "规范促销行为暂行规定第七条",
        "rules_missing_conditions": "规范促销行为暂行规定第十九条",
    }


@pytest.mark.req("R2.3.3")
def test_limited_claims_need_real_limits():
    facts = _facts(description="限量100件，手慢无")
    (finding,) = blocking(check_promotion(facts))
    assert finding.code == "limited_quantity_without_limit"
    assert finding.citation.text == "规范促销行为暂行规定第五条"
    mismatch = _facts(description="限量100件", total_limit=50)
    assert _codes(check_promotion(mismatch)) == {"limited_quantity_mismatch"}
    assert _codes(check_promotion(_facts(description="限量50件", total_limit=50))) == set()
    no_end = _facts(description="限时抢购", ends_at=None, rules_text="x")
    assert "limited_time_without_end" in _codes(check_promotion(no_end))


@pytest.mark.req("R2.3.4")
def test_price_suggestions_are_explained_and_floored_at_cost():
    inp = StrategyInput(
        sku="A1",
        current_price_fen=10000,
        unit_cost_fen=6000,
        competitor_prices_fen=(9000, 9500, 12000),
        sales_last_30d=3,
        sales_prev_30d=10,
        stock=500,
        month=11,
        peak_months=(11, 12),
    )
    by_name = {s.strategy: s for s in suggest(inp)}
    assert by_name["cost_plus"].price_fen == 7800  # 6000 * 1.3
    assert by_name["competitor"].price_fen == 9310  # median 9500 - 2 %
    assert "中位数 95元" in by_name["competitor"].reasons[0]
    # 500 in stock at 0.1 a day: slow mover, -10 %; November is peak: +5 %
    assert by_name["dynamic"].price_fen == 9500
    assert len(by_name["dynamic"].reasons) == 2
    cheap = suggest(replace(inp, competitor_prices_fen=(5000,)))
    comp = next(s for s in cheap if s.strategy == "competitor")
    assert comp.price_fen == 6300 and "最低毛利" in comp.reasons[-1]
    assert [s.strategy for s in suggest(replace(inp, competitor_prices_fen=()))] == ["cost_plus", "dynamic"]
