"""Reads compiled once per process (``core.fixedsql``) answer exactly what the ORM selectors answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.sql.compiler import SQLCompiler

from mallops.accounts.actors import actor_of
from mallops.catalogue.contracts import SkuInput
from mallops.catalogue.fixtures import make_product
from mallops.core.api import Utf8Renderer
from mallops.core.errors import DomainError
from mallops.core.fixedsql import FixedQuery
from mallops.orders import list_reads
from mallops.orders import selectors as order_selectors
from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
from mallops.orders.models import Order, StockItem
from mallops.review import list_reads as review_list_reads
from mallops.review import selectors as review_selectors
from mallops.review import services as review
from mallops.service import list_reads as service_list_reads
from mallops.service import selectors as service_selectors
from mallops.service.services import ticket_create
from mallops.tenancy.managers import UnscopedQueryError
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db


def _rendered(rows: list[dict[str, Any]]) -> str:
    """The JSON the API answers for ``rows`` (the fixed reads give datetimes as the encoder's text)."""
    text: str = Utf8Renderer().render(None, rows, response_status=200)  # type: ignore[arg-type]
    return text


def _orders(merchant: Any, buyer: Any, n: int, key: str) -> None:
    items = [make_stock(merchant, available=100) for _ in range(2)]
    for k in range(n):
        lines = [CartLine(items[0].sku_code, 1), CartLine(items[1].sku_code, 1 + k % 2)]
        checkout_create(actor=buyer, idempotency_key=f"{key}-{k}", req=CheckoutRequest(lines=lines))


def test_the_fixed_order_pages_are_the_selectors_rows_scoped_alike() -> None:
    # given two stores and two buyers, each buyer with orders in both stores
    (store, owner), (other_store, _) = make_merchant(), make_merchant()
    buyer, other_buyer = make_buyer(), make_buyer()
    _orders(store, buyer, 4, "a")
    _orders(other_store, buyer, 2, "b")
    _orders(store, other_buyer, 3, "c")
    Order.objects.for_merchant(store.pk).filter(buyer_id=other_buyer.pk).update(status="cancelled")
    merchant, customer = actor_of(owner), actor_of(buyer)
    cases = [
        (list_reads.merchant_order_page, merchant, order_selectors.merchant_orders),
        (list_reads.buyer_order_page, customer, order_selectors.buyer_orders),
    ]
    for page_of, actor, selector in cases:
        for status in ("", "created", "cancelled", "paid"):
            expected = order_selectors.order_rows(selector(actor=actor, status=status))
            page = page_of(actor=actor, status=status)
            # when / then: every window of the list is the ORM's, and the count is the list's length
            for offset, limit in ((0, 50), (1, 2), (5, 50), (40, 10)):
                assert _rendered(page.rows(offset, limit)) == _rendered(expected[offset : offset + limit]), (
                    status,
                    offset,
                )
            assert page.count() == len(expected)
    assert {row["merchant_id"] for row in list_reads.merchant_order_page(actor=merchant).rows(0, 50)} == {
        store.pk
    }
    assert list_reads.merchant_order_page(actor=merchant).count() == 7
    assert list_reads.buyer_order_page(actor=customer).count() == 6


def test_a_fixed_query_compiles_once_and_refuses_what_would_widen_it(monkeypatch: Any) -> None:
    store, _ = make_merchant()
    make_stock(store, sku="FIX-1", available=3)
    stock = FixedQuery(
        "test.stock",
        lambda *, merchant_id, code: (
            StockItem.objects.for_merchant(merchant_id).filter(sku_code=code).values("sku_code", "available")
        ),
    )
    assert stock.rows(merchant_id=store.pk, code="FIX-1") == [{"sku_code": "FIX-1", "available": 3}]
    compiled: list[int] = []
    original = SQLCompiler.as_sql

    def counted(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    assert stock.rows(merchant_id=store.pk + 1, code="FIX-1") == []  # another store: its own rows only
    assert stock.rows(merchant_id=store.pk, code="FIX-2") == []
    assert compiled == []  # the SQL was compiled on first use only

    ignored = FixedQuery(
        "test.ignored", lambda *, merchant_id, code: StockItem.objects.for_merchant(merchant_id).values("pk")
    )
    with pytest.raises(ValueError, match="code did not reach the SQL"):
        ignored.rows(merchant_id=store.pk, code="FIX-1")
    unscoped = FixedQuery(
        "test.unscoped", lambda *, code: StockItem.objects.filter(sku_code=code).values("pk")
    )
    with pytest.raises(UnscopedQueryError):
        unscoped.rows(code="FIX-1")
    with pytest.raises(TypeError):
        stock.rows(merchant_id=True, code="FIX-1")


def test_the_fixed_stock_and_review_queue_pages_are_the_selectors_rows() -> None:
    store, owner = make_merchant()
    for n in range(3):
        make_stock(store, available=10 + n)
        skus = [SkuInput(code=f"FXQ-{store.pk}-{n}", price_fen=3900, stock=5, spec_values={"颜色": "白色"})]
        product = make_product(store.pk, title=f"原价手工陶瓷马克杯 {n}", skus=skus)  # "原价": human review
        listing = review.listing_create(actor=actor_of(None), merchant_id=store.pk, product_id=product.pk)
        review.listing_submit(actor=actor_of(None), merchant_id=store.pk, listing_id=listing.pk)
    merchant, reviewer = actor_of(owner), actor_of(make_staff("listing_reviewer"))
    stock = order_selectors.stock_rows(order_selectors.merchant_stock(actor=merchant))
    queue = review_selectors.queue_rows(
        review_selectors.review_queue(actor=reviewer, with_finding_counts=True)
    )
    assert len(queue) == 3 and any(row["catalogue_sku_code"] for row in stock)
    pages = [(list_reads.merchant_stock_page(actor=merchant), stock)]
    pages.append((review_list_reads.review_queue_page(actor=reviewer), queue))
    for page, expected in pages:
        assert page.count() == len(expected)
        for offset, limit in ((0, 50), (1, 1), (2, 5)):
            assert _rendered(page.rows(offset, limit)) == _rendered(expected[offset : offset + limit])
    with pytest.raises(DomainError):
        review_list_reads.review_queue_page(actor=merchant)  # listing.review is checked on every call


def test_the_fixed_desk_ticket_page_is_the_selectors_rows() -> None:
    store, owner = make_merchant()
    agent, buyer = make_staff("cs_agent"), make_buyer()
    for n in range(3):
        ticket_create(
            actor=actor_of(agent),
            subject=f"物流查询 {n}",
            description="包裹没有更新。",
            buyer_id=buyer.pk,
            merchant_id=store.pk,
        )
    desk = actor_of(agent)
    expected = service_selectors.ticket_rows(service_selectors.ticket_list(actor=desk))
    page = service_list_reads.desk_ticket_page(actor=desk)
    assert len(expected) == page.count() == 3
    for offset, limit in ((0, 50), (1, 1), (2, 5)):
        assert _rendered(page.rows(offset, limit)) == _rendered(expected[offset : offset + limit])
    with pytest.raises(DomainError):
        service_list_reads.desk_ticket_page(actor=actor_of(owner))  # ticket.handle is checked on every call


@pytest.mark.parametrize(
    "stored",
    [
        datetime(2026, 12, 7, 20, 31, 8, 980123, tzinfo=UTC),
        datetime(2026, 12, 7, 20, 31, 8, tzinfo=UTC),  # no microseconds: no fraction in the text
        datetime(2026, 12, 7, 20, 31, 8, 500, tzinfo=UTC),
        datetime(2026, 12, 8, 4, 31, 8, 1000, tzinfo=ZoneInfo("Asia/Shanghai")),
    ],
)
def test_a_json_datetime_column_reads_as_the_encoder_writes_it(stored: datetime) -> None:
    # given an order whose due time is stored as above
    store, _ = make_merchant()
    _orders(store, make_buyer(), 1, f"dt-{stored.microsecond}")
    Order.objects.for_merchant(store.pk).update(pay_due_at=stored, paid_at=None)
    # when the fixed read (datetimes as JSON text) and the ORM read it
    fixed = list_reads.MERCHANT_ORDERS.rows(shape=(False,), merchant_id=store.pk)[0]
    orm = Order.objects.for_merchant(store.pk).values("pay_due_at", "paid_at").get()
    # then the text is what the API's encoder writes for the ORM's value
    assert fixed["pay_due_at"] == DjangoJSONEncoder().default(orm["pay_due_at"])
    assert fixed["paid_at"] is None
    assert fixed["pay_due_at"].endswith("Z")
