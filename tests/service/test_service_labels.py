"""The service console names ticket categories, statuses, channels and priorities in Chinese (the model
choices' translated labels), on the agent queue, the ticket page, the store pages and the dashboard."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.service import services
from mallops.service.models import Category, Status
from mallops.service.testing import make_ticket
from mallops.testing.factories import make_member, make_merchant

pytestmark = pytest.mark.django_db

ENGLISH = ("returns and refunds", "technical support", "waiting for the customer", ">urgent<", ">app<")


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.req("R5.4.1")
def test_agent_queue_and_ticket_page_show_chinese_labels(client, agent, buyer):
    ticket = services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="系统报错",
        description="登录后页面报错",
        category="technical",
        channel="phone",
        priority="urgent",
    )
    services.ticket_pause(actor=actor_of(agent), ticket_id=ticket.pk, reason="等客户截图")
    client.force_login(agent)
    queue = _page(client, "/service/")
    row = queue[queue.index(ticket.number) :]
    row = row[: row.index("</tr>")]
    assert all(label in row for label in ("电话", "技术支持", "紧急", "等待客户回复")), row
    # the filter menus too
    assert "退货退款" in queue and "订单查询" in queue and "普通优先级" in queue and "新工单" in queue
    page = _page(client, f"/service/tickets/{ticket.pk}/")
    assert all(label in page for label in ("电话", "技术支持", "紧急", "等待客户回复"))
    for text in (queue, page):
        assert not any(english in text for english in ENGLISH)


@pytest.mark.req("R5.4.1")
def test_store_pages_show_chinese_labels():
    store, _owner = make_merchant()
    cs = make_member(store, role="merchant_cs").user
    ticket = make_ticket(store, category="return")
    shop = Client()
    shop.force_login(cs)
    queue = _page(shop, "/service/store/")
    assert "退货退款" in queue and "普通优先级" in queue and "新工单" in queue
    page = _page(shop, f"/service/store/tickets/{ticket.pk}/")
    assert "退货退款" in page and "普通优先级" in page and "App" in page
    for text in (queue, page):
        assert not any(english in text for english in ENGLISH)


@pytest.mark.req("R8.1.2")
def test_dashboard_backlog_and_steps_in_chinese(client, agent, buyer, supervisor):
    services.ticket_create(
        actor=actor_of(agent), buyer_id=buyer.pk, subject="问题", description="描述", category="service"
    )
    client.force_login(supervisor)
    page = _page(client, "/service/dashboard/")
    assert f"{Status.OPEN.label}: 1" in page and "处理中: 1" in page
    assert "等待客户回复: 0" in page and "waiting_customer" not in page
    assert "分派" in page  # a KPI step named in Chinese in the chart


def test_procedures_page_uses_the_same_labels(client, supervisor):
    client.force_login(supervisor)
    form = _page(client, "/service/procedures/")
    assert str(Category.RETURN.label) == "退货退款" and "退货退款" in form


@pytest.mark.req("R5.4.1")
def test_timeline_steps_and_task_kinds_in_chinese(client, agent, buyer, supervisor):
    ticket = services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="发货慢",
        description="一周未发货",
        category="logistics",
    )
    services.ticket_reply(actor=actor_of(agent), ticket_id=ticket.pk, body="已催促仓库")
    services.ticket_resolve(actor=actor_of(agent), ticket_id=ticket.pk, summary="已发货")
    services.ticket_rate(
        actor=actor_of(buyer), ticket_id=ticket.pk, speed=3, efficiency=3, quality=3, attitude=3
    )
    task = ticket.tasks.get()
    assert task.kind == "second_service" and task.title.endswith("— second service")  # stored text unchanged
    client.force_login(supervisor)
    page = _page(client, f"/service/tickets/{ticket.pk}/")
    timeline = page[page.index('data-testid="timeline"') :]
    for label in ("工单创建", "客服回复", "工单已解决", "客户已评价"):
        assert label in timeline, label
    assert 'data-kind="created"' in timeline and ">created<" not in timeline
    assert "二次服务:" in page
    assert "二次服务:" in _page(client, "/service/dashboard/")


@pytest.mark.req("R5.1.2")
def test_seed_sla_policies_are_named_in_chinese_on_the_console(client, agent, buyer, supervisor):
    ticket = services.ticket_create(
        actor=actor_of(agent), buyer_id=buyer.pk, subject="问题", description="描述", category="service"
    )
    client.force_login(agent)
    page = _page(client, f"/service/tickets/{ticket.pk}/")
    assert "首次响应 15 分钟" in page and "48 小时内解决" in page and "Resolution 48 h" not in page
    client.force_login(supervisor)
    assert "首次响应 15 分钟" in _page(client, "/service/dashboard/")
