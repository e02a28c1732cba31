"""Risk control in the live flows: coupon claims, checkout, refund requests, logins and registrations
go through the engine before their own transaction; a block answers 403 ``risk_blocked``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mallops.orders.models import Order
from mallops.pricing.models import Coupon, CouponBatch
from mallops.risk.flows import order_ref
from mallops.risk.models import RiskDecision, RiskEventLog
from mallops.testing.client import ApiClient
from mallops.testing.factories import PASSWORD, make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db

CLAIM = "/api/v1/buyer/coupons/claim"


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _claim(buyer: Any, code: str, device: str | None) -> Any:
    headers = {"X-Device-Id": device} if device else {}
    return ApiClient(token=token_for(buyer)).post_json(CLAIM, {"code": code}, headers=headers)


def _coupons(batch: CouponBatch) -> list[int]:
    rows = Coupon.objects.unscoped(reason="test").filter(batch=batch)
    return sorted(rows.values_list("buyer_id", flat=True))


@pytest.mark.req("R7.2.2")
def test_a_coupon_ring_sharing_a_device_is_refused_on_the_third_claim() -> None:
    # given three buyers on one phone and one batch
    batch = make_batch(None, claim_code="RING1")
    buyers = [make_buyer(f"ring-{i}") for i in range(3)]
    # when each claims it from the shared device
    answers = [_claim(buyer, "ring1", "phone-farm-1") for buyer in buyers]
    # then the first is allowed, the second goes through and is queued, the third is refused
    assert [a.status_code for a in answers] == [201, 201, 403]
    problem = _body(answers[2])
    assert answers[2]["Content-Type"] == "application/problem+json"
    assert problem["code"] == "risk_blocked"
    assert problem["detail"] == "该账号存在异常领券行为，暂时无法领取优惠券。"
    assert "ring-0" not in json.dumps(problem, ensure_ascii=False)  # no linked accounts shown
    assert _coupons(batch) == [buyers[0].pk, buyers[1].pk]
    batch.refresh_from_db()
    assert batch.issued_count == 2
    queue = list(RiskDecision.objects.order_by("pk").values_list("buyer", "outcome", "rules", "subject_ref"))
    assert queue == [
        (str(buyers[1].pk), "review", ["coupon_ring"], f"batch:{batch.pk}"),
        (str(buyers[2].pk), "block", ["coupon_ring"], f"batch:{batch.pk}"),
    ]
    assert list(RiskEventLog.objects.order_by("pk").values_list("event_type", "outcome")) == [
        ("coupon_claim", "allow"),
        ("coupon_claim", "review"),
        ("coupon_claim", "block"),
    ]


def test_claims_from_different_devices_are_not_linked_and_all_pass() -> None:
    batch = make_batch(None, claim_code="FAIR1")
    buyers = [make_buyer(f"fair-{i}") for i in range(4)]
    answers = [_claim(buyer, "FAIR1", f"own-phone-{i}") for i, buyer in enumerate(buyers)]
    assert [a.status_code for a in answers] == [201, 201, 201, 201]
    assert RiskDecision.objects.count() == 0
    assert RiskEventLog.objects.filter(outcome="allow").count() == 4
    assert len(_coupons(batch)) == 4


@pytest.mark.req("R7.2.2")
def test_an_analyst_confirms_a_ring_and_the_linked_accounts_next_claims_are_refused() -> None:
    # given a ring of two on one device: the second claim is queued for review
    first, second = make_batch(None, claim_code="R2A"), make_batch(None, claim_code="R2B")
    ring = [make_buyer("pair-0"), make_buyer("pair-1")]
    assert [_claim(b, "R2A", "shared-phone").status_code for b in ring] == [201, 201]
    decision = RiskDecision.objects.get()
    assert (decision.outcome, decision.rules) == ("review", ["coupon_ring"])
    # when an analyst confirms it through the API
    analyst = ApiClient(token=token_for(make_staff("risk_analyst")))
    confirmed = analyst.post_json(f"/api/v1/risk/decisions/{decision.pk}/confirm", {"note": "同机多号"})
    assert confirmed.status_code == 200 and _body(confirmed)["status"] == "confirmed"
    # then both linked accounts are refused on the next batch, whoever claims first
    for buyer in ring:
        refused = _claim(buyer, "R2B", None)
        assert refused.status_code == 403 and _body(refused)["code"] == "risk_blocked"
    assert _coupons(second) == []
    assert _coupons(first) == [ring[0].pk, ring[1].pk]
    # an unlinked buyer still claims it
    assert _claim(make_buyer("outsider"), "R2B", "another-phone").status_code == 201


@pytest.fixture
def store() -> dict[str, Any]:
    merchant, _ = make_merchant()
    make_stock(merchant, sku="BR-1", price_fen=1990, available=100)
    return {"merchant": merchant}


def _checkout(client: ApiClient, key: str, device: str) -> Any:
    return client.post_json(
        "/api/v1/buyer/checkout",
        {"lines": [{"sku": "BR-1", "qty": 1}]},
        headers={"Idempotency-Key": key, "X-Device-Id": device},
    )


@pytest.mark.req("R7.2.2")
def test_brushing_orders_reach_the_queue_and_go_through(store: dict[str, Any]) -> None:
    # given two buyers on one device (linked), ordering from one shop within the hour
    buyers = [make_buyer("brush-0"), make_buyer("brush-1")]
    clients = [ApiClient(token=token_for(b)) for b in buyers]
    # when they place five orders between them
    answers = [_checkout(clients[i % 2], f"k{i}", "brush-phone") for i in range(5)]
    # then all five are placed (review lets them through) and the fifth is queued as brushing
    assert [a.status_code for a in answers] == [201] * 5
    assert Order.objects.unscoped(reason="test").count() == 5
    decision = RiskDecision.objects.get()
    assert (decision.event_type, decision.outcome, decision.rules, decision.status) == (
        "order",
        "review",
        ["brushing"],
        "open",
    )
    ref = order_ref(buyer_id=buyers[0].pk, idempotency_key="k4", merchant_id=store["merchant"].pk)
    assert decision.subject_ref == f"order:{ref}"
    assert decision.evidence["linked"]["buyers"] == sorted([str(b.pk) for b in buyers])
    assert decision.evidence["linked"]["devices"] == ["brush-phone"]
    # the analysts' queue lists it by rule
    analyst = ApiClient(token=token_for(make_staff("risk_analyst")))
    page = _body(analyst.get_json("/api/v1/risk/decisions?status=open&rule=brushing"))
    assert [item["id"] for item in page["items"]] == [decision.pk]


def test_a_replayed_checkout_is_not_assessed_again(store: dict[str, Any]) -> None:
    client = ApiClient(token=token_for(make_buyer("replay")))
    assert _checkout(client, "same", "d1").status_code == 201
    assert _checkout(client, "same", "d1").status_code == 201
    assert RiskEventLog.objects.filter(event_type="order").count() == 1


def test_buyer_sign_in_and_registration_feed_the_engine_and_staff_sign_in_does_not() -> None:
    api = ApiClient()
    created = api.post_json(
        "/api/v1/buyers",
        {"phone": "13800001234", "password": "Secret-pass-1"},
        headers={"X-Device-Id": "new-phone"},
    )
    assert created.status_code == 201, created.content
    token = api.post_json(
        "/api/v1/auth/token",
        {"username": "13800001234", "password": "Secret-pass-1"},
        headers={"X-Device-Id": "new-phone"},
    )
    assert token.status_code == 201
    make_staff("cs_agent", username="agent-1")
    assert (
        api.post_json("/api/v1/auth/token", {"username": "agent-1", "password": PASSWORD}).status_code == 201
    )
    rows = list(RiskEventLog.objects.order_by("pk").values_list("event_type", "outcome", "payload"))
    assert [(t, o) for t, o, _ in rows] == [("register", "allow"), ("login", "allow")]
    assert rows[1][2]["device"] == "new-phone"


def test_an_allowed_assessment_costs_five_queries_inside_a_transaction() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mallops.risk import services
    from mallops.risk.contracts import EventType, RiskEvent

    services.assess(event=RiskEvent(id="warm", type=EventType.LOGIN, buyer="1"))
    with CaptureQueriesContext(connection) as queries:
        services.assess(event=RiskEvent(id="claim", type=EventType.COUPON_CLAIM, buyer="1", batch="1"))
    # PostgreSQL reads an iterator through a server-side cursor (DECLARE … then FETCH/CLOSE)
    renamed = {"DECLARE": "SELECT"}
    statements = [
        renamed.get(word, word)
        for word in (q["sql"].split()[0] for q in queries.captured_queries)
        if word not in ("FETCH", "CLOSE", "MOVE")
    ]
    # profile, the joined row still there, catch-up, confirmed rings, the log insert (+ the savepoint)
    assert statements == ["SAVEPOINT", "SELECT", "SELECT", "SELECT", "SELECT", "INSERT", "RELEASE"]
