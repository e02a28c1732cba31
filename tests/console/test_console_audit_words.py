"""The audit log reads in Chinese (issue 14, item 2): action names, field labels and choice labels, with the
codes kept in title tooltips only.

Events from several apps are recorded with the snapshots their services write, the page is rendered in
zh-hans, and its visible text must hold no action code, field name or choice value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from test_console_raw_codes import code_pattern, known_codes, visible_text

from mallops.audit.services import audit_record
from mallops.core import words
from mallops.testing.factories import make_staff

SRC = Path(__file__).resolve().parents[2] / "src" / "mallops"
_DOTTED = re.compile(r"(?<![\w.])[a-z_]+\.[a-z_]+(?:\.[a-z_]+)?(?![\w.])")


def test_every_recorded_action_literal_has_a_name() -> None:
    """Each ``action="app.verb"`` the code records is named by the audit table or the app's ``ACTIONS``."""
    recorded = {
        code
        for path in SRC.rglob("*.py")
        for code in re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8"))
    }
    assert recorded
    assert sorted(code for code in recorded if words.action_label(code) == code) == []


@pytest.mark.django_db
def test_audit_log_shows_names_not_codes_in_zh_hans() -> None:
    auditor = make_staff("compliance_auditor", username="auditor")
    agent = make_staff("cs_agent", username="agent-wang")
    ticket_before = {
        "status": "open",
        "assignee": None,
        "priority": "normal",
        "category": "logistics",
        "escalation_level": 0,
        "procedure_version": None,
        "routing_hold_reason": "",
    }
    events = [
        ("orders.order_pay", "orders.order", {"status": "created", "refunded_fen": 0}, {"status": "paid"}),
        (
            "service.ticket_resolved",
            "service.ticket",
            ticket_before,
            ticket_before | {"status": "resolved", "assignee": agent.pk},
        ),
        (
            "service.reply_template_created",
            "service.replytemplate",
            None,
            {
                "title": "物流查询",
                "category": "logistics",
                "keywords": "快递",
                "is_active": True,
                "findings": 0,
            },
        ),
        (
            "review.listing_approve",
            "review.listing",
            {"status": "in_review", "live_version_id": None, "pending_version_id": 7, "taken_down_at": None},
            {"status": "live", "live_version_id": 7, "pending_version_id": None, "taken_down_at": None},
        ),
        (
            "task.close",
            "tasks.worktask",
            {"status": "in_progress", "assignee": "agent-wang", "due_at": "2026-12-01T10:00:00+00:00"},
            {"status": "done", "assignee": "agent-wang", "due_at": "2026-12-01T10:00:00+00:00"},
        ),
        ("catalogue.product_update", "catalogue.product", {"category_id": 1}, {"category_id": 2}),
    ]
    for action, object_type, before, after in events:
        audit_record(
            actor=auditor, action=action, object_type=object_type, object_id="1", before=before, after=after
        )

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)

    assert _DOTTED.findall(text) == []  # no action code (orders.order_pay) nor object type
    leaked = sorted({match.group(1) for match in code_pattern(known_codes()).finditer(text)})
    assert leaked == []
    for shown in ("支付订单", "工单已解决", "新建回复模板", "任务已关闭", "状态：待付款 → 待发货"):
        assert shown in text, shown
    assert "处理人：— → agent-wang" in text  # a user id in a snapshot reads as the username
    assert "待发布版本：#7 → —" in text and "类目：#1 → #2" in text
    # the codes stay in tooltips
    assert 'title="orders.order_pay"' in html and 'title="pending_version_id"' in html
    # the action filter is a select of names whose values are the codes
    assert '<option value="orders.order_pay" title="orders.order_pay">支付订单</option>' in html
    only = visible_text(client.get("/audit/", {"action": "orders.order_pay"}).content.decode())
    assert "状态：待付款 → 待发货" in only and "处理人：— → agent-wang" not in only
