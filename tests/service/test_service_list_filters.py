"""The ticket list filters, shared by the platform desk and store CS: exact counts with pagination,
including ``breached`` (a ticket with two breached clocks is counted once) and bad values as 422."""

from __future__ import annotations

import pytest
from service_helpers import make_agent, sh

from mallops.accounts.actors import actor_of
from mallops.core.sweeps import run_all
from mallops.service import services
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, token_for

pytestmark = pytest.mark.django_db


def _open(actor, buyer, at, merchant=None, category="product", subject="商品咨询"):
    return services.ticket_create(
        actor=actor_of(actor),
        buyer_id=buyer.pk,
        subject=subject,
        description="内容",
        category=category,
        merchant_id=None if merchant is None else merchant.pk,
        now=at,
    )


@pytest.mark.req("R5.1.1")
def test_desk_and_store_lists_share_filters_and_count_exactly(agent, buyer, supervisor):
    store, _ = make_merchant()
    cs = make_member(store, role="merchant_cs").user
    make_agent("product", "logistics", "service", user=cs, merchant=store)
    old = _open(agent, buyer, sh(2026, 3, 2, 10, 0), store, subject="旧问题")
    _open(agent, buyer, sh(2026, 3, 2, 10, 0), None, category="service")
    run_all(sh(2026, 3, 5, 12, 0))  # both early tickets breach first response and resolution
    fresh = [_open(agent, buyer, sh(2026, 3, 5, 12, 0), store) for _ in range(3)]
    desk = ApiClient(token=token_for(agent))
    shop = ApiClient(token=token_for(cs))

    def ids(client, query):
        body = client.get_json("/api/v1/" + query).json()
        return body["count"], [row["id"] for row in body["items"]]

    count, rows = ids(desk, "service/tickets?breached=true")
    assert count == 2 and len(rows) == 2  # two breached clocks each, counted once
    assert ids(shop, "merchant/tickets?breached=true") == (1, [old.pk])
    assert ids(desk, f"service/tickets?merchant_id={store.pk}&limit=2&offset=0")[0] == 4
    assert len(ids(desk, f"service/tickets?merchant_id={store.pk}&limit=2&offset=2")[1]) == 2
    assert ids(shop, "merchant/tickets?q=旧问题") == (1, [old.pk])
    assert ids(shop, "merchant/tickets?category=service") == (0, [])
    count, rows = ids(shop, "merchant/tickets?limit=1")
    assert count == 4 and rows == [fresh[-1].pk]
    bad = desk.get_json("/api/v1/service/tickets?assignee_id=x&mine=maybe")
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {("query", "assignee_id"), ("query", "mine")}
