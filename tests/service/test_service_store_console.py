"""Store customer service in the merchant centre console (R5.1.1, R5.4.1): the store's queue and tickets
only, reply, internal note, wait/resume and resolve, all in Chinese by default."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.service.models import Ticket, TicketEvent
from mallops.service.testing import make_ticket
from mallops.testing.factories import make_member, make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("R5.1.1")
def test_store_cs_works_its_own_tickets_in_the_merchant_centre():
    store, _owner = make_merchant()
    other, _ = make_merchant()
    cs = make_member(store, role="merchant_cs").user
    mine, theirs = make_ticket(store), make_ticket(other)
    shop = _client(cs)
    queue = shop.get("/service/store/")
    assert queue.status_code == 200
    page = queue.content.decode()
    assert "本店客服工单" in page and mine.number in page and theirs.number not in page
    assert 'data-testid="store-ticket-queue-table"' in page and 'class="sort' in page  # the DataTable
    closed_only = shop.get("/service/store/", {"status": "closed"}).content.decode()
    assert mine.number not in closed_only
    assert 'data-menu="store_service"' in page
    view = shop.get(f"/service/store/tickets/{mine.pk}/").content.decode()
    assert "回复客户" in view or "发送回复" in view
    # one primary action (send reply); the others are secondary; every input has a label
    assert view.count("btn btn-primary") == 1 and '<button type="submit">' not in view
    assert '<button type="submit" class="btn btn-primary">发送回复</button>' in view
    for label in ("等待的内容", "处理结果", "未解决的原因", "未解决时的建议方案"):
        assert f"<label>{label}" in view
    assert "内部备注" in view and "解决" in view
    # another store's ticket: not found, for reading and for writing
    assert shop.get(f"/service/store/tickets/{theirs.pk}/").status_code == 404
    assert shop.post(f"/service/store/tickets/{theirs.pk}/reply", {"body": "你好"}).status_code == 404
    assert not TicketEvent.objects.filter(ticket=theirs, kind="reply").exists()
    # reply, internal note, resolve
    shop.post(f"/service/store/tickets/{mine.pk}/reply", {"body": "您好，商品有现货。"})
    shop.post(f"/service/store/tickets/{mine.pk}/note", {"body": "已与仓库确认库存"})
    kinds = list(TicketEvent.objects.filter(ticket=mine).values_list("kind", "internal"))
    assert ("reply", False) in kinds and ("note", True) in kinds
    ticket = Ticket.objects.for_merchant(store.pk).get(pk=mine.pk)
    assert ticket.first_response_at is not None
    shown = shop.get(f"/service/store/tickets/{mine.pk}/").content.decode()
    assert "已与仓库确认库存" in shown and "您好，商品有现货。" in shown
    bad = shop.post(f"/service/store/tickets/{mine.pk}/resolve", {"summary": ""}, follow=True)
    assert Ticket.objects.for_merchant(store.pk).get(pk=mine.pk).status != "resolved"
    assert bad.status_code == 200
    shop.post(f"/service/store/tickets/{mine.pk}/resolve", {"summary": "已告知现货并下单"})
    assert Ticket.objects.for_merchant(store.pk).get(pk=mine.pk).status == "resolved"


def test_platform_notes_stay_hidden_and_others_cannot_open_the_store_pages():
    store, owner = make_merchant()
    cs = make_member(store, role="merchant_cs").user
    ticket = make_ticket(store)
    agent = make_staff("cs_agent")
    from mallops.service.services import ticket_note

    ticket_note(actor=actor_of(agent), ticket_id=ticket.pk, body="平台内部：商家历史投诉较多")
    assert "平台内部" not in _client(cs).get(f"/service/store/tickets/{ticket.pk}/").content.decode()
    # platform staff and store members without the CS permission are refused
    assert _client(agent).get("/service/store/").status_code == 403
    operator = make_member(store, role="merchant_operator").user
    assert _client(operator).get("/service/store/").status_code == 403
    assert _client(owner).get("/service/store/").status_code == 200
