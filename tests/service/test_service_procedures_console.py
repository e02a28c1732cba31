"""Console: the checklist on the ticket pages, the procedures page and the training matrix
(R5.1.5, R8.2.1, R8.4.1)."""

from __future__ import annotations

import pytest
from service_helpers import make_agent, make_buyer, make_procedure, train

from mallops.accounts.actors import actor_of
from mallops.service import checklist, services
from mallops.service.models import Procedure, TrainingRecord
from mallops.testing.factories import make_member, make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _return_ticket(merchant_id: int | None = None):
    return services.ticket_create(
        actor=actor_of(make_buyer()), subject="想退货", description="不合适", channel="app", category="return",
        merchant_id=merchant_id,
    )  # fmt: skip


@pytest.mark.req("R8.4.1")
def test_agent_ticks_steps_on_the_ticket_page_and_resolve_is_refused_until_done(client):
    proc = make_procedure()
    agent = make_agent("return")
    train(agent, proc)
    ticket = _return_ticket()
    client.force_login(agent)
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="checklist"' in page
    assert "流程清单" in page and "returns 流程" in page and proc.owner.username in page
    assert "还有 2 个必做步骤未完成" in page
    refused = client.post(f"/service/tickets/{ticket.pk}/resolve", {"summary": "已退货"}, follow=True)
    assert "流程清单中仍有必做步骤未完成：核实订单; 提交退货" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "open"
    rows = checklist.steps_of(ticket)
    for row in (rows[0], rows[2]):
        assert (
            client.post(f"/service/tickets/{ticket.pk}/step", {"step_id": row.pk, "note": "ok"}).status_code
            == 302
        )
    assert "必做步骤已全部完成" in client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    client.post(f"/service/tickets/{ticket.pk}/step", {"step_id": rows[2].pk, "done": "0"})
    assert checklist.open_required(ticket)[0].pk == rows[2].pk
    client.post(f"/service/tickets/{ticket.pk}/step", {"step_id": rows[2].pk})
    client.post(f"/service/tickets/{ticket.pk}/resolve", {"summary": "已退货"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    # junk step id: a message, nothing else
    other = _return_ticket()
    client.post(f"/service/tickets/{other.pk}/step", {"step_id": "x"})
    assert not any(r.done_at for r in checklist.steps_of(other))


def test_store_cs_sees_and_ticks_the_checklist(client):
    proc = make_procedure()
    merchant, _ = make_merchant()
    cs = make_member(merchant, "merchant_cs").user
    make_agent("return", user=cs, merchant=merchant)
    train(cs, proc)
    ticket = _return_ticket(merchant.pk)
    client.force_login(cs)
    page = client.get(f"/service/store/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="checklist"' in page
    row = checklist.steps_of(ticket)[0]
    client.post(f"/service/store/tickets/{ticket.pk}/step", {"step_id": row.pk})
    row.refresh_from_db()
    assert row.done_by_id == cs.pk


@pytest.mark.req("R5.1.5")
def test_held_ticket_shows_in_the_supervisor_queue_with_the_reason(client):
    make_procedure()
    make_agent("return")
    ticket = _return_ticket()
    client.force_login(make_staff("cs_supervisor"))
    held = client.get("/service/?scope=held").content.decode()
    assert ticket.number in held and "待主管分派" in held
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="routing-hold"' in page and "nobody available is trained on returns 流程 v1" in page
    # the supervisor assigns from the ticket page; the list says who is trained
    assert 'data-testid="assign"' in page and "未培训" in page
    trained = make_agent("return")
    train(trained, Procedure.objects.get(code="returns"))
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert f"{trained.username} · 已培训" in page
    client.post(f"/service/tickets/{ticket.pk}/assign", {"assignee_id": trained.pk})
    ticket.refresh_from_db()
    assert ticket.assignee_id == trained.pk and ticket.routing_hold_reason == ""
    assert ticket.number not in client.get("/service/?scope=held").content.decode()


@pytest.mark.req("R5.1.5")
def test_supervisor_sets_up_procedures_changes_owner_and_publishes_versions(client):
    supervisor = make_staff("cs_supervisor")
    other = make_staff("cs_supervisor")
    agent = make_staff("cs_agent")
    client.force_login(supervisor)
    page = client.get("/service/procedures/").content.decode()
    assert "标准流程" in page and 'data-testid="install-standard"' in page
    client.post("/service/procedures/new", {"standard": "1", "owner_id": supervisor.pk})
    assert sorted(Procedure.objects.values_list("code", flat=True)) == [
        "complaints",
        "order_queries",
        "returns",
    ]
    page = client.get("/service/procedures/").content.decode()
    assert "退货退款处理" in page and "投诉处理" in page and "订单查询处理" in page
    assert "工单类别: 退货退款" in page
    assert 'data-testid="install-standard"' not in page
    assert 'data-testid="procedures-table"' in page and 'class="sort' in page  # the DataTable
    complaints_only = client.get("/service/procedures/", {"q": "投诉"}).content.decode()
    assert "投诉处理" in complaints_only and "退货退款处理" not in complaints_only
    # the owner must be a supervisor: an agent is refused with the reason shown
    refused = client.post(
        "/service/procedures/returns/settings", {"owner_id": agent.pk, "pass_mark": "80"}, follow=True
    )
    assert "ticket.supervise" in refused.content.decode()
    assert Procedure.objects.get(code="returns").owner_id == supervisor.pk
    client.post(
        "/service/procedures/returns/settings",
        {"owner_id": other.pk, "pass_mark": "75", "resolve_requires_training": "on"},
    )
    returns = Procedure.objects.get(code="returns")
    assert (returns.owner_id, returns.pass_mark, returns.resolve_requires_training) == (other.pk, 75, True)
    assert Procedure.objects.get(code="complaints").resolve_requires_training
    client.post(
        "/service/procedures/returns/version",
        {"steps": "核实订单 | 看签收日期\n?请顾客拍照\n提交退货", "change_note": "精简"},
    )
    draft = Procedure.objects.get(code="returns").versions.get(number=2)
    assert draft.state == "draft"
    assert [(s.title, s.guidance, s.is_required) for s in draft.steps.order_by("position")] == [
        ("核实订单", "看签收日期", True),
        ("请顾客拍照", "", False),
        ("提交退货", "", True),
    ]
    client.post("/service/procedures/returns/publish", {"number": 2})
    draft.refresh_from_db()
    assert draft.state == "published"
    client.post(
        "/service/procedures/new",
        {"code": "exchange", "name": "换货", "owner_id": supervisor.pk, "pass_mark": "70",
         "categories": ["product"], "steps": "核实订单", "publish": "on"},
    )  # fmt: skip
    assert Procedure.objects.get(code="exchange").pass_mark == 70
    # agents read the page but get no forms; they cannot post
    client.force_login(agent)
    page = client.get("/service/procedures/").content.decode()
    assert "退货退款处理" in page and 'data-testid="procedure-create"' not in page
    assert client.post("/service/procedures/returns/retire", {"number": 2}).status_code == 403


@pytest.mark.req("R8.2.1")
def test_training_page_records_an_assessment_and_shows_the_matrix(client):
    proc = make_procedure()
    agent = make_agent("return")
    client.force_login(proc.owner)
    page = client.get("/service/training/").content.decode()
    assert "客服培训" in page and agent.username in page and "未培训" in page
    client.post(
        "/service/training/record",
        {"user_id": agent.pk, "procedure": "returns", "score": "88", "completed_at": "2026-11-20T10:00", "note": "课堂"},
    )  # fmt: skip
    record = TrainingRecord.objects.get()
    assert (record.user_id, record.score, record.passed, record.note) == (agent.pk, 88, True, "课堂")
    page = client.get("/service/training/").content.decode()
    assert 'data-status="trained"' in page and "已培训" in page
    assert 'data-testid="training-records-table"' in page and 'class="sort' in page  # the DataTable
    assert f'data-testid="training-{record.pk}"' in page
    failed_only = client.get("/service/training/", {"passed": "False"}).content.decode()
    assert f'data-testid="training-{record.pk}"' not in failed_only
    bad = client.post(
        "/service/training/record", {"user_id": agent.pk, "procedure": "returns", "score": "abc"}, follow=True
    )
    assert bad.status_code == 200 and TrainingRecord.objects.count() == 1
    client.force_login(agent)
    assert client.get("/service/training/").status_code == 403
