"""Console: the reply library on a fresh install; suggestions fill its variables from the ticket (R5.4.2)."""

from __future__ import annotations

import pytest
from django.test import Client
from service_helpers import make_agent, make_buyer

from mallops.audit.models import AuditEvent
from mallops.service.models import ReplyTemplate, Ticket
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

BODY = "{买家昵称}您好，订单{订单号}的物流我们已联系快递加急处理，预计24小时内更新。"


def _ask(order_ref: str = "O202612070001") -> Ticket:
    me = ApiClient(token=token_for(make_buyer()))
    created = me.post_json(
        "/api/v1/buyer/tickets",
        {"subject": "快递物流三天没更新", "description": "催一下快递", "category": "logistics", "order_ref": order_ref},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    ticket: Ticket = Ticket.objects.unscoped(reason="test").get(pk=created.json()["id"])
    return ticket


@pytest.mark.req("R5.4.2")
def test_reply_added_in_the_console_is_suggested_with_its_variables_filled(client: Client) -> None:
    # given: a fresh install with an agent but an empty library
    supervisor = make_staff("cs_supervisor")
    agent = make_agent("logistics")
    client.force_login(supervisor)
    assert "话术库为空" in client.get("/service/replies/").content.decode()
    # when
    saved = client.post(
        "/service/replies/new",
        {"title": "物流催件", "category": "logistics", "keywords": "快递 物流 没更新 催件", "body": BODY},
    )
    # then
    assert saved.status_code == 302 and saved["Location"] == "/service/replies/"
    template = ReplyTemplate.objects.get()
    assert (template.title, template.category, template.body, template.findings) == (
        "物流催件",
        "logistics",
        BODY,
        [],
    )
    assert AuditEvent.objects.filter(action="service.reply_template_created").count() == 1
    listed = client.get("/service/replies/").content.decode()
    assert "物流催件" in listed and "{买家昵称}、{订单号}" in listed and "生效中" in listed
    ticket = _ask()
    client.force_login(agent)
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    filled = "李小红您好，订单O202612070001的物流我们已联系快递加急处理，预计24小时内更新。"
    assert 'data-testid="suggestions"' in page and filled in page
    suggestions = ApiClient(token=token_for(agent)).get_json(
        f"/api/v1/service/tickets/{ticket.pk}/suggestions"
    )
    assert [(s["title"], s["body"]) for s in suggestions.json()] == [("物流催件", filled)]
    # a ticket without an order number keeps that variable as written
    bare = _ask(order_ref="")
    assert "李小红您好，订单{订单号}的物流" in client.get(f"/service/tickets/{bare.pk}/").content.decode()


def test_unknown_variable_and_blocking_wording_are_refused_inline(client: Client) -> None:
    client.force_login(make_staff("cs_supervisor"))
    unknown = client.post(
        "/service/replies/new", {"title": "会员", "body": "{会员等级}您好，感谢支持。"}
    ).content.decode()
    assert "未知变量；话术中只能使用 {买家昵称}、{订单号}、{工单号}、{店铺名称}。" in unknown
    blocked = client.post(
        "/service/replies/new", {"title": "价格说明", "body": "您好，本店是全网最低价，请放心购买。"}
    ).content.decode()
    assert 'data-testid="findings"' in blocked and "「<mark>全网最低价</mark>」" in blocked
    assert "违反内容合规规则" in blocked
    assert ReplyTemplate.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="service.reply_template").exists()


def test_review_findings_are_kept_and_shown_edit_rechecks_and_retire_stops_suggestions(
    client: Client,
) -> None:
    supervisor = make_staff("cs_supervisor")
    make_agent("logistics")
    client.force_login(supervisor)
    saved = client.post(
        "/service/replies/new",
        {"title": "物流催件", "category": "logistics", "keywords": "快递 物流", "body": "本店好评率很高，快递物流已催促。"},
    )  # fmt: skip
    template = ReplyTemplate.objects.get()
    assert saved["Location"] == f"/service/replies/{template.pk}/"
    assert [(f["text"], f["severity"]) for f in template.findings] == [("好评率", "review")]
    page = client.get(saved["Location"]).content.decode()
    assert "「<mark>好评率</mark>」" in page and "待复核" in page
    # an edit that adds a blocking word is refused; the live text stays
    client.post(saved["Location"], {"title": "物流催件", "body": "全网最低价，快递物流已催促。"})
    template.refresh_from_db()
    assert template.body == "本店好评率很高，快递物流已催促。"
    client.post(
        saved["Location"],
        {"title": "物流催件", "category": "logistics", "keywords": "快递 物流", "body": BODY},
    )
    template.refresh_from_db()
    assert (template.body, template.findings) == (BODY, [])
    ticket = _ask()
    agent_api = ApiClient(token=token_for(supervisor))
    assert len(agent_api.get_json(f"/api/v1/service/tickets/{ticket.pk}/suggestions").json()) == 1
    retired = client.post(saved["Location"], {"op": "retire"})
    assert retired.status_code == 302
    template.refresh_from_db()
    assert not template.is_active and template.retired_at is not None
    assert agent_api.get_json(f"/api/v1/service/tickets/{ticket.pk}/suggestions").json() == []
    assert client.get(saved["Location"]).status_code == 200


def test_reply_library_api_and_permissions() -> None:
    supervisor = make_staff("cs_supervisor")
    agent = make_staff("cs_agent")
    desk = ApiClient(token=token_for(supervisor))
    created = desk.post_json(
        "/api/v1/service/reply-templates", {"title": "催件", "body": "{买家昵称}您好，{工单号}已受理。"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["variables"] == ["买家昵称", "工单号"]
    blocked = desk.post_json("/api/v1/service/reply-templates", {"title": "价", "body": "国家级品质"})
    assert blocked.status_code == 422 and blocked.json()["code"] == "compliance_blocked"
    assert [f["text"] for f in blocked.json()["findings"]] == ["国家级"]
    denied = ApiClient(token=token_for(agent)).post_json(
        "/api/v1/service/reply-templates", {"title": "x", "body": "您好"}
    )
    assert denied.status_code == 403
    assert ReplyTemplate.objects.count() == 1
