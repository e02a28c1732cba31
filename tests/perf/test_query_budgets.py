"""Query budgets of the hot paths (issue 16; Zulip's ``assert_database_query_count`` is the model).

A list must cost the same number of queries for 5 rows and for 50 (no query per row), and that number is
stated here; a write must stay within its stated budget. A change that adds a query fails with the
captured SQL in the message: raise the budget in the same commit only when the new query is wanted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.catalogue.contracts import SkuInput
from mallops.catalogue.fixtures import make_product
from mallops.orders import selectors as order_selectors
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create, checkout_quote
from mallops.orders.schemas import OrderLineOut, OrderOut, StockOut
from mallops.review import selectors as review_selectors
from mallops.review import services as review
from mallops.review.api import QueueItemOut
from mallops.service import selectors as service_selectors
from mallops.service.schemas import TicketOut
from mallops.service.services import ticket_create
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock
from mallops.testing.queries import count_queries, query_budget

pytestmark = pytest.mark.django_db

# API lists: token look-up (with its user), the actor's role (a store member's store comes with it), COUNT(*),
# the page (+ the page's order lines)
API_LIST_BUDGETS = {
    "/api/v1/merchant/orders": 5,
    "/api/v1/buyer/orders": 4,
    "/api/v1/merchant/stock": 4,
    "/api/v1/review/queue": 4,
    "/api/v1/service/tickets": 4,
}
# console lists (session, user, the page and its widgets; a team member's menu counts unread task notices)
CONSOLE_LIST_BUDGETS = {
    "/orders/merchant/": 9,
    "/orders/merchant/stock/": 8,
    "/review/": 8,
    "/service/": 11,
}
# 3 lines, one store: price (the stock rows with their SKUs, listings and stores: 1), reserve, write, audit
CHECKOUT_BUDGET = 24
# the stock rows with their catalogue SKUs, listings and stores (1), memberships, promotions, coupons
QUOTE_BUDGET = 4
REVIEW_APPROVE_BUDGET = 14
TICKET_REPLY_BUDGET = 23


class Shop:
    """One store with stock, orders, queued listings and tickets, growable to n rows of each."""

    def __init__(self) -> None:
        self.merchant, self.owner = make_merchant()
        self.buyer = make_buyer()
        self.agent = make_staff("cs_agent")
        self.reviewer = make_staff("listing_reviewer")
        self.items: list[Any] = []
        self.orders = self.listings = self.tickets = 0

    def grow(self, n: int) -> None:
        while len(self.items) < max(n, 2):
            self.items.append(make_stock(self.merchant, available=1000))
        while self.orders < n:
            count = len(self.items)
            first, second = self.items[self.orders % count], self.items[(self.orders + 1) % count]
            checkout_create(
                actor=self.buyer,
                idempotency_key=f"budget-{self.orders}",
                req=CheckoutRequest(lines=[CartLine(first.sku_code, 1), CartLine(second.sku_code, 2)]),
            )
            self.orders += 1
        while self.listings < n:
            skus = [
                SkuInput(
                    code=f"QB-{self.merchant.pk}-{self.listings}-{k}",
                    price_fen=3900,
                    stock=5,
                    spec_values={"颜色": colour},
                )
                for k, colour in ((1, "白色"), (2, "蓝色"))
            ]
            # "原价" is a review-severity claim: the version waits in the human queue
            product = make_product(self.merchant.pk, title=f"原价手工陶瓷马克杯 {self.listings}", skus=skus)
            listing = review.listing_create(
                actor=actor_of(None), merchant_id=self.merchant.pk, product_id=product.pk
            )
            review.listing_submit(actor=actor_of(None), merchant_id=self.merchant.pk, listing_id=listing.pk)
            self.listings += 1
        while self.tickets < n:
            ticket_create(
                actor=actor_of(self.agent),
                subject=f"物流查询 {self.tickets}",
                description="包裹三天没有更新。",
                buyer_id=self.buyer.pk,
                merchant_id=self.merchant.pk,
            )
            self.tickets += 1

    def api(self, path: str) -> ApiClient:
        who = {"merchant": self.owner, "buyer": self.buyer, "review": self.reviewer, "service": self.agent}
        return ApiClient(token=token_for(who[path.split("/")[3]]))

    def console(self, path: str) -> Client:
        who = {"orders": self.owner, "review": self.reviewer, "service": self.agent}
        client = Client()
        client.force_login(who[path.split("/")[1]])
        return client


def _queries(get: Callable[[], Any]) -> tuple[int, str]:
    get()  # warm: sessions, token last-used stamp, caches
    with count_queries() as captured:
        response = get()
    assert response.status_code == 200, response.content[:500]
    return len(captured), captured.report()


def test_api_and_console_lists_cost_the_same_queries_for_5_and_50_rows() -> None:
    # one shop grown once for both kinds of list (growing it to 50 rows is most of this file's time)
    shop = Shop()
    shop.grow(5)
    api = {path: shop.api(path) for path in API_LIST_BUDGETS}
    console = {path: shop.console(path) for path in CONSOLE_LIST_BUDGETS}
    gets: dict[str, Callable[[], Any]] = {
        **{path: partial(api[path].get_json, path) for path in API_LIST_BUDGETS},
        **{path: partial(console[path].get, path) for path in CONSOLE_LIST_BUDGETS},
    }
    small = {path: _queries(get) for path, get in gets.items()}
    shop.grow(50)
    large = {path: _queries(get) for path, get in gets.items()}
    listed = {path: api[path].get_json(path).json()["count"] for path in API_LIST_BUDGETS}
    assert min(listed.values()) >= 50, listed  # stock: catalogue SKUs add rows
    counts = {path: (small[path][0], large[path][0]) for path in gets}
    budgets = {
        path: (budget, budget) for path, budget in {**API_LIST_BUDGETS, **CONSOLE_LIST_BUDGETS}.items()
    }
    report = "\n".join(
        f"{path} (5 rows, 50 rows):\n{large[path][1]}" for path in budgets if counts[path] != budgets[path]
    )
    assert counts == budgets, report


def test_checkout_and_quote_stay_within_their_budgets() -> None:
    merchant, _ = make_merchant()
    items = [make_stock(merchant, available=100) for _ in range(3)]
    buyer = make_buyer()
    request = CheckoutRequest(lines=[CartLine(item.sku_code, 1) for item in items])
    checkout_quote(actor=buyer, req=request)  # warm
    with query_budget(at_most=QUOTE_BUDGET):
        quote = checkout_quote(actor=buyer, req=request)
    with query_budget(at_most=CHECKOUT_BUDGET):
        checkout, created = checkout_create(actor=buyer, idempotency_key="budget-1", req=request)
    assert (created, checkout.total_fen) == (True, quote["total"])


def test_review_approve_stays_within_its_budget() -> None:
    shop = Shop()
    shop.grow(1)
    listing_id = review_selectors.review_queue(actor=shop.reviewer).get().listing_id
    client = shop.api("/api/v1/review/")
    assert client.post_json(f"/api/v1/review/listings/{listing_id}/claim", {}).status_code == 200
    with query_budget(at_most=REVIEW_APPROVE_BUDGET):
        approved = client.post_json(f"/api/v1/review/listings/{listing_id}/approve", {})
    assert approved.status_code == 200, approved.content


def test_ticket_reply_stays_within_its_budget() -> None:
    shop = Shop()
    shop.grow(1)
    ticket_id = service_selectors.ticket_list(actor=shop.agent).get().pk
    client = shop.api("/api/v1/service/")
    with query_budget(at_most=TICKET_REPLY_BUDGET):
        replied = client.post_json(
            f"/api/v1/service/tickets/{ticket_id}/replies", {"body": "您好，已为您查询。"}
        )
    assert replied.status_code in (200, 201), replied.content


@pytest.mark.parametrize(
    ("schema", "keys"),
    [
        (OrderOut, [*order_selectors.ORDER_HEAD, "ship_region", *order_selectors.ORDER_TAIL, "lines"]),
        (OrderLineOut, list(order_selectors.LINE_FIELDS)),
        (TicketOut, [*service_selectors.TICKET_HEAD, "calendar_warnings", "routing_hold_reason"]),
    ],
)
def test_row_selectors_name_the_schema_fields_in_order(schema: Any, keys: list[str]) -> None:
    """The list endpoints render selector rows without re-validation: their keys are the schema's."""
    assert list(schema.model_fields) == keys


def test_rows_are_what_the_schema_would_render() -> None:
    shop = Shop()
    shop.grow(2)
    from mallops.orders.models import Order

    orders = Order.objects.for_merchant(shop.merchant.pk).order_by("pk")
    assert order_selectors.order_rows(orders) == [
        OrderOut.from_orm(order).model_dump() for order in order_selectors.with_lines(orders)
    ]
    stock = order_selectors.merchant_stock(actor=shop.owner)
    assert order_selectors.stock_rows(stock) == [StockOut.from_orm(item).model_dump() for item in stock]
    queue = review_selectors.review_queue(actor=shop.reviewer, with_finding_counts=True)
    assert review_selectors.queue_rows(queue) == [QueueItemOut.from_orm(v).model_dump() for v in queue]
    tickets = service_selectors.ticket_list(actor=shop.agent)
    assert service_selectors.ticket_rows(tickets) == [TicketOut.from_orm(t).model_dump() for t in tickets]
