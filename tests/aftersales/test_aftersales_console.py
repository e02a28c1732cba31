"""Console: the platform queue with the ruling form, the merchant centre page with approve/reject."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.aftersales.disputes import dispute_open
from mallops.aftersales.models import AfterSalesRequest, Dispute
from mallops.aftersales.services import request_reject
from mallops.testing.aftersales import make_request
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_merchant_sees_its_requests_and_answers_them():
    merchant, owner = make_merchant()
    other, _ = make_merchant()
    mine, theirs, second = make_request(merchant), make_request(other), make_request(merchant)
    shop = _client(owner)
    page = shop.get("/aftersales/merchant/").content.decode()
    assert f"AS{mine.pk}<" in page and f"AS{theirs.pk}<" not in page
    shop.post(f"/aftersales/merchant/{mine.pk}/approve")
    assert AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=mine.pk).outcome == "approved"
    shop.post(f"/aftersales/merchant/{second.pk}/reject", {"reason": "已超出保修范围"})
    assert AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=second.pk).status == "rejected"
    assert shop.post(f"/aftersales/merchant/{theirs.pk}/approve").status_code == 403
    assert AfterSalesRequest.objects.for_merchant(other.pk).get(pk=theirs.pk).status == "pending"


def test_platform_queue_rules_a_dispute_and_others_are_refused():
    merchant, owner = make_merchant()
    req = make_request(merchant)
    request_reject(actor=actor_of(owner), request_id=req.pk, merchant_id=merchant.pk, reason="不同意")
    dispute = dispute_open(
        actor=actor_of(req.buyer), request_id=req.pk, category="attitude", text="客服态度差", images=[]
    )
    agent = _client(make_staff("cs_agent"))
    page = agent.get("/aftersales/").content.decode()
    assert f'data-testid="rule-{dispute.pk}"' in page
    assert "客服态度差" in agent.get(f"/aftersales/requests/{req.pk}/").content.decode()
    agent.post(f"/aftersales/disputes/{dispute.pk}/rule", {"ruling": "refund_full", "note": "支持买家"})
    ruled = Dispute.objects.unscoped(reason="test").get()
    assert ruled.status == "ruled" and ruled.ruling_fen == req.requested_fen
    assert _client(make_staff("data_ops")).get("/aftersales/").status_code == 403
    assert _client(owner).get("/aftersales/").status_code == 403


def test_merchant_receives_returned_goods_and_sends_an_exchange_replacement_in_the_console():
    from mallops.aftersales.returns import return_ship
    from mallops.aftersales.services import request_approve

    merchant, owner = make_merchant()
    ret, exchange = make_request(merchant, kind="return"), make_request(merchant, kind="exchange")
    for req in (ret, exchange):
        request_approve(actor=actor_of(owner), request_id=req.pk, merchant_id=merchant.pk)
        return_ship(
            actor=actor_of(req.buyer), request_id=req.pk, carrier="SF", tracking_number=f"SF77{req.pk:06d}"
        )
    shop = _client(owner)
    page = shop.get("/aftersales/merchant/").content.decode()
    assert f'data-testid="receive-{ret.pk}"' in page and f"SF77{ret.pk:06d}" in page
    assert "确认收到退货" in page and "拒收退货" in page
    shop.post(f"/aftersales/merchant/{ret.pk}/receive")
    done = AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=ret.pk)
    assert done.status == "reviewing" and done.refund_fen == done.requested_fen > 0
    shop.post(f"/aftersales/merchant/{exchange.pk}/receive")
    page = shop.get("/aftersales/merchant/").content.decode()
    assert f'data-testid="replacement-{exchange.pk}"' in page and "发出换货" in page
    shop.post(f"/aftersales/merchant/{exchange.pk}/replacement", {"carrier": "SF", "tracking_number": "x"})
    assert AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=exchange.pk).status == "replacing"
    shop.post(
        f"/aftersales/merchant/{exchange.pk}/replacement", {"carrier": "SF", "tracking_number": "SF9001"}
    )
    assert AfterSalesRequest.objects.for_merchant(merchant.pk).get(pk=exchange.pk).status == "reviewing"
