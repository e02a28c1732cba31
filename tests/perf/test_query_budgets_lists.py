"""Query budgets of the console's merchants list and after-sales lists (issue 16), next to
``test_query_budgets.py``: a list costs the same number of queries for few rows and for more (no query
per row), and that number is stated here and in docs/performance.md."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.test import Client

from mallops.testing.aftersales import make_request
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.queries import count_queries

pytestmark = pytest.mark.django_db

# measured (session, user, roles, COUNT, the page, Django's permission cache, the menu's badges) + 2
MERCHANTS_LIST_BUDGET = 15  # 13 measured
AFTERSALES_QUEUE_BUDGET = 13  # 11 measured
AFTERSALES_MERCHANT_BUDGET = 15  # 13 measured (the page's parcels prefetched)


def _queries(get: Callable[[], Any]) -> tuple[int, str]:
    get()  # warm: sessions, caches
    with count_queries() as captured:
        response = get()
    assert response.status_code == 200, response.content[:500]
    return len(captured), captured.report()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_merchants_list_costs_the_same_queries_for_3_and_30_merchants() -> None:
    admin = _client(make_staff("platform_admin"))
    for _ in range(3):
        make_merchant()
    small, _sql = _queries(lambda: admin.get("/merchants/"))
    for _ in range(27):
        make_merchant()
    large, sql = _queries(lambda: admin.get("/merchants/"))
    assert small == large <= MERCHANTS_LIST_BUDGET, f"{small} then {large} queries:\n{sql}"


def test_the_after_sales_lists_cost_the_same_queries_for_2_and_8_requests() -> None:
    merchant, owner = make_merchant()
    agent, store = _client(make_staff("cs_agent")), _client(owner)
    for _ in range(2):
        make_request(merchant)
    pages = {
        "/aftersales/": (agent, AFTERSALES_QUEUE_BUDGET),
        "/aftersales/merchant/": (store, AFTERSALES_MERCHANT_BUDGET),
    }
    small = {path: _queries(partial(c.get, path))[0] for path, (c, _b) in pages.items()}
    for _ in range(6):
        make_request(merchant)
    large = {path: _queries(partial(c.get, path)) for path, (c, _b) in pages.items()}
    for path, (_unused, budget) in pages.items():
        count, sql = large[path]
        assert small[path] == count <= budget, f"{path}: {small[path]} then {count} queries:\n{sql}"
