"""搜索排序解释 (R2.1.1 step 4): a live product's 综合 rank for a search word and a category with each
input's value, weight and contribution, for everybody and personalised side by side (docs/storefront.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from storefront_support import live_product

from mallops.storefront import search_selectors
from mallops.storefront.models import SearchDoc
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _live(merchant: Any, capture: Any, title: str) -> Any:
    with capture(execute=True):
        product, _skus = live_product(merchant, title=title)
    return product


@pytest.mark.req("R2.1.1")
def test_the_report_places_the_product_and_adds_the_personal_factor_only_on_the_personalised_side(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given two matching cups, the second with the better quality score, and a kettle
    merchant, _owner = make_merchant()
    cup = _live(merchant, django_capture_on_commit_callbacks, "不锈钢保温杯 大容量")
    better = _live(merchant, django_capture_on_commit_callbacks, "儿童保温杯 吸管")
    kettle = _live(merchant, django_capture_on_commit_callbacks, "电热水壶 家用")
    SearchDoc.objects.filter(product_id=better.pk).update(quality_score=90)

    # when
    report = search_selectors.ranking_report(product_id=cup.pk, query="保温杯")

    # then: second of two for everybody, with the search's own explanation and score
    assert report is not None and report.matches
    assert (report.total, report.everyone.position) == (2, 2)
    hit = next(h for h in search_selectors.search(query="保温杯").hits if h.product_id == cup.pk)
    assert (report.everyone.explanation, report.everyone.score) == (hit.explanation, hit.score)
    plain = [row.factor for row in report.everyone.explanation]
    personal = {row.factor: row for row in report.personalised.explanation}
    assert "affinity" not in plain
    assert (personal["affinity"].value, personal["affinity"].contribution) == (1.0, 0.1)
    assert report.personalised.score == pytest.approx(report.everyone.score + 0.1)
    assert [f for f, _row in ((r[1].factor, r) for r in report.rows)] == [
        "relevance",
        "sales_velocity",
        "conversion",
        "review_score",
        "quality_score",
        "affinity",
        "compliance_findings",
        "refund_rate",
    ]

    # a product that does not match is explained with relevance 0 and no place; not live: no report
    other = search_selectors.ranking_report(product_id=kettle.pk, query="保温杯")
    assert other is not None and not other.matches and other.everyone.position is None
    assert {r.factor: r.value for r in other.everyone.explanation}["relevance"] == 0.0
    assert search_selectors.ranking_report(product_id=10**9) is None
    assert search_selectors.ranking_products(text="保温杯") == [
        (better.pk, "儿童保温杯 吸管"),
        (cup.pk, "不锈钢保温杯 大容量"),
    ]


def test_content_operations_read_the_page_in_chinese_and_others_are_refused(
    django_capture_on_commit_callbacks: Any,
) -> None:
    merchant, owner = make_merchant()
    cup = _live(merchant, django_capture_on_commit_callbacks, "不锈钢保温杯 大容量")
    staff = Client()
    staff.force_login(make_staff("content_ops"))

    picker = staff.get("/storefront/ranking/", {"find": "保温杯"}).content.decode()
    assert f'href="?product={cup.pk}&amp;query=&amp;category="' in picker and "搜索排序解释" in picker

    page = staff.get("/storefront/ranking/", {"product": cup.pk, "query": "保温杯"}).content.decode()
    assert "在 1 件结果中，对所有人排第 1 位；对买过该类目的买家排第 1 位。" in page
    assert "所有人（非个性化）" in page and "个性化：买过该类目的买家" in page
    assert (
        "与搜索词的相关度" in page
        and "扣分：退款率（30 天）" in page
        and 'id="ranking-contributions"' in page
    )
    assert "sales_velocity" not in page and "refund_rate" not in page  # words, not codes

    store = Client()
    store.force_login(owner)
    assert store.get("/storefront/ranking/").status_code == 403
