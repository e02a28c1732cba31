"""Exports of rows a report computed (no model behind them) declare their personal columns
(``privacy.exports.COMPUTED_EXPORTS``), so the export audit and the purpose rule cover them like a
queryset export; an undeclared computed-row export is refused rather than left out."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from mallops.audit.models import AuditEvent
from mallops.console.lists import PURPOSE_THRESHOLD, Column, DataTable
from mallops.privacy.contracts import DataClass
from mallops.privacy.exports import UndeclaredExportError, computed_export_data_classes
from mallops.testing.factories import make_staff

CARE_COLUMNS = [
    Column("name", "买家"),
    Column("reason", "原因"),
    Column("detail", "详情"),
    Column("since", "付款时间", kind="datetime"),
    Column("actions", "", kind="template", template="analytics/_care_actions.html", export=False),
]


def _care_table(user: Any, rows: int, export_name: str = "buyer-care", **params: str) -> DataTable:
    request = RequestFactory().get("/care/", {"export": "csv", **params})
    request.user = user
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    found = [
        {"key": n, "name": f"张*{n}", "reason": "first_order_waiting", "detail": f"订单 {n}", "since": None}
        for n in range(rows)
    ]
    return DataTable(
        request, found, columns=CARE_COLUMNS, default_sort="key", row_key="key", export_name=export_name
    )


def test_computed_exports_declare_the_classes_of_their_columns() -> None:
    assert computed_export_data_classes("buyer-care", ["name", "reason", "detail", "since"]) == [
        DataClass.IDENTITY,
        DataClass.TRANSACTION,
    ]
    assert computed_export_data_classes("buyer-care", ["detail"]) == [DataClass.TRANSACTION]
    assert computed_export_data_classes("campaigns", ["name", "merchant", "buyers", "gmv_fen"]) == []
    with pytest.raises(UndeclaredExportError):
        computed_export_data_classes("new-report", ["name"])


@pytest.mark.django_db
@pytest.mark.req("R7.1.2")
def test_a_bulk_export_of_computed_buyer_rows_asks_its_purpose_and_records_itself() -> None:
    user = make_staff("platform_admin", username="admin")

    # given: as many computed rows as make a bulk export, no purpose
    table = _care_table(user, PURPOSE_THRESHOLD)
    assert table.personal_data_classes == [DataClass.IDENTITY, DataClass.TRANSACTION]
    assert table.export_needs_purpose is True
    # when / then: refused, nothing recorded
    refused = table.export_response()
    assert refused.status_code == 302
    assert not AuditEvent.objects.filter(action="privacy.export").exists()

    # with a purpose the file goes out and one event records it
    sent = _care_table(user, PURPOSE_THRESHOLD, purpose="关怀回访").export_response()
    assert sent.status_code == 200
    assert [e.after for e in AuditEvent.objects.filter(action="privacy.export")] == [
        {
            "what": "buyer-care",
            "rows": PURPOSE_THRESHOLD,
            "data_classes": ["identity", "transaction"],
            "purpose": "关怀回访",
            "columns": ["name", "reason", "detail", "since"],
        }
    ]


@pytest.mark.django_db
def test_a_computed_export_without_a_declaration_is_refused() -> None:
    user = make_staff("platform_admin", username="admin")
    # the list page still renders (its toolbar asks for a purpose); the export itself is refused
    assert _care_table(user, PURPOSE_THRESHOLD, export_name="undeclared-report").export_needs_purpose is True
    with pytest.raises(UndeclaredExportError):
        _care_table(user, 1, export_name="undeclared-report").export_response()
    assert not AuditEvent.objects.filter(action="privacy.export").exists()
