"""The audit log names every kind of object the demo records (Chinese in zh-hans), never ``app.model``."""

from __future__ import annotations

from django.utils import translation

from mallops.core.words import label

# object types of the audit events `mallops demo-data` writes (select distinct object_type, 2026-12)
DEMO_OBJECT_TYPES = [
    "accounts.user",
    "aftersales.aftersalesrequest",
    "aftersales.dispute",
    "aftersales.evidence",
    "catalogue.certificate",
    "catalogue.product",
    "compliance.inspection",
    "content.contentpost",
    "content.luckydraw",
    "dsr.datasubjectrequest",
    "dsr.privacypolicy",
    "marketing.channel",
    "marketing.channelspend",
    "membership.member",
    "membership.pointsentry",
    "membership.tier",
    "orders.flashsale",
    "orders.order",
    "orders.shippingrule",
    "payments.refund",
    "pricing.couponbatch",
    "pricing.promotion",
    "review.listing",
    "service.agentprofile",
    "service.procedure",
    "service.replytemplate",
    "service.ticket",
    "service.trainingrecord",
    "tasks.worktask",
]


def test_every_object_type_of_the_demo_has_a_chinese_name() -> None:
    with translation.override("zh-hans"):
        shown = {code: label(code, "audit.object") for code in DEMO_OBJECT_TYPES}
    assert [code for code, name in shown.items() if name == code or name.isascii()] == []
    assert shown["content.contentpost"] == "内容" and shown["marketing.channelspend"] == "营销花费"
