"""The service API: staff desk, buyer intake and rating, store CS scoped to its own store (R5.1.1)."""

from __future__ import annotations

import pytest
from service_helpers import make_agent, make_buyer

from mallops.accounts.actors import actor_of
from mallops.service import services
from mallops.service.models import ReplyTemplate, ServiceTask
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(agent):
    return ApiClient(token=token_for(agent))


@pytest.mark.req("R5.1.1")
def test_buyer_intake_agent_reply_resolve_and_buyer_rating(desk, agent, supervisor):
    buyer = make_buyer()
    me = ApiClient(token=token_for(buyer))
    created = me.post_json(
        "/api/v1/buyer/tickets",
        {
            "subject": "快递三天没有更新",
            "description": "订单物流停在转运中心",
            "category": "logistics",
            "order_ref": "O202603020001",
        },
    )
    assert created.status_code == 201, created.content
    ticket_id = created.json()["id"]
    detail = desk.get_json(f"/api/v1/service/tickets/{ticket_id}").json()
    assert detail["assignee_id"] == agent.pk and detail["status"] == "open"
    assert detail["first_response_due_at"] and detail["resolution_due_at"]
    assert {s["policy"] for s in detail["slas"]} == {"first_response", "resolution"}
    assert (
        desk.post_json(
            f"/api/v1/service/tickets/{ticket_id}/replies", {"body": "您好，已联系快递"}
        ).status_code
        == 201
    )
    assert (
        desk.post_json(
            f"/api/v1/service/tickets/{ticket_id}/notes", {"body": "内部：催件单号123"}
        ).status_code
        == 201
    )
    resolved = desk.post_json(f"/api/v1/service/tickets/{ticket_id}/resolve", {"summary": "包裹已派送"})
    assert resolved.status_code == 200 and resolved.json()["followup_due_at"]
    # the buyer sees replies but not internal notes
    mine = me.get_json(f"/api/v1/buyer/tickets/{ticket_id}").json()
    kinds = [e["kind"] for e in mine["timeline"]]
    assert "reply" in kinds and "note" not in kinds
    rating = me.post_json(
        f"/api/v1/buyer/tickets/{ticket_id}/rating",
        {"speed": 3, "efficiency": 3, "quality": 3, "attitude": 3},
    )
    assert rating.status_code == 201 and rating.json()["score"] == "3.00"
    assert ServiceTask.objects.filter(ticket_id=ticket_id, kind="second_service").exists()
    # another buyer cannot see it
    other = ApiClient(token=token_for(make_buyer()))
    assert other.get_json(f"/api/v1/buyer/tickets/{ticket_id}").status_code == 404
    assert other.get_json("/api/v1/buyer/tickets").json()["count"] == 0


def test_staff_intake_validation_and_list_filters(desk, buyer):
    bad = desk.post_json(
        "/api/v1/service/tickets", {"subject": "", "description": "x", "buyer_id": buyer.pk, "channel": "fax"}
    )
    assert bad.status_code == 422
    locs = {tuple(e["loc"]) for e in bad.json()["errors"]}
    assert ("body", "channel") in locs
    for channel, category in (("phone", "product"), ("email", "complaint"), ("chat", "product")):
        response = desk.post_json(
            "/api/v1/service/tickets",
            {
                "subject": "咨询",
                "description": "内容",
                "buyer_id": buyer.pk,
                "channel": channel,
                "category": category,
            },
        )
        assert response.status_code == 201, response.content
    listed = desk.get_json("/api/v1/service/tickets?category=product").json()
    assert listed["count"] == 2
    assert desk.get_json("/api/v1/service/tickets?channel=email").json()["count"] == 1
    assert (
        ApiClient(token=token_for(make_staff("listing_reviewer")))
        .get_json("/api/v1/service/tickets")
        .status_code
        == 403
    )


@pytest.mark.req("R5.4.2")
def test_suggested_answers_and_category_prediction(desk, buyer):
    ReplyTemplate.objects.create(
        title="退款到账时间",
        category="service",
        keywords="退款 到账 多久",
        body="退款原路返回，一般1-3个工作日到账。",
    )
    ReplyTemplate.objects.create(
        title="物流查询",
        category="logistics",
        keywords="快递 物流 没更新 催件",
        body="我们已为您催件，请留意短信。",
    )
    ReplyTemplate.objects.create(
        title="发票开具", category="service", keywords="发票 开票 抬头", body="请在订单详情页申请电子发票。"
    )
    created = desk.post_json(
        "/api/v1/service/tickets",
        {"subject": "快递一直没更新", "description": "物流信息三天没更新了，麻烦催件", "buyer_id": buyer.pk},
    ).json()
    assert created["category"] == "logistics"  # routing by prediction
    suggestions = desk.get_json(f"/api/v1/service/tickets/{created['id']}/suggestions").json()
    assert suggestions[0]["title"] == "物流查询"
    assert all(s["score"] > 0 for s in suggestions)


@pytest.mark.req("R5.1.2")
def test_policies_are_data_a_supervisor_can_change(desk):
    policies = {p["code"]: p for p in desk.get_json("/api/v1/service/sla-policies").json()}
    assert (
        policies["first_response"]["basis"] == "business_hours"
        and policies["first_response"]["minutes"] == 15
    )
    assert policies["resolution_special"]["notify_customer"]
    assert policies["follow_up"]["working_days"] == 3
    assert (
        desk.generic(
            "PATCH",
            "/api/v1/service/sla-policies/first_response",
            data='{"minutes": 10}',
            content_type="application/json",
            headers={"Authorization": f"Bearer {desk.token}"},
        ).status_code
        == 403
    )
    boss = ApiClient(token=token_for(make_staff("cs_supervisor")))
    response = boss.generic(
        "PATCH",
        "/api/v1/service/sla-policies/first_response",
        data='{"minutes": 10}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {boss.token}"},
    )
    assert response.status_code == 200 and response.json()["minutes"] == 10


@pytest.mark.req("R5.1.1")
def test_merchant_cs_sees_only_its_store(buyer):
    a, _ = make_merchant()
    b, _ = make_merchant()
    cs_a = make_member(a, role="merchant_cs")
    make_agent("product", merchant=a, user=cs_a.user)
    staff = make_staff("cs_agent")
    own = services.ticket_create(
        actor=actor_of(staff),
        buyer_id=buyer.pk,
        subject="尺码",
        description="偏小",
        category="product",
        merchant_id=a.pk,
    )
    other = services.ticket_create(
        actor=actor_of(staff),
        buyer_id=buyer.pk,
        subject="色差",
        description="颜色",
        category="product",
        merchant_id=b.pk,
    )
    client = ApiClient(token=token_for(cs_a.user))
    listed = client.get_json("/api/v1/merchant/tickets").json()
    assert [t["id"] for t in listed["items"]] == [own.pk]
    assert client.get_json(f"/api/v1/merchant/tickets/{other.pk}").status_code == 404
    assert client.post_json(f"/api/v1/merchant/tickets/{other.pk}/replies", {"body": "hi"}).status_code == 404
    reply = client.post_json(f"/api/v1/merchant/tickets/{own.pk}/replies", {"body": "您好，建议拍大一码"})
    assert reply.status_code == 201
    # merchant operators without the service permission cannot read tickets
    operator = make_member(a, role="merchant_operator")
    assert ApiClient(token=token_for(operator.user)).get_json("/api/v1/merchant/tickets").status_code == 403


@pytest.mark.req("R5.3.1")
def test_frequent_problems_become_improvement_tasks(desk, buyer, supervisor):
    texts = [
        "充电器插上没反应",
        "充电器插上以后没有反应",
        "充电器没反应不能充电",
        "衣服尺码偏小",
        "发票怎么开",
    ]
    for text in texts:
        desk.post_json(
            "/api/v1/service/tickets",
            {"subject": text, "description": text, "buyer_id": buyer.pk, "category": "product"},
        )
    boss = ApiClient(token=token_for(supervisor))
    response = boss.post_json("/api/v1/service/problems/detect", {"days": 30, "top": 3, "min_size": 3})
    assert response.status_code == 201, response.content
    tasks = response.json()
    assert len(tasks) == 1 and "充电器" in tasks[0]["title"] and tasks[0]["kind"] == "improvement"
    # running again does not duplicate an open improvement
    assert boss.post_json("/api/v1/service/problems/detect", {}).json() == []
    assert desk.post_json("/api/v1/service/problems/detect", {}).status_code == 403


@pytest.mark.req("R8.1.2")
def test_kpis_for_the_supervisor(desk, agent, buyer, supervisor):
    created = desk.post_json(
        "/api/v1/service/tickets",
        {"subject": "a", "description": "b", "buyer_id": buyer.pk, "category": "service"},
    ).json()
    desk.post_json(f"/api/v1/service/tickets/{created['id']}/replies", {"body": "ok"})
    desk.post_json(f"/api/v1/service/tickets/{created['id']}/resolve", {"summary": "done"})
    desk.post_json(
        f"/api/v1/service/tickets/{created['id']}/rating",
        {"speed": 5, "efficiency": 5, "quality": 4, "attitude": 5},
    )
    body = ApiClient(token=token_for(supervisor)).get_json("/api/v1/service/kpis?days=7").json()
    assert body["tickets"] == 1 and body["csat"] == 4.75 and body["csat_target"] == 4.5
    policies = {p["code"]: p for p in body["policies"]}
    assert policies["first_response"]["met"] == 1 and policies["first_response"]["attainment"] == 1.0
    assert body["agents"][0]["username"] == agent.username and body["agents"][0]["resolved"] == 1
    assert body["bottleneck"] in {s["step"] for s in body["steps"]}
    assert desk.get_json("/api/v1/service/kpis").status_code == 403


@pytest.mark.req("R5.1.1")
def test_buyer_reopens_a_resolved_ticket_with_a_fresh_resolution_clock(desk, agent):
    buyer = make_buyer()
    me = ApiClient(token=token_for(buyer))
    ticket_id = me.post_json(
        "/api/v1/buyer/tickets", {"subject": "耳机没声音", "description": "左耳没声音", "category": "product"}
    ).json()["id"]
    desk.post_json(f"/api/v1/service/tickets/{ticket_id}/resolve", {"summary": "已指导重置"})
    assert (
        me.post_json(
            f"/api/v1/buyer/tickets/{ticket_id}/replies", {"body": "还是没声音", "reopen": True}
        ).status_code
        == 201
    )
    detail = desk.get_json(f"/api/v1/service/tickets/{ticket_id}").json()
    assert detail["status"] == "open" and detail["followup_due_at"] is None and detail["resolution_due_at"]
    assert "reopened" in [e["kind"] for e in detail["events"]]


def test_store_cs_does_not_see_platform_notes(buyer):
    store, _ = make_merchant()
    cs = make_member(store, role="merchant_cs")
    staff = make_staff("cs_agent")
    ticket = services.ticket_create(
        actor=actor_of(staff),
        buyer_id=buyer.pk,
        subject="尺码",
        description="偏小",
        category="product",
        merchant_id=store.pk,
    )
    services.ticket_note(actor=actor_of(staff), ticket_id=ticket.pk, body="平台内部：该店铺近期投诉较多")
    services.ticket_note(actor=actor_of(cs.user), ticket_id=ticket.pk, body="店铺备注：已安排换货")
    events = (
        ApiClient(token=token_for(cs.user)).get_json(f"/api/v1/merchant/tickets/{ticket.pk}").json()["events"]
    )
    bodies = [e["body"] for e in events]
    assert "店铺备注：已安排换货" in bodies and not any("平台内部" in b for b in bodies)
