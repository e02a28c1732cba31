"""The buyer's CRM page for customer service (issue 14 item 5, R5.4.1): one buyer's masked profile, RFM
segment, orders, tickets with SLA, after-sales requests, complaints and consents, within a query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from test_console_raw_codes import code_pattern, known_codes, visible_text

from mallops.accounts.actors import actor_of
from mallops.aftersales.services import LineIn, request_create
from mallops.analytics.models import SegmentMember
from mallops.dsr.testing import grant_consent
from mallops.service.services import ticket_create
from mallops.service.testing import make_buyer
from mallops.testing.aftersales import delivered_order
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.queries import query_budget

pytestmark = pytest.mark.django_db


def _zh(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)
    return client


def _world() -> dict[str, Any]:
    merchant, _owner = make_merchant("小米旗舰店")
    order = delivered_order(merchant)
    buyer = order.buyer
    buyer.display_name, buyer.phone = "韩梅梅", "13700001111"
    buyer.save()
    line = order.lines.unscoped(reason="test").order_by("pk").first()
    assert line is not None
    request = request_create(
        actor=actor_of(buyer),
        order_id=order.pk,
        kind="refund",
        classification="product",
        reason="收到时包装破损",
        lines=[LineIn(line.pk, 1)],
    )
    complaint = ticket_create(
        actor=actor_of(buyer),
        subject="快递员态度差",
        description="送货时很不耐烦",
        category="complaint",
        order_ref=order.number,
    )
    question = ticket_create(
        actor=actor_of(buyer), subject="发票怎么开", description="需要电子发票", category="order_query"
    )
    stranger = ticket_create(
        actor=actor_of(make_buyer()), subject="别人的工单", description="与她无关", category="product"
    )
    SegmentMember.objects.create(
        distinct_id=buyer.username,
        recency_days=40,
        frequency=6,
        monetary_fen=268_800,
        r_score=2,
        f_score=4,
        m_score=4,
        tag="at_risk",
        computed_on=order.created_at.date(),
        source="test",
    )
    grant_consent([buyer], ["marketing"])
    return {
        "buyer": buyer,
        "order": order,
        "request": request,
        "complaint": complaint,
        "question": question,
        "stranger": stranger,
    }


@pytest.mark.req("R5.4.1")
def test_an_agent_sees_one_buyer_masked_with_orders_tickets_requests_segment_and_consents() -> None:
    w = _world()
    buyer, order = w["buyer"], w["order"]
    client = _zh(make_staff("cs_agent"))
    # when: within the page's query budget
    with query_budget(at_most=20):
        response = client.get(f"/service/customers/{buyer.pk}/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    # masked as in the ticket page's customer panel; the agent has no reveal permission
    assert "韩** · 137****1111" in text and "13700001111" not in html and "韩梅梅" not in html
    assert "查看完整联系方式" not in text
    # lifecycle stage: the analytics RFM tag, with its definition and scores
    assert "流失风险用户" in text and "2 / 4 / 4" in text and "¥2,688.00" in text
    # orders: number linked to the order page, amount in yuan, status in Chinese
    assert f'<a href="/orders/{order.pk}/">{order.number}</a>' in html
    assert "小米旗舰店" in text and "已签收" in text and f"¥{order.paid_fen / 100:,.2f}" in text
    # tickets with their SLA due time; complaints listed apart; another buyer's ticket never
    for ticket in (w["complaint"], w["question"]):
        assert f'<a href="/service/tickets/{ticket.pk}/">{ticket.number}</a>' in html
    assert "别人的工单" not in text and w["stranger"].number not in html
    complaints = html.split('data-testid="crm-complaints"')[1]
    assert w["complaint"].number in complaints and w["question"].number not in complaints
    # after-sales: linked, status in Chinese, the merchant's answer deadline
    assert f'<a href="/aftersales/requests/{w["request"].pk}/">AS{w["request"].pk}</a>' in html
    assert "待商家处理" in text
    # consents: the marketing grant under the current policy; an unanswered consent purpose needs renewal
    consents = visible_text(html.split('data-testid="crm-consents"')[1].split("</section>")[0])
    assert "个性化推荐与营销信息：同意" in consents and "统计分析：尚未表态 需重新同意" in consents
    assert "订单履行与配送：无需同意 订立、履行合同所必需" in consents
    assert [m.group(1) for m in code_pattern(known_codes()).finditer(text)] == []


def test_a_supervisor_gets_the_reveal_link_and_the_ticket_page_links_to_the_profile() -> None:
    w = _world()
    page = _zh(make_staff("cs_supervisor")).get(f"/service/customers/{w['buyer'].pk}/").content.decode()
    assert f'href="/buyers/{w["buyer"].pk}/"' in page and "查看完整联系方式" in page
    ticket_page = _zh(make_staff("cs_agent")).get(f"/service/tickets/{w['complaint'].pk}/").content.decode()
    assert f'href="/service/customers/{w["buyer"].pk}/"' in ticket_page


def test_only_customer_service_opens_it_and_only_for_buyers() -> None:
    buyer = make_buyer()
    _merchant, owner = make_merchant()
    assert _zh(make_staff("listing_reviewer")).get(f"/service/customers/{buyer.pk}/").status_code == 403
    assert _zh(owner).get(f"/service/customers/{buyer.pk}/").status_code == 403
    agent = make_staff("cs_agent")
    assert _zh(agent).get(f"/service/customers/{agent.pk}/").status_code == 404  # staff have no CRM page
    # a buyer without history: each section says so
    text = visible_text(_zh(agent).get(f"/service/customers/{buyer.pk}/").content.decode())
    for empty in (
        "暂无订单。",
        "暂无工单。",
        "暂无售后申请。",
        "暂无投诉。",
        "尚未分群",
        "尚未发布隐私政策。",
    ):
        assert empty in text, empty
