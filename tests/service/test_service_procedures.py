"""Standard procedures with owners, executed as ticket checklists (R5.1.5, R8.4.1)."""

from __future__ import annotations

import pytest
from service_helpers import make_agent, make_buyer, make_procedure, train

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.service import checklist, procedures, services
from mallops.service.models import Procedure, ProcedureVersion, Ticket, TicketStep
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _open(category: str = "return", merchant_id: int | None = None) -> Ticket:
    return services.ticket_create(
        actor=actor_of(make_buyer()),
        subject="想退货",
        description="鞋子不合适，想七天无理由退货",
        channel="app",
        category=category,
        merchant_id=merchant_id,
    )


@pytest.mark.req("R5.1.5")
def test_owner_must_be_a_cs_supervisor_and_nothing_is_written_otherwise():
    supervisor = make_staff("cs_supervisor")
    agent = make_staff("cs_agent")
    api = ApiClient(token=token_for(supervisor))
    body = {
        "code": "returns",
        "name": "退货退款处理",
        "categories": ["return"],
        "steps": [{"title": "核实订单"}],
        "publish": True,
    }
    missing = api.post_json("/api/v1/service/procedures", body)
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"loc": ["body", "owner_id"], "msg": "no such active staff account", "code": "not_found"}
    ]
    not_supervisor = api.post_json("/api/v1/service/procedures", {**body, "owner_id": agent.pk})
    assert not_supervisor.status_code == 422
    assert not_supervisor.headers["Content-Type"].startswith("application/problem+json")
    assert not_supervisor.json()["errors"][0]["code"] == "not_supervisor"
    assert not Procedure.objects.exists() and not ProcedureVersion.objects.exists()

    created = api.post_json("/api/v1/service/procedures", {**body, "owner_id": supervisor.pk})
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["owner"] == supervisor.username and out["current_version"] == 1
    assert [s["title"] for s in out["versions"][0]["steps"]] == ["核实订单"]
    assert AuditEvent.objects.filter(action="service.procedure_created").count() == 1
    # a category belongs to one procedure at most
    clash = api.post_json(
        "/api/v1/service/procedures",
        {**body, "code": "returns2", "owner_id": supervisor.pk, "categories": ["order_query", "return"]},
    )
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["loc"] == ["body", "categories", 1]
    assert clash.json()["errors"][0]["code"] == "duplicate"
    # the owner can change, but only to another supervisor
    other = make_staff("cs_supervisor")
    bad = api.generic(
        "PATCH",
        "/api/v1/service/procedures/returns",
        data=f'{{"owner_id": {agent.pk}}}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert bad.status_code == 422
    ok = api.generic(
        "PATCH",
        "/api/v1/service/procedures/returns",
        data=f'{{"owner_id": {other.pk}}}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert ok.status_code == 200 and ok.json()["owner"] == other.username


@pytest.mark.req("R5.1.5")
def test_agents_read_procedures_but_only_supervisors_write_them():
    proc = make_procedure()
    agent = make_staff("cs_agent")
    api = ApiClient(token=token_for(agent))
    listed = api.get_json("/api/v1/service/procedures").json()
    assert [(p["code"], p["owner"]) for p in listed] == [("returns", proc.owner.username)]
    denied = api.post_json("/api/v1/service/procedures/returns/versions", {"steps": [{"title": "x"}]})
    assert denied.status_code == 403
    assert ProcedureVersion.objects.count() == 1
    assert (
        api.post_json(
            "/api/v1/service/training", {"user_id": agent.pk, "procedure": "returns", "score": 100}
        ).status_code
        == 403
    )


@pytest.mark.req("R5.1.5")
def test_install_standard_creates_returns_complaints_and_order_queries_once():
    supervisor = make_staff("cs_supervisor")
    api = ApiClient(token=token_for(supervisor))
    made = api.post_json("/api/v1/service/procedures/install-standard", {"owner_id": supervisor.pk})
    assert made.status_code == 201
    assert sorted((p["code"], p["categories"][0], p["current_version"]) for p in made.json()) == [
        ("complaints", "complaint", 1),
        ("order_queries", "order_query", 1),
        ("returns", "return", 1),
    ]
    again = api.post_json("/api/v1/service/procedures/install-standard", {"owner_id": supervisor.pk})
    assert again.status_code == 201 and again.json() == []
    assert Procedure.objects.count() == 3


@pytest.mark.req("R8.4.1")
@pytest.mark.req("R5.1.5")
def test_ticket_gets_the_checklist_and_cannot_be_resolved_while_required_steps_are_open():
    proc = make_procedure()
    agent = make_agent("return")
    train(agent, proc)
    ticket = _open()
    api = ApiClient(token=token_for(agent))
    detail = api.get_json(f"/api/v1/service/tickets/{ticket.pk}").json()
    assert detail["procedure"] == "returns v1" and detail["assignee_id"] == agent.pk
    items = detail["checklist"]
    assert [(i["title"], i["is_required"], i["done"]) for i in items] == [
        ("核实订单", True, False),
        ("上传凭证", False, False),
        ("提交退货", True, False),
    ]
    # ticking is audited and on the timeline
    ticked = api.post_json(
        f"/api/v1/service/tickets/{ticket.pk}/checklist", {"step_id": items[0]["id"], "note": "订单已核实"}
    )
    assert ticked.status_code == 200, ticked.content
    assert ticked.json()["done"] and ticked.json()["done_by"] == agent.username
    assert AuditEvent.objects.filter(action="service.ticket_step_done", object_id=str(ticket.pk)).count() == 1
    # resolving with a required step open: 409 naming the step, nothing changes
    refused = api.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已退货"})
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "procedure_steps_open"
    assert [s["title"] for s in problem["open_steps"]] == ["提交退货"]
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None
    assert not ticket.events.filter(kind="resolved").exists()
    # unticking is recorded too; then the required steps are done and it resolves (optional one open)
    api.post_json(
        f"/api/v1/service/tickets/{ticket.pk}/checklist", {"step_id": items[0]["id"], "done": False}
    )
    assert AuditEvent.objects.filter(action="service.ticket_step_reopened").count() == 1
    for item in (items[0], items[2]):
        api.post_json(f"/api/v1/service/tickets/{ticket.pk}/checklist", {"step_id": item["id"]})
    resolved = api.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已退货"})
    assert resolved.status_code == 200
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count("step_done") == 3 and "procedure_attached" in kinds
    # a step of another ticket is 404
    other = _open()
    assert (
        api.post_json(
            f"/api/v1/service/tickets/{other.pk}/checklist", {"step_id": items[1]["id"]}
        ).status_code
        == 404
    )


@pytest.mark.req("R8.4.1")
def test_a_new_version_applies_to_new_tickets_only_and_categories_without_procedure_have_none():
    proc = make_procedure()
    before = _open()
    procedures.procedure_version_create(
        actor=actor_of(proc.owner),
        code="returns",
        steps=[{"title": "核实订单"}, {"title": "核对七天无理由资格"}],
        change_note="加七天无理由核对",
        publish=True,
    )
    after = _open()
    assert [s.step.title for s in checklist.steps_of(before)] == ["核实订单", "上传凭证", "提交退货"]
    assert [s.step.title for s in checklist.steps_of(after)] == ["核实订单", "核对七天无理由资格"]
    assert list(proc.versions.values_list("number", "state")) == [(1, "retired"), (2, "published")]
    plain = _open(category="logistics")
    assert plain.procedure_version is None and not TicketStep.objects.filter(ticket=plain).exists()
    # retiring the published version: the procedure is not in force for new tickets
    procedures.procedure_version_retire(actor=actor_of(proc.owner), code="returns", number=2)
    assert _open().procedure_version is None


def test_version_rules_publish_only_drafts_and_steps_are_validated():
    proc = make_procedure()
    api = ApiClient(token=token_for(proc.owner))
    bad = api.post_json("/api/v1/service/procedures/returns/versions", {"steps": [{"title": ""}]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "steps", 0, "title"]
    optional_only = api.post_json(
        "/api/v1/service/procedures/returns/versions", {"steps": [{"title": "a", "is_required": False}]}
    )
    assert optional_only.json()["errors"][0]["code"] == "no_required_step"
    draft = api.post_json("/api/v1/service/procedures/returns/versions", {"steps": [{"title": "新步骤"}]})
    assert draft.status_code == 201 and draft.json()["state"] == "draft"
    assert proc.versions.count() == 2
    republish = api.post_json("/api/v1/service/procedures/returns/versions/1/publish", {})
    assert republish.status_code == 409 and republish.json()["code"] == "not_draft"
    published = api.post_json("/api/v1/service/procedures/returns/versions/2/publish", {})
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert api.get_json("/api/v1/service/procedures/returns").json()["current_version"] == 2
    assert api.post_json("/api/v1/service/procedures/returns/versions/9/retire", {}).status_code == 404


def test_store_cs_ticks_own_store_ticket_only():
    proc = make_procedure()
    merchant, _owner = make_merchant()
    other_merchant, _ = make_merchant()
    cs = make_member(merchant, "merchant_cs").user
    make_agent("return", user=cs, merchant=merchant)
    train(cs, proc)
    ticket = _open(merchant_id=merchant.pk)
    assert ticket.assignee_id == cs.pk
    step = checklist.steps_of(ticket)[0]
    store = ApiClient(token=token_for(cs))
    assert store.post_json(f"/api/v1/merchant/tickets/{ticket.pk}/checklist", {"step_id": step.pk}).json()[
        "done"
    ]
    foreign = _open(merchant_id=other_merchant.pk)
    foreign_step = checklist.steps_of(foreign)[0]
    assert (
        store.post_json(
            f"/api/v1/merchant/tickets/{foreign.pk}/checklist", {"step_id": foreign_step.pk}
        ).status_code
        == 404
    )
    foreign_step.refresh_from_db()
    assert foreign_step.done_at is None
