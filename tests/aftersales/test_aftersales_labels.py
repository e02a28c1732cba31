"""The after-sales console names kinds, classifications, statuses, outcomes, dispute categories, parties and
rulings in Chinese (the model choices' translated labels); the API keeps the codes."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.aftersales.disputes import dispute_open
from mallops.aftersales.services import request_approve, request_reject
from mallops.testing.aftersales import make_request
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_merchant_page_names_kind_status_and_outcome_in_chinese():
    merchant, owner = make_merchant()
    done, waiting = make_request(merchant, kind="refund"), make_request(merchant, kind="exchange")
    request_approve(actor=actor_of(owner), request_id=done.pk, merchant_id=merchant.pk)
    page = _page(owner, "/aftersales/merchant/")
    assert "退款" in page and "换货" in page and "待商家处理" in page
    assert "待复核 · 已同意" in page  # the refund was approved; it waits for review before it closes
    assert ">pending<" not in page and ">exchange<" not in page
    assert waiting.status == "pending"


def test_platform_pages_name_dispute_category_status_party_and_ruling_in_chinese():
    merchant, owner = make_merchant()
    req = make_request(merchant, kind="refund")
    request_reject(actor=actor_of(owner), request_id=req.pk, merchant_id=merchant.pk, reason="不同意")
    dispute_open(actor=actor_of(req.buyer), request_id=req.pk, category="quality", text="做工粗糙", images=[])
    agent = make_staff("cs_agent")
    queue = _page(agent, "/aftersales/")
    assert "商品质量" in queue and "纠纷中" in queue
    detail = _page(agent, f"/aftersales/requests/{req.pk}/")
    assert "退款 · 纠纷中" in detail and "商品质量" in detail and "<strong>买家</strong>" in detail
    assert "全额退款" in detail and "部分退款" in detail  # the ruling menu
    assert f'<h1>AS{req.pk}</h1><p class="subtitle">退款 · 纠纷中</p>' in detail
