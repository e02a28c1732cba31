"""Search on PostgreSQL (docs/storefront.md, 搜索索引): the ``to_tsvector('simple', …)`` index over the
jieba-segmented text finds a Chinese product by a word inside a longer title and keeps the filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from storefront_support import live_product

from mallops.storefront import search_selectors
from mallops.testing.factories import make_merchant

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _ids(**kwargs: Any) -> list[int]:
    return sorted(hit.product_id for hit in search_selectors.search(**kwargs).hits)


def test_tsvector_finds_a_word_inside_a_longer_title_and_respects_filters(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given three live products, two of them cups, indexed when their listings went live
    merchant, _owner = make_merchant()
    with django_capture_on_commit_callbacks(execute=True):
        cup, _ = live_product(
            merchant,
            title="德国进口不锈钢真空保温杯大容量学生水杯",
            skus=(({"颜色": "白"}, 9900, None, 5),),
        )
        kids, _ = live_product(merchant, title="儿童保温杯吸管杯", skus=(({"颜色": "蓝"}, 2900, None, 5),))
        cooker, _ = live_product(merchant, title="智能电饭煲家用", skus=(({"颜色": "白"}, 19900, None, 5),))
    assert connection.vendor == "postgresql"
    assert _ids(query="电饭煲") == [cooker.pk]

    # then a word inside the long run-together title finds it, and only what contains every word
    assert _ids(query="保温杯") == sorted([cup.pk, kids.pk])
    assert _ids(query="真空") == [cup.pk]
    assert _ids(query="进口 保温杯") == [cup.pk]
    assert _ids(query="保温杯 电饭煲") == []
    # and the filters hold under the text match: price in fen, category by code
    assert _ids(query="保温杯", min_price_fen=5000) == [cup.pk]
    assert _ids(query="保温杯", max_price_fen=5000) == [kids.pk]
    assert _ids(query="保温杯", category=cup.category.code) == sorted([cup.pk, kids.pk])
    assert _ids(query="保温杯", category="no-such-category") == []
    # relevance is the best match's share, the best being 1.0
    assert max(hit.explanation[0].value for hit in search_selectors.search(query="保温杯").hits) == 1.0
