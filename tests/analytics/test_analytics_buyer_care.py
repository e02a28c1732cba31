"""The user-operations care list: who needs care and why, consent respected, a care task per row."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.models import User
from mallops.analytics.models import SegmentMember
from mallops.dsr.testing import grant_consent
from mallops.orders.models import Order
from mallops.service.models import Ticket
from mallops.service.testing import make_ticket
from mallops.tasks.models import WorkTask
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer, make_order

pytestmark = pytest.mark.django_db


def _tag(user: User, tag: str) -> None:
    SegmentMember.objects.create(
        distinct_id=user.username,
        recency_days=5,
        frequency=9,
        monetary_fen=900_000,
        r_score=5,
        f_score=5,
        m_score=5,
        tag=tag,
        computed_on=date.today(),
        source="test",
    )


@pytest.fixture
def buyers() -> dict[str, Any]:
    troubled, quiet, silent, fresh = (make_buyer() for _ in range(4))
    for user, tag in ((troubled, "high_value"), (quiet, "at_risk"), (silent, "high_value")):
        _tag(user, tag)
    grant_consent([troubled, quiet], ["marketing"])  # ``silent`` never consented to marketing
    for who in (troubled, silent):
        ticket = make_ticket(category="complaint")
        Ticket.objects.unscoped(reason="test").filter(pk=ticket.pk).update(buyer=who)
    order = make_order(make_merchant()[0], buyer=fresh)
    Order.objects.unscoped(reason="test").filter(pk=order.pk).update(
        status="paid", paid_at=timezone.now() - timedelta(days=5)
    )
    return {"troubled": troubled, "quiet": quiet, "silent": silent, "fresh": fresh, "order": order}


def _ops(client: Client) -> tuple[Client, User]:
    person = make_staff("user_ops")
    client.force_login(person)
    return client, person


@pytest.mark.req("R4.1.2")
def test_the_list_gives_each_buyer_the_reason_in_chinese_and_leaves_out_buyers_without_consent(
    client: Client, buyers: dict[str, Any]
) -> None:
    client, _person = _ops(client)
    html = client.get("/analytics/care/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    rows = {
        key: f'data-testid="care-{buyers[who].pk}:{key}"'
        for who, key in (
            ("troubled", "high_value_trouble"),
            ("quiet", "sleeping_high_value"),
            ("fresh", "first_order_waiting"),
        )
    }
    assert all(marker in html for marker in rows.values())
    assert f"care-{buyers['silent'].pk}:" not in html
    assert html.count('data-testid="care-task-') == 3
    assert "高价值买家近期有投诉或退款" in html and "30 天内投诉 1 次，退款或退货 0 次" in html
    assert "高价值买家沉睡（流失风险）" in html and "首单付款超过 3 天未发货" in html
    assert f"订单 {buyers['order'].number}" in html
    assert "1 位分群买家未同意营销，未列入名单。" in html
    assert buyers["troubled"].username not in html  # names are masked as on the CRM page
    client.force_login(make_staff("cs_agent"))
    assert client.get("/analytics/care/").status_code == 403


def test_a_care_task_goes_to_the_user_operations_board_once(client: Client, buyers: dict[str, Any]) -> None:
    client, person = _ops(client)
    troubled = buyers["troubled"]
    body = {"buyer": troubled.pk, "reason": "high_value_trouble", "assignee": person.pk}
    assert client.post("/analytics/care/", body).status_code == 302
    task = WorkTask.objects.get(source_type="analytics.buyer_care")
    assert (task.team, task.kind, task.assignee_id, task.source_id) == (
        "user_ops",
        "follow_up",
        person.pk,
        f"{troubled.pk}:high_value_trouble",
    )
    assert "高价值买家近期有投诉或退款" in task.title and troubled.username not in task.title
    client.post("/analytics/care/", body)
    assert WorkTask.objects.filter(source_type="analytics.buyer_care").count() == 1
    html = client.get("/analytics/care/").content.decode()
    assert html.count('data-testid="care-task-') == 2  # the row now links to its open task
    # the server decides the reason: a buyer not on the list for it gets no task
    for wrong in (
        {"buyer": buyers["quiet"].pk, "reason": "high_value_trouble"},
        {"buyer": buyers["silent"].pk, "reason": "high_value_trouble"},
    ):
        client.post("/analytics/care/", wrong)
    assert WorkTask.objects.filter(source_type="analytics.buyer_care").count() == 1
