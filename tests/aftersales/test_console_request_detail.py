"""The after-sales request detail page and review before close (issue 14 item 5, issue 15; R5.2.1)."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.aftersales.disputes import dispute_open, dispute_rule, evidence_add
from mallops.aftersales.models import AfterSalesRequest, TimelineEntry
from mallops.aftersales.services import LineIn, request_approve, request_close, request_create, request_reject
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.testing.aftersales import delivered_order
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request(merchant, qty: int = 1) -> AfterSalesRequest:
    """A refund of ``qty`` units of line 1 (33.33 × 2, paid 59.76 after its 6.90 share of the discount)."""
    order = delivered_order(merchant)
    order.buyer.display_name, order.buyer.phone = "韩梅梅", "13700001111"
    order.buyer.save()
    line = order.lines.unscoped(reason="test").order_by("pk").first()
    return request_create(
        actor=actor_of(order.buyer),
        order_id=order.pk,
        kind="refund",
        classification="product",
        reason="收到时包装破损",
        lines=[LineIn(line.pk, qty)],
    )


def _reload(req: AfterSalesRequest) -> AfterSalesRequest:
    return AfterSalesRequest.objects.unscoped(reason="test").get(pk=req.pk)


@pytest.mark.req("R5.2.1")
def test_a_request_cannot_close_until_a_cs_agent_reviews_it_and_closing_confirms_to_the_customer():
    merchant, owner = make_merchant()
    req = _request(merchant)
    approved = request_approve(actor=actor_of(owner), request_id=req.pk, merchant_id=merchant.pk)
    # the refund went back, but the request waits for review: not closed
    assert (approved.status, approved.refund_fen, approved.closed_at) == ("reviewing", 2988, None)
    agent = make_staff("cs_agent")
    # the merchant cannot close it, neither through the API nor by the service
    store_api = ApiClient(token=token_for(owner))
    assert store_api.post_json(f"/api/v1/aftersales/requests/{req.pk}/close", {}).status_code == 403
    with pytest.raises(DomainError) as denied:
        request_close(actor=actor_of(owner), request_id=req.pk)
    assert denied.value.status == 403
    assert _reload(req).status == "reviewing" and _reload(req).reviewed_at is None
    # the CS agent reviews and closes: the customer gets the confirmation on the request's timeline
    api = ApiClient(token=token_for(agent))
    closed = api.post_json(f"/api/v1/aftersales/requests/{req.pk}/close", {"note": "已核对退款到账"})
    assert closed.status_code == 200, closed.content
    out = json.loads(closed.content)
    assert out["status"] == "closed" and out["closed_at"] and out["reviewed_at"] == out["closed_at"]
    assert [t["event"] for t in out["timeline"]][-3:] == ["concluded", "reviewed", "closed"]
    assert (
        out["timeline"][-1]["text"]
        == f"Your refund request AS{req.pk} is approved; 2988 fen are on the way back."
    )
    row = _reload(req)
    assert (row.reviewed_by_id, row.review_note) == (agent.pk, "已核对退款到账")
    assert AuditEvent.objects.filter(action="aftersales.request_close", object_id=str(req.pk)).count() == 1
    # closing twice is a conflict and changes nothing
    again = api.post_json(f"/api/v1/aftersales/requests/{req.pk}/close", {})
    assert again.status_code == 409 and json.loads(again.content)["code"] == "not_awaiting_review"
    assert TimelineEntry.objects.for_merchant(merchant.pk).filter(request=req, event="closed").count() == 1


@pytest.mark.req("R5.2.1")
def test_a_request_still_being_handled_cannot_be_closed_and_the_database_refuses_an_unreviewed_close():
    merchant, owner = make_merchant()
    pending, rejected = _request(merchant), _request(merchant)
    request_reject(
        actor=actor_of(owner), request_id=rejected.pk, merchant_id=merchant.pk, reason="已超出保修范围"
    )
    api = ApiClient(token=token_for(make_staff("cs_agent")))
    for req, status in ((pending, "pending"), (rejected, "rejected")):
        response = api.post_json(f"/api/v1/aftersales/requests/{req.pk}/close", {})
        assert response.status_code == 409 and json.loads(response.content)["code"] == "not_awaiting_review"
        assert _reload(req).status == status and _reload(req).closed_at is None
    assert api.post_json("/api/v1/aftersales/requests/999999/close", {}).status_code == 404
    too_long = api.post_json(f"/api/v1/aftersales/requests/{pending.pk}/close", {"note": "x" * 501})
    assert too_long.status_code == 422
    # the constraint is the last word: no path writes a closed request without a review
    with pytest.raises(IntegrityError), transaction.atomic():
        AfterSalesRequest.objects.unscoped(reason="test").filter(pk=pending.pk).update(status="closed")


def test_detail_page_shows_the_refund_calculation_messages_photos_and_closes_after_review():
    merchant, owner = make_merchant("鲜果小铺")
    req = _request(merchant, qty=2)
    request_reject(
        actor=actor_of(owner), request_id=req.pk, merchant_id=merchant.pk, reason="包装完好，不同意退款"
    )
    dispute = dispute_open(
        actor=actor_of(req.buyer),
        request_id=req.pk,
        category="quality",
        text="开箱即破损，见照片",
        images=["/evidence/unboxing-1.jpg", "unboxing-2.jpg"],
    )
    evidence_add(
        actor=actor_of(owner),
        request_id=req.pk,
        party="merchant",
        text="发货前质检记录",
        images=["qc-record.jpg"],
        merchant_id=merchant.pk,
    )
    agent = make_staff("cs_agent")
    dispute_rule(
        actor=actor_of(agent),
        dispute_id=dispute.pk,
        ruling="refund_part",
        note="双方各担一半",
        amount_fen=2988,
    )
    staff = _client(agent)
    page = staff.get(f"/aftersales/requests/{req.pk}/").content.decode()
    calc = page.split('data-testid="refund-calc"')[1].split("</dl>")[0]
    # line 1: 66.66 less its 6.90 share of the discount = 59.76 paid for 2 units; both units asked for
    for figure in ("¥66.66", "−¥6.90", "¥59.76"):
        assert figure in calc
    assert 'data-testid="calc-line">¥59.76<' in calc and 'data-testid="calc-requested">¥59.76<' in calc
    assert 'data-testid="calc-ruled">¥29.88<' in calc and 'data-testid="calc-refunded">¥29.88<' in calc
    chat = page.split('data-testid="messages"')[1].split("</ol>")[0]
    for text in (
        "收到时包装破损",
        "包装完好，不同意退款",
        "开箱即破损，见照片",
        "发货前质检记录",
        "双方各担一半",
    ):
        assert text in chat
    assert (
        chat.index("收到时包装破损")
        < chat.index("包装完好")
        < chat.index("开箱即破损")
        < chat.index("双方各担一半")
    )
    assert (
        '<img src="/evidence/unboxing-1.jpg"' in chat and "unboxing-2.jpg" in chat and "qc-record.jpg" in chat
    )
    assert "韩*" in page and "137****1111" in page and "韩梅梅" not in page and "13700001111" not in page
    assert f'href="/orders/{req.order_id}/"' in page
    # waiting for review: the form says what the customer will get, in yuan, and asks for confirmation
    assert 'data-testid="close"' in page and "data-confirm=" in page.split('data-testid="review"')[1]
    assert "¥29.88" in page.split('data-testid="confirmation"')[1].split("</blockquote>")[0]
    assert "fen" not in page.split('data-testid="timeline"')[1]
    assert _client(owner).post(f"/aftersales/requests/{req.pk}/close").status_code == 403
    assert _reload(req).status == "reviewing"
    response = staff.post(f"/aftersales/requests/{req.pk}/close", {"note": "已核对"})
    assert response.status_code == 302 and _reload(req).status == "closed"
    page = staff.get(f"/aftersales/requests/{req.pk}/").content.decode()
    assert 'data-testid="close"' not in page
    assert staff.get("/aftersales/requests/999999/").status_code == 404


def test_cs_workbench_counts_outcomes_waiting_for_review_and_links_exactly_them():
    import re

    merchant, owner = make_merchant()
    other, other_owner = make_merchant()
    waiting, pending = _request(merchant), _request(merchant)
    theirs, done = _request(other), _request(other)
    for req, store, user in (
        (waiting, merchant, owner),
        (theirs, other, other_owner),
        (done, other, other_owner),
    ):
        request_approve(actor=actor_of(user), request_id=req.pk, merchant_id=store.pk)
    agent = make_staff("cs_agent")
    request_close(actor=actor_of(agent), request_id=done.pk)
    client = _client(agent)
    page = client.get("/").content.decode()
    found = re.search(
        r'<a class="tile" href="([^"]+)" data-testid="todo-aftersales_reviewing" data-count="(\d+)">', page
    )
    assert found is not None and (found.group(1), found.group(2)) == ("/aftersales/?status=reviewing", "2")
    listed = client.get("/aftersales/?status=reviewing").content.decode()
    assert {int(n) for n in re.findall(r'href="/aftersales/requests/(\d+)/"', listed)} == {
        waiting.pk,
        theirs.pk,
    }
    assert pending.pk not in {int(n) for n in re.findall(r'href="/aftersales/requests/(\d+)/"', listed)}
