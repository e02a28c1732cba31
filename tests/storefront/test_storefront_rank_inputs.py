"""The ranking's behaviour inputs (docs/storefront.md, 排序): each moves a product in the documented
direction (pure, against the engine), and the batch reads them from the rows in a fixed number of queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from storefront_support import live_product

from mallops.compliance.models import Inspection, InspectionFinding
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order
from mallops.review.models import Listing
from mallops.storefront import rank_inputs, ranking, search_selectors
from mallops.testing.factories import make_merchant
from mallops.testing.orders import make_buyer
from mallops.testing.queries import count_queries

base_inputs = st.builds(
    ranking.RankInput,
    product_id=st.just(1),
    relevance=st.floats(0, 1),
    sales_units_30d=st.integers(0, 2000),
    sales_units_7d=st.integers(0, 500),
    conversion=st.floats(0, 0.9),
    review_mean=st.one_of(st.none(), st.floats(1, 5)),
    review_count=st.integers(0, 50),
    quality_score=st.integers(0, 100),
    compliance_findings=st.integers(0, 2),
    refund_rate=st.floats(0, 0.9),
)


def _score(item: ranking.RankInput) -> float:
    return ranking.score(item, personalised=False)


@pytest.mark.req("R2.1.1")
@settings(max_examples=40, deadline=None)
@given(item=base_inputs, more=st.integers(1, 300))
def test_each_behaviour_input_moves_the_rank_in_the_documented_direction(
    item: ranking.RankInput, more: int
) -> None:
    # recent sales and conversion never lower the score; findings and refunds never raise it
    assert _score(replace(item, sales_units_7d=item.sales_units_7d + more)) >= _score(item)
    assert _score(replace(item, conversion=min(1.0, item.conversion + 0.1))) >= _score(item)
    assert _score(replace(item, compliance_findings=item.compliance_findings + 1)) < _score(item)
    assert _score(replace(item, refund_rate=item.refund_rate + 0.1)) < _score(item)


@pytest.mark.req("R2.1.1")
def test_velocity_counts_the_last_week_more_than_the_month_and_nothing_older() -> None:
    # given the same 30-day units, sold this week or three weeks ago
    this_week = ranking.RankInput(product_id=1, relevance=1.0, sales_units_30d=70, sales_units_7d=70)
    weeks_ago = ranking.RankInput(product_id=2, relevance=1.0, sales_units_30d=70, sales_units_7d=0)
    lifetime_only = ranking.RankInput(product_id=3, relevance=1.0)

    # then: (70 × 30/7 + 70) / 2 = 185 and 35 thirty-day units on the log scale; nothing for older sales
    assert ranking.monthly_units(this_week) == pytest.approx(185.0)
    assert ranking.monthly_units(weeks_ago) == 35.0
    assert ranking.rank([lifetime_only, weeks_ago, this_week], personalised=False) == [1, 2, 3]
    rows = {r.factor: r for r in ranking.explain(this_week, personalised=False)}
    assert rows["sales_velocity"].value == pytest.approx(0.7564, abs=1e-4)


@pytest.mark.django_db
@pytest.mark.req("R2.1.1")
def test_signals_come_from_paid_orders_refunds_and_open_findings_in_a_fixed_number_of_queries(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given two live products, the first with two SKUs; three paid orders of the first (one 40 days ago,
    # one refunded, one with both its SKUs), none of the second; an open finding on the second's listing
    merchant, _owner = make_merchant()
    with django_capture_on_commit_callbacks(execute=True):
        first, first_skus = live_product(
            merchant,
            title="保温杯",
            skus=(({"颜色": "白"}, 1000, None, 90), ({"颜色": "黑"}, 1000, None, 90)),
        )
        second, _second_skus = live_product(merchant, title="水杯", skus=(({"颜色": "白"}, 1000, None, 90),))
    buyer = make_buyer()
    now = timezone.now()
    white, black = first_skus[0].code, first_skus[1].code
    for n, (lines, days_ago, refunded) in enumerate(
        (([(white, 1), (black, 1)], 1, 0), ([(white, 3)], 10, 500), ([(white, 4)], 40, 0))
    ):
        checkout, _ = checkout_create(
            actor=buyer,
            idempotency_key=f"rank-{n}",
            req=CheckoutRequest(lines=[CartLine(code, qty) for code, qty in lines]),
        )
        Order.objects.unscoped(reason="test").filter(checkout=checkout).update(
            status="paid", paid_at=now - timedelta(days=days_ago), refunded_fen=refunded
        )
    listing = Listing.objects.unscoped(reason="test").get(product_id=second.pk)
    inspection = Inspection.objects.create(status="done", started_at=now)
    InspectionFinding.objects.create(
        inspection=inspection,
        area="listing",
        object_id=str(listing.pk),
        field="title",
        rule="AD-LAW-9-SUPERLATIVE",
        start=0,
        end=2,
        text="最好",
        severity="block",
        fingerprint="x",
    )
    products = [
        rank_inputs.Product(product_id=first.pk),
        rank_inputs.Product(product_id=second.pk),
    ]

    # when
    with count_queries() as queries:
        signals = rank_inputs.compute(products, now=now)

    # then: units of the last 7 / 30 days, orders and refunds of 30 days (the order with both SKUs is one
    # order of the product), the finding; no views stored
    assert signals[first.pk] == rank_inputs.RankSignals(
        units_7d=2, units_30d=5, orders_30d=2, views_30d=0, refunded_orders_30d=1, compliance_findings=0
    )
    assert signals[second.pk] == rank_inputs.RankSignals(compliance_findings=1)
    assert (signals[first.pk].refund_rate, signals[first.pk].conversion) == (0.5, 2 / 20)
    assert len(queries) == 4  # sales, live listings, latest inspection, its findings
    # and the explanation a console shows carries them: the second product's finding costs 0.1
    rows = {r.factor: r for r in search_selectors.ranking_explanation(product_id=second.pk) or []}
    assert (rows["compliance_findings"].value, rows["compliance_findings"].contribution) == (1.0, -0.1)
    rows = {r.factor: r for r in search_selectors.ranking_explanation(product_id=first.pk) or []}
    assert (rows["refund_rate"].value, rows["conversion"].value) == (0.5, 0.1)
