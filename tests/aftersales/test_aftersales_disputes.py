"""Disputes (R5.2.2): evidence from both sides, timed steps, platform ruling; permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mallops.aftersales.models import Dispute, Evidence, TimelineEntry
from mallops.core.sweeps import registered, run_sweeper
from mallops.orders.models import Order, OrderLine
from mallops.payments.models import Payment, Refund
from mallops.testing.aftersales import delivered_order, make_request
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _rejected(whole: bool = False):
    merchant, owner = make_merchant()
    order = delivered_order(merchant)
    lines = list(OrderLine.objects.for_merchant(merchant.pk).filter(order=order).order_by("pk"))
    picked = lines if whole else lines[:1]
    buyer = ApiClient(token=token_for(order.buyer))
    body = {
        "order_id": order.pk,
        "kind": "return",
        "classification": "product",
        "reason": "做工粗糙，线头很多",
        "lines": [{"order_line_id": ln.pk, "qty": ln.qty} for ln in picked],
    }
    req = json.loads(buyer.post_json("/api/v1/buyer/aftersales", body).content)
    shop = ApiClient(token=token_for(owner))
    rejected = shop.post_json(
        f"/api/v1/merchant/aftersales/{req['id']}/reject", {"reason": "已穿着，影响二次销售"}
    )
    assert rejected.status_code == 200, rejected.content
    return {"merchant": merchant, "order": order, "req": req, "buyer": buyer, "shop": shop}


def _open(s, **extra):
    body = {
        "category": "quality",
        "text": "收到即有破损",
        "images": ["box.jpg", "https://img.example/2.png"],
    } | extra
    return s["buyer"].post_json(f"/api/v1/buyer/aftersales/{s['req']['id']}/dispute", body)


@pytest.mark.req("R5.2.2")
def test_dispute_with_evidence_and_partial_ruling_refunds_through_the_provider():
    s = _rejected()
    opened = _open(s)
    assert opened.status_code == 201, opened.content
    out = json.loads(opened.content)
    d = out["dispute"]
    assert out["status"] == "disputed" and d["status"] == "open" and d["category"] == "quality"
    assert d["merchant_evidence_due_at"] and d["ruling_due_at"]
    assert d["evidence"][0]["images"] == ["box.jpg", "https://img.example/2.png"]
    more = s["shop"].post_json(
        f"/api/v1/merchant/aftersales/{s['req']['id']}/evidence",
        {"text": "发货前质检照片", "images": ["qc.jpg"]},
    )
    assert more.status_code == 201, more.content
    assert [e["party"] for e in json.loads(more.content)["dispute"]["evidence"]] == ["buyer", "merchant"]
    # the evidence window ends (sweep), the dispute waits for the ruling
    later = datetime.now(UTC) + timedelta(hours=49)
    assert run_sweeper(registered()["aftersales.evidence_closed"], now=later) == 1
    assert Dispute.objects.unscoped(reason="test").get().status == "awaiting_ruling"
    late = s["shop"].post_json(f"/api/v1/merchant/aftersales/{s['req']['id']}/evidence", {"text": "补充"})
    assert late.status_code == 409 and json.loads(late.content)["code"] == "evidence_window_closed"
    # the buyer may still add evidence until the ruling
    assert (
        s["buyer"]
        .post_json(f"/api/v1/buyer/aftersales/{s['req']['id']}/evidence", {"text": "补充照片"})
        .status_code
        == 201
    )
    staff = ApiClient(token=token_for(make_staff("cs_agent")))
    queue = json.loads(staff.get_json("/api/v1/aftersales/disputes").content)["items"]
    assert [q["id"] for q in queue] == [d["id"]]
    rule_url = f"/api/v1/aftersales/disputes/{d['id']}/rule"
    too_much = staff.post_json(
        rule_url,
        {"ruling": "refund_part", "note": "双方各担一半", "amount_fen": s["req"]["requested_fen"]},
        headers={"Idempotency-Key": "r0"},
    )
    assert too_much.status_code == 422 and json.loads(too_much.content)["errors"][0]["loc"] == [
        "body",
        "amount_fen",
    ]
    half = s["req"]["requested_fen"] // 2
    ruled = staff.post_json(
        rule_url,
        {"ruling": "refund_part", "note": "双方各担一半", "amount_fen": half},
        headers={"Idempotency-Key": "r1"},
    )
    assert ruled.status_code == 200, ruled.content
    final = json.loads(ruled.content)
    assert (
        final["status"] == "reviewing" and final["outcome"] == "ruled_refund" and final["refund_fen"] == half
    )
    assert Refund.objects.get().amount_fen == half
    events = [t["event"] for t in final["timeline"]]
    assert events == [
        "created",
        "acknowledged",
        "rejected",
        "dispute_opened",
        "evidence",
        "evidence",
        "evidence_closed",
        "evidence",
        "ruled",
        "refunded",
        "concluded",
    ]
    again = staff.post_json(rule_url, {"ruling": "reject", "note": "x"}, headers={"Idempotency-Key": "r2"})
    assert again.status_code == 409


@pytest.mark.req("R5.2.2")
def test_whole_order_dispute_ruled_in_full_refunds_the_order_and_rejection_restores_it():
    s = _rejected(whole=True)
    status = lambda: Order.objects.for_merchant(s["merchant"].pk).get(pk=s["order"].pk).status  # noqa: E731
    assert status() == "delivered"  # rejection gave the order its status back
    d = json.loads(_open(s).content)["dispute"]
    assert status() == "refunding"
    staff = ApiClient(token=token_for(make_staff("cs_supervisor")))
    staff.post_json(
        f"/api/v1/aftersales/disputes/{d['id']}/rule",
        {"ruling": "refund_full", "note": "商家举证不足"},
        headers={"Idempotency-Key": "f"},
    )
    assert status() == "refunded"
    assert Payment.objects.get().status == "refunded"

    s2 = _rejected(whole=True)
    d2 = json.loads(_open(s2).content)["dispute"]
    out = json.loads(
        staff.post_json(
            f"/api/v1/aftersales/disputes/{d2['id']}/rule",
            {"ruling": "reject", "note": "无证据"},
            headers={"Idempotency-Key": "g"},
        ).content
    )
    assert out["outcome"] == "refused" and out["refund_fen"] == 0
    assert Order.objects.for_merchant(s2["merchant"].pk).get(pk=s2["order"].pk).status == "delivered"


def test_overdue_ruling_is_flagged_by_the_sweep():
    s = _rejected()
    _open(s)
    sweeper = registered()["aftersales.ruling_overdue"]
    late = datetime.now(UTC) + timedelta(hours=73)
    assert run_sweeper(sweeper, now=late) == 1 and run_sweeper(sweeper, now=late) == 0
    assert Dispute.objects.unscoped(reason="test").get().ruling_overdue
    assert TimelineEntry.objects.unscoped(reason="test").filter(event="ruling_overdue").count() == 1


def test_bad_dispute_input_is_422_and_writes_nothing():
    s = _rejected()
    bad = _open(s, category="angry", text="", images=["", "a.jpg"])
    assert bad.status_code == 422
    locs = [e["loc"] for e in json.loads(bad.content)["errors"]]
    assert locs == [["body", "category"], ["body", "text"], ["body", "images", 0]]
    assert not Dispute.objects.unscoped(reason="test").exists()
    assert not Evidence.objects.unscoped(reason="test").exists()
    # a pending (not rejected) request cannot be disputed
    merchant, _ = make_merchant()
    pending = make_request(merchant)
    other = ApiClient(token=token_for(pending.buyer)).post_json(
        f"/api/v1/buyer/aftersales/{pending.pk}/dispute", {"category": "delay", "text": "太慢"}
    )
    assert other.status_code == 409


def test_permissions():
    merchant, owner = make_merchant()
    req = make_request(merchant)
    assert (
        ApiClient(token=token_for(owner)).get_json(f"/api/v1/merchant/aftersales/{req.pk}").status_code == 200
    )
    # another buyer cannot see it; a merchant cannot use the buyer routes; staff without the permission: 403
    other_buyer = delivered_order(make_merchant()[0]).buyer
    assert (
        ApiClient(token=token_for(other_buyer)).get_json(f"/api/v1/buyer/aftersales/{req.pk}").status_code
        == 404
    )
    assert ApiClient(token=token_for(owner)).get_json("/api/v1/buyer/aftersales").status_code == 403
    analyst = ApiClient(token=token_for(make_staff("data_ops")))
    denied = analyst.get_json("/api/v1/aftersales/requests")
    assert denied.status_code == 403 and json.loads(denied.content)["permission"] == "aftersales.handle"
    assert (
        analyst.post_json("/api/v1/aftersales/disputes/1/rule", {"ruling": "reject", "note": "x"}).status_code
        == 403
    )
    agent = ApiClient(token=token_for(make_staff("cs_agent")))
    assert [r["id"] for r in json.loads(agent.get_json("/api/v1/aftersales/requests").content)["items"]] == [
        req.pk
    ]
    assert ApiClient(token=token_for(req.buyer)).get_json("/api/v1/merchant/aftersales").status_code in (
        403,
        404,
    )
