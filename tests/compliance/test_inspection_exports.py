"""Issue 17: every export of personal data records itself (audit ``privacy.export``), so the self-inspection
checks it against the role matrix (PIPL Art. 51) and asks bulk exports for a purpose (PIPL Art. 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.audit.models import AuditEvent
from mallops.compliance import services
from mallops.compliance.models import InspectionFinding
from mallops.console import lists
from mallops.console.lists import Column, DataTable
from mallops.core.errors import DomainError
from mallops.orders.export import orders_export
from mallops.orders.models import Order
from mallops.privacy import exports
from mallops.privacy.contracts import DataClass
from mallops.testing.factories import make_merchant, make_staff


def _buyer_export(user: User, **params: str) -> Any:
    request = RequestFactory().get("/buyers/", {"export": "csv", **params})
    request.user = user
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    table = DataTable(
        request,
        User.objects.filter(kind=Kind.BUYER),
        columns=[Column("date_joined", "注册时间", kind="datetime"), Column("phone", "手机号")],
        default_sort="pk",
        export_name="buyers",
    )
    return table.export_response()


def _export_events() -> list[tuple[str, list[str], Any]]:
    return [
        (e.actor_username, list(e.actor_roles), e.after)
        for e in AuditEvent.objects.filter(action="privacy.export").order_by("seq")
    ]


@pytest.mark.django_db
@pytest.mark.req("R7.1.2")
def test_a_list_export_of_buyer_rows_records_itself_and_the_inspection_checks_the_role(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(3):
        User.objects.create(username=f"buyer{n}", kind=Kind.BUYER)
    admin = make_staff("platform_admin", username="admin")
    analyst = make_staff("data_ops", username="analyst")

    assert _buyer_export(admin, purpose="售后回访").status_code == 200
    assert _export_events() == [
        (
            "admin",
            ["platform_admin"],
            {
                "what": "buyers",
                "rows": 3,
                "data_classes": ["contact"],
                "purpose": "售后回访",
                "columns": ["date_joined", "phone"],
            },
        )
    ]
    # a bulk export (here: from 3 rows) without a purpose is refused and records nothing
    monkeypatch.setattr(lists, "PURPOSE_THRESHOLD", 3)
    refused = _buyer_export(analyst)
    assert (refused.status_code, refused["Location"]) == (302, "?")
    assert len(_export_events()) == 1
    monkeypatch.setattr(lists, "PURPOSE_THRESHOLD", 50)
    assert _buyer_export(analyst).status_code == 200

    auditor = make_staff("compliance_auditor")
    inspection = services.inspection_start(actor=actor_of(auditor), queue=False)
    services.inspection_run(inspection_id=inspection.pk)
    found = InspectionFinding.objects.filter(
        inspection=inspection, rule__in=["PIPL51-ACCESS-ROLE", "PIPL6-EXPORT-PURPOSE"]
    )
    # the admin's export is allowed; the analyst's has no unmasked view of contacts
    assert [(f.rule, f.text.split("于")[0], f.text.split("，")[-1]) for f in found] == [
        ("PIPL51-ACCESS-ROLE", "analyst（数据运营）", "其角色不具备：查看未脱敏的联系方式")
    ]


@pytest.mark.django_db
def test_a_table_without_personal_columns_records_nothing_and_the_orders_file_records_its_classes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staff = make_staff("platform_admin")
    request = RequestFactory().get("/staff/", {"export": "csv"})
    request.user = staff
    table = DataTable(
        request, User.objects.all(), columns=[Column("date_joined", "注册时间")], export_name="users"
    )
    assert table.personal_data_classes == []
    assert table.export_response().status_code == 200

    merchant, owner = make_merchant("小林家居")
    orders = Order.objects.for_merchant(merchant.pk)
    assert exports.export_data_classes(Order, ["number", "ship_phone", "ship_recipient"]) == [
        DataClass.CONTACT,
        DataClass.IDENTITY,
    ]
    orders_export(actor=owner, orders=orders, purpose="")
    assert [(e[2]["what"], e[2]["rows"], e[2]["data_classes"]) for e in _export_events()] == [
        ("orders", 0, ["transaction"])
    ]
    monkeypatch.setattr(exports, "BULK_EXPORT_ROWS", 0)
    with pytest.raises(DomainError) as refused:
        orders_export(actor=owner, orders=orders, purpose=" ")
    assert [(e.loc, e.code) for e in refused.value.errors or []] == [(("purpose",), "required")]
