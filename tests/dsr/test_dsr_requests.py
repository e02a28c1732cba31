"""Data-subject requests: deadline on the working-day calendar, overdue sweep, export, deletion (R7.3.3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dsr_helpers import new_buyer

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core import sweeps
from mallops.dsr import requests as dsr
from mallops.dsr.models import ConsentRecord, DataSubjectRequest, PersonalDataHold
from mallops.orders.models import Order
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_order

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _submit(buyer: Any, kind: str, **extra: Any) -> dict[str, Any]:
    response = ApiClient(token_for(buyer)).post_json("/api/v1/me/data-requests", {"kind": kind, **extra})
    assert response.status_code == 201, response.content
    return dict(response.json())


@pytest.mark.req("R7.3.3")
def test_due_date_counts_working_days_across_national_day() -> None:
    # 2026: Mid-Autumn 9-25..27 and National Day 10-1..7 are off; Saturday 10-10 is a make-up working day.
    # From Thursday 9-24: 9-28, 29, 30, 10-8, 9, 10 (Sat, make-up), 12..16, 19..22 -> the 15th is 10-22.
    submitted = datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)
    due = dsr.due_at_for(submitted).astimezone(SHANGHAI)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-10-22", 23, 59)
    # Monday to Friday alone would give 10-15; without the make-up Saturday 10-23.


@pytest.mark.req("R7.3.3")
def test_submitting_sets_the_deadline_and_is_audited(buyer: Any, monkeypatch: Any) -> None:
    from django.utils import timezone

    fixed = datetime(2026, 9, 24, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    data = _submit(buyer, "access")
    assert data["status"] == "open" and data["overdue"] is False and data["export_ready"] is False
    assert datetime.fromisoformat(data["due_at"]).astimezone(SHANGHAI).date().isoformat() == "2026-10-22"
    assert AuditEvent.objects.filter(action="dsr.submit", object_id=str(data["id"])).exists()
    again = ApiClient(token_for(buyer)).post_json("/api/v1/me/data-requests", {"kind": "access"})
    assert again.status_code == 409 and again.json()["code"] == "request_open"


@pytest.mark.req("R7.3.3")
def test_overdue_sweep_after_an_outage_escalates_once(buyer: Any) -> None:
    late = DataSubjectRequest.objects.get(pk=_submit(buyer, "access")["id"])
    other = new_buyer("13700001111")
    on_time = DataSubjectRequest.objects.get(pk=_submit(other, "deletion")["id"])
    DataSubjectRequest.objects.filter(pk=on_time.pk).update(due_at=late.due_at + timedelta(days=30))
    DataSubjectRequest.objects.filter(pk=on_time.pk).update(escalate_due_at=late.due_at + timedelta(days=30))
    # the worker was down for a week past the first deadline: the next run catches up
    after_outage = late.due_at + timedelta(days=7)
    sweeper = sweeps.registered()["dsr.overdue"]
    assert sweeps.run_sweeper(sweeper, after_outage) == 1
    assert sweeps.run_sweeper(sweeper, after_outage) == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue and late.escalated_at == after_outage and late.status == "open"
    assert not on_time.overdue
    event = AuditEvent.objects.get(action="dsr.overdue")
    assert event.object_id == str(late.pk)
    assert ApiClient(token_for(buyer)).get_json(f"/api/v1/me/data-requests/{late.pk}").json()["overdue"]


@pytest.mark.req("R1.3.4")
@pytest.mark.req("R7.3.3")
def test_access_export_contains_profile_addresses_and_orders(buyer: Any, officer: Any) -> None:
    merchant, _ = make_merchant()
    order = make_order(merchant, buyer=buyer)
    other_order = make_order(merchant)
    request_id = _submit(buyer, "access")["id"]
    client = ApiClient(token_for(buyer))
    assert client.get_json(f"/api/v1/me/data-requests/{request_id}/export").status_code == 409
    dsr.request_complete(actor=actor_of(officer), request_id=request_id)
    response = client.get_json(f"/api/v1/me/data-requests/{request_id}/export")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "mallops.personal-data/1"
    assert data["accounts"]["profile"]["phone"] == "13912345678"
    assert data["accounts"]["profile"]["display_name"] == "李小红"
    assert data["accounts"]["addresses"][0]["detail"] == "世纪大道100号"
    numbers = [o["number"] for o in data["orders"]["orders"]]
    assert numbers == [order.number] and other_order.number not in response.content.decode()
    assert data["orders"]["orders"][0]["lines"][0]["qty"] == 1
    # each profile field revealed in full is audited with the request as the reason
    reveals = AuditEvent.objects.filter(action="privacy.reveal", object_id=str(buyer.pk))
    assert reveals.count() == 6
    row = client.get_json(f"/api/v1/me/data-requests/{request_id}").json()
    assert row["status"] == "completed" and row["export_ready"]
    assert "accounts" in row["result"]["export_sections"]


@pytest.mark.req("R1.3.4")
@pytest.mark.req("R7.3.3")
def test_deletion_erases_the_profile_and_freezes_recent_orders(buyer: Any, officer: Any, policy: Any) -> None:
    from django.utils import timezone

    client = ApiClient(token_for(buyer))
    client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "grant"})
    merchant, _ = make_merchant()
    recent = make_order(merchant, buyer=buyer)
    old = make_order(merchant, buyer=buyer)
    Order.objects.unscoped(reason="test").filter(pk=recent.pk).update(
        ship_recipient="李小红", ship_detail="世纪大道100号", completed_at=timezone.now() - timedelta(days=30)
    )
    Order.objects.unscoped(reason="test").filter(pk=old.pk).update(
        ship_recipient="李小红",
        ship_detail="世纪大道100号",
        completed_at=timezone.now() - timedelta(days=4 * 365),
    )
    request_id = _submit(buyer, "deletion")["id"]
    row = dsr.request_complete(actor=actor_of(officer), request_id=request_id)
    buyer.refresh_from_db()
    assert buyer.phone == "" and buyer.display_name == "" and buyer.username == f"erased-{buyer.pk}"
    assert not buyer.is_active and not buyer.addresses.exists()
    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.ship_recipient == "李小红"  # kept: ECL Art. 31
    assert old.ship_recipient == "" and old.ship_detail == ""
    hold = PersonalDataHold.objects.get(request=row)
    assert (hold.object_type, hold.object_id) == ("orders.order", str(recent.pk))
    assert "ECL Art. 31" in hold.legal_basis
    assert row.result["frozen"] == {"orders": [recent.number]}
    assert "PIPL 第 47 条" in row.result["freeze_notice"]
    assert row.result["consents_withdrawn"] == ["marketing"]
    assert ConsentRecord.objects.filter(buyer=buyer).latest("pk").action == "withdrawn"
    assert AuditEvent.objects.filter(action="dsr.complete", object_id=str(row.pk)).exists()
    # the erased account can no longer sign in through its token
    assert client.get_json("/api/v1/me/data-requests").status_code == 401


@pytest.mark.req("R1.3.4")
def test_withdrawal_request_withdraws_the_named_purposes(buyer: Any, officer: Any, policy: Any) -> None:
    client = ApiClient(token_for(buyer))
    client.post_json("/api/v1/me/consents", {"purpose": "marketing", "action": "grant"})
    client.post_json("/api/v1/me/consents", {"purpose": "order_fulfilment", "action": "grant"})
    request_id = _submit(buyer, "withdrawal", purposes=["marketing"])["id"]
    row = dsr.request_complete(actor=actor_of(officer), request_id=request_id)
    assert row.result == {"consents_withdrawn": ["marketing"]}
    states = {i["purpose"]: i["status"] for i in client.get_json("/api/v1/me/consents").json()["items"]}
    assert states == {"marketing": "withdrawn", "order_fulfilment": "granted"}


@pytest.mark.req("R7.3.3")
def test_reject_needs_a_reason_code_and_the_permission(buyer: Any, officer: Any) -> None:
    from mallops.core.errors import DomainError

    request_id = _submit(buyer, "correction", note="手机号码写错了，应为13912345679")["id"]
    with pytest.raises(DomainError) as denied:
        dsr.request_reject(
            actor=actor_of(make_staff("cs_agent")), request_id=request_id, code="other", reason="不处理此请求"
        )
    assert denied.value.status == 403
    with pytest.raises(DomainError) as bad:
        dsr.request_reject(actor=actor_of(officer), request_id=request_id, code="whim", reason="")
    assert {e.loc[-1] for e in bad.value.errors} == {"code", "reason"}
    row = dsr.request_reject(
        actor=actor_of(officer), request_id=request_id, code="identity_unverified", reason="无法核验身份信息"
    )
    assert row.status == "rejected" and "无法核验身份" in row.reason and row.escalate_due_at is None
    with pytest.raises(DomainError) as closed:
        dsr.request_complete(actor=actor_of(officer), request_id=request_id, note="已更正手机号")
    assert closed.value.status == 409


@pytest.mark.req("R7.3.3")
def test_tenancy_buyers_see_only_their_own_and_merchants_nothing(buyer: Any) -> None:
    mine = _submit(buyer, "access")["id"]
    other = new_buyer("13600002222")
    theirs = _submit(other, "access")["id"]
    client = ApiClient(token_for(buyer))
    listed = client.get_json("/api/v1/me/data-requests").json()
    assert [i["id"] for i in listed["items"]] == [mine]
    assert client.get_json(f"/api/v1/me/data-requests/{theirs}").status_code == 404
    assert client.get_json(f"/api/v1/me/data-requests/{theirs}/export").status_code == 404
    _, owner = make_merchant()
    merchant = ApiClient(token_for(owner))
    assert merchant.get_json("/api/v1/me/data-requests").status_code == 403
    assert merchant.get_json(f"/api/v1/me/data-requests/{mine}").status_code == 403
    assert merchant.post_json("/api/v1/me/data-requests", {"kind": "access"}).status_code == 403


@pytest.mark.req("R7.3.3")
def test_bad_input_is_422_with_field_paths_and_writes_nothing(buyer: Any) -> None:
    client = ApiClient(token_for(buyer))
    response = client.post_json("/api/v1/me/data-requests", {"kind": "everything"})
    assert response.status_code == 422 and response["Content-Type"].startswith("application/problem+json")
    assert (
        response.json()["errors"][0]["loc"] == ["body", "payload", "kind"]
        or "kind" in response.json()["errors"][0]["loc"]
    )
    response = client.post_json("/api/v1/me/data-requests", {"kind": "correction", "note": ""})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "note"]
    response = client.post_json("/api/v1/me/data-requests", {"kind": "access", "purposes": ["marketing"]})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "purposes"]
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.req("R7.3.3")
def test_a_frozen_order_is_erased_when_its_hold_ends(buyer: Any, officer: Any) -> None:
    from django.utils import timezone

    merchant, _ = make_merchant()
    order = make_order(merchant, buyer=buyer)
    completed = timezone.now() - timedelta(days=10)
    Order.objects.unscoped(reason="test").filter(pk=order.pk).update(
        ship_recipient="李小红", completed_at=completed
    )
    row = dsr.request_complete(actor=actor_of(officer), request_id=_submit(buyer, "deletion")["id"])
    hold = PersonalDataHold.objects.get(request=row)
    assert hold.handler == "orders" and hold.hold_until == completed.date().replace(year=completed.year + 3)
    sweeper = sweeps.registered()["dsr.hold_release"]
    assert sweeps.run_sweeper(sweeper, hold.release_due_at - timedelta(seconds=1)) == 0
    assert sweeps.run_sweeper(sweeper, hold.release_due_at + timedelta(days=2)) == 1
    assert sweeps.run_sweeper(sweeper, hold.release_due_at + timedelta(days=3)) == 0
    order.refresh_from_db()
    hold.refresh_from_db()
    assert order.ship_recipient == "" and hold.released_at is not None
    assert AuditEvent.objects.filter(action="dsr.hold_release", object_id=str(hold.pk)).exists()


@pytest.mark.req("R7.3.3")
def test_staff_api_queue_complete_and_reject(buyer: Any, officer: Any) -> None:
    first = _submit(buyer, "access")["id"]
    second = _submit(buyer, "correction", note="昵称应改为李红")["id"]
    staff = ApiClient(token_for(officer))
    queue = staff.get_json("/api/v1/privacy/data-requests").json()
    assert [i["id"] for i in queue["items"]] == [first, second] and queue["items"][1][
        "note"
    ] == "昵称应改为李红"
    response = staff.post_json(f"/api/v1/privacy/data-requests/{second}/complete", {})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "note"]
    response = staff.post_json(
        f"/api/v1/privacy/data-requests/{second}/complete", {"note": "已将昵称改为李红"}
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"
    response = staff.post_json(
        f"/api/v1/privacy/data-requests/{first}/reject", {"code": "nope", "reason": "x"}
    )
    assert response.status_code == 422 and "code" in response.json()["errors"][0]["loc"]
    response = staff.post_json(
        f"/api/v1/privacy/data-requests/{first}/reject",
        {"code": "identity_unverified", "reason": "无法核验身份"},
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert staff.get_json("/api/v1/privacy/data-requests").json()["count"] == 0
    assert staff.get_json("/api/v1/privacy/data-requests/999999").status_code == 404
    _, owner = make_merchant()
    for user in (owner, buyer, make_staff("cs_agent")):
        assert ApiClient(token_for(user)).get_json("/api/v1/privacy/data-requests").status_code == 403
