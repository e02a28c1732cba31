"""Labels the console shows instead of codes (issue 14, item 2)."""

from __future__ import annotations

import pytest
from django.utils import translation

from mallops.core.errors import FieldError
from mallops.core.words import error_lines, field_path_label, label, label_choices


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [("paid", "待发货", "Awaiting shipment"), ("created", "待付款", "Awaiting payment")],
)
def test_order_status_reads_in_both_languages(code: str, zh: str, en: str) -> None:
    with translation.override("zh-hans"):
        assert label(code, "orders.status") == zh
    with translation.override("en"):
        assert label(code, "orders.status") == en


def test_carrier_and_unknown_code() -> None:
    with translation.override("zh-hans"):
        assert label("SF", "orders.carrier") == "顺丰速运"
        assert label("no-such-code", "orders.carrier") == "no-such-code"
        assert label("x", "no_such_app.status") == "x"
        assert label_choices("orders.carrier", ["JD"]) == [("JD", "京东物流")]


def test_field_paths_read_as_words() -> None:
    with translation.override("zh-hans"):
        assert field_path_label("selling_points[0]", "review") == "卖点 1"
        assert field_path_label("skus[0].spec_values.口味", "review") == "规格 1 · 口味"
        assert field_path_label(("body", "contact_phone")) == "联系电话"


def test_field_errors_name_the_field_in_chinese() -> None:
    with translation.override("zh-hans"):
        lines = error_lines([FieldError(("body", "contact_phone"), "must be a mainland mobile")])
    assert lines == ["联系电话：must be a mainland mobile"]


def test_the_file_checks_read_in_the_page_language() -> None:
    errors = [
        FieldError(("body", "file"), "the file is at most 5 MB", "too_large"),
        FieldError(("body", "file"), "at most 64 megapixels", "too_many_pixels"),
        FieldError(("body", "file"), "each side is at least 200 px (got 120x90)", "too_small"),
        FieldError(
            ("body", "file"), "the file must be JPEG, PNG, WEBP (judged by its content)", "unsupported_type"
        ),
    ]
    with translation.override("zh-hans"):
        lines = [line.split("：", 1)[1] for line in error_lines(errors)]
    assert lines == [
        "文件不能超过 5 MB。",
        "图片不能超过 64 百万像素。",
        "图片每边至少 200 像素（这张是 120 × 90）。",
        "文件须为 JPEG、PNG、WEBP 格式（按文件内容判断）。",
    ]
    with translation.override("en"):
        assert error_lines(errors[:1])[0].endswith("The file is larger than 5 MB.")


def test_audit_changes_read_as_a_before_after_list() -> None:
    from mallops.core.words import audit_changes

    with translation.override("zh-hans"):
        rows = audit_changes(
            {"status": "paid", "refunded_fen": 0},
            {"status": "shipped", "carrier": "SF", "refunded_fen": 104900, "ship_late": False},
            "orders.order",
        )
    assert [row["text"] for row in rows] == [
        "状态：待发货 → 已发货",
        "退款金额：¥0.00 → ¥1,049.00",
        "快递公司：顺丰速运",
        "超时发货：否",
    ]


def test_ticket_action_flash_message_is_a_sentence() -> None:
    with translation.override("zh-hans"):
        assert label("reply", "service.action_done") == "已回复客户。"
    with translation.override("en"):
        assert label("reply", "service.action_done") == "Reply sent to the customer."
