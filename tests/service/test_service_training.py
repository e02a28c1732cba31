"""Training and assessment records; routing only to agents trained on the current version
(R5.1.5, R8.2.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from service_helpers import make_agent, make_buyer, make_procedure, train

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.service import procedures, services
from mallops.service.models import Ticket, TrainingRecord
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _open(category: str = "return", merchant_id: int | None = None) -> Ticket:
    return services.ticket_create(
        actor=actor_of(make_buyer()),
        subject="退货",
        description="想退货",
        channel="app",
        category=category,
        merchant_id=merchant_id,
    )


@pytest.mark.req("R5.1.5")
def test_routing_prefers_trained_agents_over_skill_and_load():
    proc = make_procedure()
    skilled_idle = make_agent("return")  # better skill and load, but untrained
    trained = make_agent()
    train(trained, proc)

    ticket = _open()
    assert ticket.assignee_id == trained.pk and ticket.routing_hold_reason == ""
    # tickets without a procedure route as before (skill first)
    plain = _open(category="logistics")
    assert plain.assignee_id != trained.pk
    assert skilled_idle.pk != trained.pk


@pytest.mark.req("R5.1.5")
def test_nobody_trained_leaves_the_ticket_to_the_supervisor_with_the_reason():
    proc = make_procedure()
    make_agent("return")
    ticket = _open()
    assert ticket.assignee_id is None and ticket.status == "new"
    assert ticket.routing_hold_reason == "nobody available is trained on returns 流程 v1"
    held = ticket.events.get(kind="routing_held")
    assert held.internal and held.body == ticket.routing_hold_reason
    created = AuditEvent.objects.get(action="service.ticket_created", object_id=str(ticket.pk))
    assert created.after["routing_hold_reason"] == ticket.routing_hold_reason
    assert created.after["procedure_version"] == ticket.procedure_version_id
    supervisor = ApiClient(token=token_for(proc.owner))
    out = supervisor.get_json(f"/api/v1/service/tickets/{ticket.pk}").json()
    assert out["routing_hold_reason"] == ticket.routing_hold_reason
    _open(category="logistics")  # routed normally: not in the held list
    held = supervisor.get_json("/api/v1/service/tickets?held=true").json()
    assert [t["id"] for t in held["items"]] == [ticket.pk]
    # the supervisor assigns by hand: the hold ends
    agent = make_agent("return")
    assigned = supervisor.post_json(
        f"/api/v1/service/tickets/{ticket.pk}/assign", {"assignee_id": agent.pk}
    ).json()
    assert assigned["assignee_id"] == agent.pk and assigned["routing_hold_reason"] == ""
    assert supervisor.get_json("/api/v1/service/tickets?held=true").json()["count"] == 0
    warned = ticket.events.get(kind="assigned_untrained")
    assert warned.internal and warned.body == f"{agent.username} is not trained on returns 流程 v1"


@pytest.mark.req("R5.1.5")
@pytest.mark.req("R8.2.1")
def test_a_new_version_requires_retraining_before_routing_resumes():
    proc = make_procedure()
    agent = make_agent("return")
    train(agent, proc)
    assert _open().assignee_id == agent.pk
    procedures.procedure_version_create(
        actor=actor_of(proc.owner), code="returns", steps=[{"title": "新版核实"}], publish=True
    )
    held = _open()
    assert held.assignee_id is None and "v2" in held.routing_hold_reason
    # a failed assessment does not count
    failed = train(agent, proc, score=proc.pass_mark - 1)
    assert failed.passed is False and failed.version.number == 2
    assert _open().assignee_id is None
    train(agent, proc, score=proc.pass_mark)
    routed = services.ticket_assign(actor=actor_of(proc.owner), ticket_id=held.pk)
    assert routed.assignee_id == agent.pk and routed.routing_hold_reason == ""


@pytest.mark.req("R5.1.5")
def test_store_matter_goes_to_platform_agents_when_the_store_cs_is_untrained():
    proc = make_procedure()
    merchant, _ = make_merchant()
    store_cs = make_member(merchant, "merchant_cs").user
    make_agent("return", user=store_cs, merchant=merchant)
    platform = make_agent("return")
    train(platform, proc)
    assert _open(merchant_id=merchant.pk).assignee_id == platform.pk
    train(store_cs, proc)
    assert _open(merchant_id=merchant.pk).assignee_id == store_cs.pk


@pytest.mark.req("R8.2.1")
def test_training_api_records_assessments_and_the_matrix_shows_who_is_trained():
    proc = make_procedure()
    complaints = make_procedure(code="complaints", categories=("complaint",), owner=proc.owner)
    trained = make_agent("return")
    failing = make_agent("return")
    stale = make_agent("complaint")
    api = ApiClient(token=token_for(proc.owner))
    done_at = (timezone.now() - timedelta(days=2)).isoformat()
    ok = api.post_json(
        "/api/v1/service/training",
        {
            "user_id": trained.pk,
            "procedure": "returns",
            "score": 92,
            "completed_at": done_at,
            "note": "线下培训",
        },
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["passed"] is True and ok.json()["version"] == 1
    assert AuditEvent.objects.filter(action="service.training_recorded").count() == 1
    low = api.post_json(
        "/api/v1/service/training", {"user_id": failing.pk, "procedure": "returns", "score": 79}
    )
    assert low.json()["passed"] is False
    train(stale, complaints)
    procedures.procedure_version_create(
        actor=actor_of(proc.owner), code="complaints", steps=[{"title": "新版受理"}], publish=True
    )
    # bad input: every field named, nothing written
    count = TrainingRecord.objects.count()
    bad = api.post_json(
        "/api/v1/service/training",
        {
            "user_id": make_buyer().pk,
            "procedure": "returns",
            "score": 101,
            "completed_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert bad.status_code == 422
    assert {e["loc"][-1]: e["code"] for e in bad.json()["errors"]} == {
        "user_id": "not_agent",
        "score": "out_of_range",
        "completed_at": "in_future",
    }
    retired = api.post_json(
        "/api/v1/service/training",
        {"user_id": stale.pk, "procedure": "complaints", "version": 1, "score": 90},
    )
    assert retired.status_code == 409 and retired.json()["code"] == "version_retired"
    assert TrainingRecord.objects.count() == count
    matrix = api.get_json("/api/v1/service/training").json()
    assert [(c["procedure"], c["current_version"]) for c in matrix["procedures"]] == [
        ("complaints", 2),
        ("returns", 1),
    ]
    status = {row["user_id"]: [c["status"] for c in row["cells"]] for row in matrix["agents"]}
    assert status[trained.pk] == ["untrained", "trained"]
    assert status[failing.pk] == ["untrained", "failed"]
    assert status[stale.pk] == ["retrain", "untrained"]
    records = api.get_json(f"/api/v1/service/training/records?user_id={trained.pk}").json()
    assert [(r["procedure"], r["score"], r["note"]) for r in records["items"]] == [
        ("returns", 92, "线下培训")
    ]
    agent_api = ApiClient(token=token_for(make_staff("cs_agent")))
    assert agent_api.get_json("/api/v1/service/training").status_code == 403


@pytest.mark.req("R8.2.1")
def test_resolving_can_require_a_passed_assessment():
    proc = make_procedure(code="complaints", categories=("complaint",), resolve_requires_training=True)
    trained = make_agent("complaint")
    train(trained, proc)
    newcomer = make_agent("complaint")
    ticket = _open(category="complaint")
    services.ticket_assign(actor=actor_of(proc.owner), ticket_id=ticket.pk, assignee_id=newcomer.pk)
    for row in ticket.steps.all():
        services_step(newcomer, ticket, row.pk)
    api = ApiClient(token=token_for(newcomer))
    refused = api.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已处理"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "training_required" and refused.json()["procedure"] == "complaints"
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # a failed assessment is not enough; a passed one is
    train(newcomer, proc, score=50)
    assert (
        api.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已处理"}).status_code
        == 403
    )
    train(newcomer, proc)
    assert (
        api.post_json(f"/api/v1/service/tickets/{ticket.pk}/resolve", {"summary": "已处理"}).status_code
        == 200
    )
    # supervisors may always resolve; procedures without the flag let any agent resolve
    other = _open(category="complaint")
    for row in other.steps.all():
        services_step(proc.owner, other, row.pk)
    assert (
        services.ticket_resolve(actor=actor_of(proc.owner), ticket_id=other.pk, summary="主管处理").status
        == "resolved"
    )


def services_step(actor, ticket, step_id):
    from mallops.service.checklist import ticket_step_set

    return ticket_step_set(actor=actor_of(actor), ticket_id=ticket.pk, step_id=step_id)
