"""Console: a part refund in a ruling is typed in yuan and stored exactly in fen (issue 14: no money in 分)."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.aftersales.disputes import dispute_open
from mallops.aftersales.models import Dispute
from mallops.aftersales.services import request_reject
from mallops.testing.aftersales import make_request
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _disputed():
    merchant, owner = make_merchant()
    req = make_request(merchant)
    request_reject(actor=actor_of(owner), request_id=req.pk, merchant_id=merchant.pk, reason="不同意")
    return req, dispute_open(
        actor=actor_of(req.buyer), request_id=req.pk, category="attitude", text="态度差", images=[]
    )


def test_part_refund_typed_in_yuan_is_stored_in_fen():
    req, dispute = _disputed()
    agent = Client()
    agent.force_login(make_staff("cs_agent"))
    page = agent.get("/aftersales/").content.decode()
    assert 'name="amount_fen"' not in page and 'name="amount" inputmode="decimal"' in page
    assert "data-confirm=" in page[page.index(f'data-testid="rule-{dispute.pk}"') - 200 :]
    part = req.requested_fen - 1  # one fen less than the request: the largest part refund
    typed = f"{part // 100:,}.{part % 100:02d}"
    agent.post(
        f"/aftersales/disputes/{dispute.pk}/rule",
        {"ruling": "refund_part", "amount": typed, "note": "部分支持"},
    )
    ruled = Dispute.objects.unscoped(reason="test").get(pk=dispute.pk)
    assert (ruled.ruling, ruled.ruling_fen) == ("refund_part", part)


def test_amount_that_is_not_money_is_refused_and_nothing_is_ruled():
    _req, dispute = _disputed()
    agent = Client()
    agent.force_login(make_staff("cs_agent"))
    agent.post(
        f"/aftersales/disputes/{dispute.pk}/rule", {"ruling": "refund_part", "amount": "1.234", "note": "x"}
    )
    assert Dispute.objects.unscoped(reason="test").get(pk=dispute.pk).ruling == ""
