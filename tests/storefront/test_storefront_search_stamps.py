"""Search reads only the matching entries' ids and stamps to make a kept result's key (a statement compiled
once per connection), and the entries' rows on a miss: the same entries, filters and rows as the one read
it replaced (``search_selectors._matching``)."""

from __future__ import annotations

from typing import Any

import pytest
from storefront_support import live_product

from mallops.storefront import search_selectors, services
from mallops.storefront.models import SearchDoc
from mallops.testing.factories import make_merchant
from mallops.testing.queries import query_budget

pytestmark = pytest.mark.django_db

ASKED: list[dict[str, Any]] = [
    {"query": "保温杯", "category": ""},
    {"query": "保温杯 大容量", "category": ""},
    {"query": "保温杯", "category": "", "min_price_fen": 9903},
    {"query": "保温杯", "category": "", "max_price_fen": 9902},
    {"query": "保温杯", "category": "", "min_price_fen": 9901, "max_price_fen": 9903},
    {"query": "", "category": ""},
    {"query": "没有这种商品", "category": ""},
]


def test_the_stamps_read_finds_the_same_entries_and_rows_as_the_full_read() -> None:
    # given five live products, one of them titled apart
    merchant, _owner = make_merchant()
    for n in range(5):
        title = "陶瓷马克杯" if n == 4 else f"不锈钢保温杯 大容量 {n}号"
        live_product(merchant, title=title, skus=(({"颜色": "白"}, 9900 + n, None, 10),))
    services.search_reindex()
    category = SearchDoc.objects.values_list("category_code", flat=True).first()
    asked = [*ASKED, {"query": "", "category": category}, {"query": "杯", "category": "no-such"}]

    for filters in asked:
        # when
        words, relevance, full = search_selectors._matching(**filters)
        with query_budget(at_most=2):  # the full text (with words) and the stamps
            stamp_words, stamp_relevance, stamps = search_selectors._matching_stamps(**filters)

        # then
        assert (stamp_words, stamp_relevance) == (words, relevance), filters
        assert stamps == [{"pk": row["pk"], "indexed_at": row["indexed_at"]} for row in full], filters
        assert search_selectors._entries(stamps) == full, filters
    assert len(search_selectors._matching_stamps(query="保温杯", category="")[2]) == 4
    assert search_selectors._matching_stamps(query="没有这种商品", category="")[2] == []
