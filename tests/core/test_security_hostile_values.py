"""Hostile values of every JSON type posted into representative endpoints (issue 13).

The oracle is simple: never a 5xx, every 4xx is problem+json, and a 4xx writes nothing (the rows of the
tables the endpoint writes, and the audit log, are counted before and after).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.audit.models import AuditEvent
from mallops.orders.models import Order, StockItem, StockLedger
from mallops.service.models import Ticket, TicketEvent
from mallops.service.services import ticket_create
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "x\x07y",
    "\x1b[2J",
    "\u200b",
    "\u200b\u200d\ufeff",
    "\u202eevil\u202c",
    "\u0661\u0663\u0669\u0660\u0660\u0661\u0663\u0669\u0660\u0660\u0660",
    "ｆｕｌｌ",
    "e\u0301",
    "line\nbreak",
    "tab\there",
    "",
    " ",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]
HUGE_INTS = [2**63, 2**63 - 1, -(2**63), -(2**63) - 1, 2**53, 2**64, 10**30, -1, 0, 1, 99_999, 100_000]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    # control, format, surrogate, space and non-ASCII digit characters mixed with ordinary ones
    st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Nd", "Lo", "Mn"]), min_size=1, max_size=8),
)
hostile_numbers = st.one_of(
    st.sampled_from(HUGE_INTS), st.integers(min_value=-(2**80), max_value=2**80), st.floats(allow_nan=False)
)
scalars = st.one_of(hostile_text, hostile_numbers, st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def _bodies(base: dict[str, Any]) -> st.SearchStrategy[Any]:
    """The valid body with some fields replaced by hostile values, or a hostile value as the whole body."""
    overrides = st.dictionaries(
        st.sampled_from(sorted(base)),
        st.one_of(hostile_text, hostile_numbers, values),
        min_size=1,
        max_size=2,
    )
    return st.one_of(overrides.map(lambda o: {**base, **o}), overrides.map(lambda o: {**base, **o}), values)


def _count(model: Any) -> int:
    manager = model.objects
    if hasattr(manager, "unscoped"):
        return int(manager.unscoped(reason="test: rows before and after").count())
    return int(manager.count())


def _counts() -> tuple[int, ...]:
    return tuple(_count(m) for m in (User, Ticket, TicketEvent, StockItem, StockLedger, Order, AuditEvent))


def _post(client: ApiClient, path: str, body: Any) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={**client._headers(None), "Idempotency-Key": uuid.uuid4().hex},
    )


def _check(response: Any, before: tuple[int, ...]) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), response.content[:300]
        if response.status_code != 429:
            assert _counts() == before


@pytest.fixture
def world() -> dict[str, Any]:
    merchant, owner = make_merchant()
    item = make_stock(merchant, available=50)
    buyer = make_buyer()
    ticket = ticket_create(
        actor=actor_of(buyer),
        subject="商品咨询",
        description="请问有货吗",
        channel="app",
        category="product",
        merchant_id=merchant.pk,
    )
    return {
        "anonymous": ApiClient(),
        "buyer": ApiClient(token=token_for(buyer)),
        "merchant": ApiClient(token=token_for(owner)),
        "admin": ApiClient(token=token_for(make_staff("platform_admin"))),
        "item": item,
        "ticket": ticket,
    }


ENDPOINTS: dict[str, tuple[str, Callable[[dict[str, Any]], str], dict[str, Any]]] = {
    "buyer registration": (
        "anonymous",
        lambda w: "/api/v1/buyers",
        {"phone": "13700137000", "password": "a-long-test-password", "display_name": "小王"},
    ),
    "ticket create": (
        "buyer",
        lambda w: "/api/v1/buyer/tickets",
        {"subject": "咨询", "description": "有货吗"},
    ),
    "ticket reply": (
        "buyer",
        lambda w: f"/api/v1/buyer/tickets/{w['ticket'].pk}/replies",
        {"body": "谢谢", "reopen": False},
    ),
    "merchant stock set": (
        "merchant",
        lambda w: f"/api/v1/merchant/stock/{w['item'].pk}/set",
        {"available": 10, "reason": "盘点"},
    ),
    "merchant stock receive": (
        "merchant",
        lambda w: "/api/v1/merchant/stock",
        {"sku_code": "HOSTILE-1", "qty": 5, "price_fen": 100, "title": "商品"},
    ),
    "buyer checkout": ("buyer", lambda w: "/api/v1/buyer/checkout", {"lines": [{"sku": "X", "qty": 1}]}),
    "events ingest": (
        "anonymous",
        lambda w: "/api/v1/events",
        {
            "batch": [
                {
                    "uuid": str(uuid.uuid4()),
                    "event": "signup",
                    "distinct_id": "d1",
                    "timestamp": "2026-12-01T10:00:00+08:00",
                }
            ]
        },
    ),
    "staff create": (
        "admin",
        lambda w: "/api/v1/staff",
        {"username": "hostile-staff", "password": "a-long-test-password", "roles": ["cs_agent"], "email": ""},
    ),
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_hostile_values_never_give_5xx_and_a_refusal_writes_nothing(
    world: dict[str, Any], endpoint: str, settings_data_dir: None
) -> None:
    client_name, path_of, base = ENDPOINTS[endpoint]
    if endpoint == "buyer checkout":
        base = {"lines": [{"sku": world["item"].sku_code, "qty": 1}]}
    client = world[client_name]
    path = path_of(world)

    @settings(
        max_examples=50,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=_bodies(base))
    def probe(body: Any) -> None:
        before = _counts()
        _check(_post(client, path, body), before)

    probe()


@pytest.fixture
def settings_data_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
