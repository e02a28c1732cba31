"""Console: agent profiles on a fresh install (no demo data); routing uses them (R5.4.1)."""

from __future__ import annotations

import pytest
from django.test import Client
from service_helpers import make_buyer

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.service import configuration
from mallops.service.models import AgentProfile, Ticket
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _ask(subject: str = "投诉快递员态度差", category: str = "complaint") -> Ticket:
    me = ApiClient(token=token_for(make_buyer()))
    created = me.post_json(
        "/api/v1/buyer/tickets",
        {"subject": subject, "description": "昨天送货时很不耐烦", "category": category},
    )
    assert created.status_code == 201, created.content
    ticket: Ticket = Ticket.objects.unscoped(reason="test").get(pk=created.json()["id"])
    return ticket


@pytest.mark.req("R5.4.1")
def test_profile_created_in_the_console_routes_the_next_ticket(client: Client) -> None:
    # given: a fresh install, a CS supervisor and a CS agent, no profiles (nobody is routed)
    supervisor = make_staff("cs_supervisor")
    agent = make_staff("cs_agent", username="xiaowang")
    make_staff("listing_reviewer", username="reviewer")
    assert AgentProfile.objects.count() == 0
    assert _ask().assignee_id is None
    client.force_login(supervisor)
    page = client.get("/service/agents/").content.decode()
    assert "还没有客服档案" in page
    form = client.get("/service/agents/new").content.decode()
    assert f'value="{agent.pk}">xiaowang<' in form and "reviewer" not in form
    assert "投诉" in form and "物流" in form  # skills by their Chinese names
    # when
    saved = client.post(
        "/service/agents/new",
        {"user_id": agent.pk, "skills": ["complaint", "logistics"], "merchant_id": "", "max_open": "5",
         "is_available": "on"},
    )  # fmt: skip
    # then
    assert saved.status_code == 302 and saved["Location"] == "/service/agents/"
    profile = AgentProfile.objects.get()
    assert (profile.user_id, profile.merchant_id, profile.skills, profile.max_open, profile.is_available) == (
        agent.pk, None, ["logistics", "complaint"], 5, True,  # in the categories' order
    )  # fmt: skip
    event = AuditEvent.objects.get(action="service.agent_profile_created")
    assert event.after is not None and event.after["skills"] == ["logistics", "complaint"]
    listed = client.get("/service/agents/").content.decode()
    assert "xiaowang" in listed and "物流、投诉" in listed and "在岗" in listed
    assert _ask().assignee_id == agent.pk


def test_off_duty_agents_get_no_tickets_and_only_supervisors_edit(client: Client) -> None:
    supervisor = make_staff("cs_supervisor")
    agent = make_staff("cs_agent")
    profile = configuration.agent_profile_create(
        actor=actor_of(supervisor), user_id=agent.pk, skills=["complaint"]
    )
    client.force_login(agent)
    assert client.get("/service/agents/").status_code == 403
    assert client.post(f"/service/agents/{profile.pk}/", {"max_open": "9", "skills": []}).status_code == 403
    profile.refresh_from_db()
    assert (profile.max_open, profile.skills) == (30, ["complaint"])
    client.force_login(supervisor)
    edited = client.post(f"/service/agents/{profile.pk}/", {"skills": ["complaint"], "max_open": "8"})
    assert edited.status_code == 302
    profile.refresh_from_db()
    assert (profile.max_open, profile.is_available) == (8, False)
    assert _ask().assignee_id is None


def test_store_scope_and_eligibility_are_checked(client: Client) -> None:
    supervisor = make_staff("cs_supervisor")
    merchant, _owner = make_merchant()
    other, _ = make_merchant()
    store_cs = make_member(merchant, "merchant_cs").user
    operator = make_member(merchant, "merchant_operator").user
    reviewer = make_staff("listing_reviewer")
    client.force_login(supervisor)
    refused = client.post(
        "/service/agents/new", {"user_id": reviewer.pk, "skills": ["product"], "max_open": "5"}
    ).content.decode()
    assert "选择一个有效的选项" in refused  # not offered in the select
    for user in (reviewer, operator):
        with pytest.raises(DomainError) as error:
            configuration.agent_profile_create(
                actor=actor_of(supervisor), user_id=user.pk, skills=["product"]
            )
        assert error.value.errors[0].code == "not_an_agent"
    with pytest.raises(DomainError) as error:
        configuration.agent_profile_create(
            actor=actor_of(supervisor), user_id=store_cs.pk, skills=["product"], merchant_id=other.pk
        )
    assert error.value.errors[0].code == "wrong_store"
    assert AgentProfile.objects.count() == 0
    # a store's CS works for its store whatever the form says
    client.post("/service/agents/new", {"user_id": store_cs.pk, "skills": ["product"], "max_open": "3"})
    assert AgentProfile.objects.get().merchant_id == merchant.pk


def test_agent_profiles_through_the_api() -> None:
    supervisor = make_staff("cs_supervisor")
    agent = make_staff("cs_agent")
    desk = ApiClient(token=token_for(supervisor))
    created = desk.post_json(
        "/api/v1/service/agent-profiles", {"user_id": agent.pk, "skills": ["return", "bogus"]}
    )
    assert created.status_code == 422 and created.json()["errors"][0]["loc"] == ["body", "skills"]
    created = desk.post_json("/api/v1/service/agent-profiles", {"user_id": agent.pk, "skills": ["return"]})
    assert created.status_code == 201, created.content
    assert created.json() == {
        "id": created.json()["id"], "user_id": agent.pk, "username": agent.username, "merchant_id": None,
        "skills": ["return"], "max_open": 30, "is_available": True,
    }  # fmt: skip
    listed = desk.get_json("/api/v1/service/agent-profiles").json()
    assert [p["user_id"] for p in listed] == [agent.pk]
    denied = ApiClient(token=token_for(agent)).post_json(
        "/api/v1/service/agent-profiles", {"user_id": agent.pk, "skills": []}
    )
    assert denied.status_code == 403
