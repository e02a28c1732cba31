"""The request detail page shows a closed request's result and its frozen records in words, not stored JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from mallops.accounts.actors import actor_of
from mallops.dsr import display
from mallops.dsr import requests as dsr

pytestmark = pytest.mark.django_db


def test_an_erasure_result_reads_as_chinese_rows(buyer: Any, officer: Any) -> None:
    # given a deletion request carried out (the account is anonymised, the address book deleted)
    row = dsr.request_submit(actor=actor_of(buyer), kind="deletion")
    dsr.request_complete(actor=actor_of(officer), request_id=row.pk)
    client = Client()
    client.force_login(officer)
    # when the officer opens it
    html = client.get(f"/privacy/requests/{row.pk}/").content.decode()
    # then the result is a list of Chinese rows
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert 'data-testid="dsr-result"' in html
    assert f"买家 erased-{buyer.pk} " in text  # the account by name (erased now), not #id
    assert "撤回的同意 无（没有生效中的同意）" in text
    assert "已删除 账号：用户名、昵称、手机号、电子邮件、名、姓" in text
    assert "已删除 收货地址簿：已删除 1 条" in text
    for raw in ("{", "consents_withdrawn", "accounts.user", "accounts.address", '"erased"'):
        assert raw not in text


def test_frozen_records_and_the_notice_name_the_statute_in_chinese() -> None:
    result = {
        "consents_withdrawn": ["marketing"],
        "erased": ["orders: 2 anonymised", "product_reviews.review: 3 texts"],
        "frozen": {"orders": ["M100", "M101"]},
        "freeze_notice": "2 条记录依法须保存（ECL Art. 31（商品、服务和交易信息保存不少于三年）），已冻结",
    }
    with translation.override("zh-hans"):
        lines = [(line.heading, line.text) for line in display.result_lines(result)]
        assert lines == [
            ("撤回的同意", "marketing"),
            ("已删除", "订单：2 条已匿名化"),
            ("已删除", "商品评价：已删除 3 条"),
            ("已冻结", "订单：M100、M101"),
            (
                "告知买家",
                "2 条记录依法须保存（《电子商务法》第三十一条（商品、服务和交易信息保存不少于三年）），已冻结",
            ),
        ]
        assert display.record_name("orders.order") == "订单"
        assert display.result_lines({"reject_code": "other"})[0].text == "其他（见说明）"
        exported = display.result_lines({"export_sections": ["accounts", "generated_at", "orders"]})
        assert exported[0].text == "账号与收货地址、订单"
