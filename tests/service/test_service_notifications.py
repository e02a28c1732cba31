"""SLA warnings and breaches reach the assignee and the supervisor as console notifications, once per
ticket, SLA clock and recipient, whenever the sweep runs (R5.1.2, R5.2.4)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from service_helpers import make_buyer, sh

from mallops.accounts.actors import actor_of
from mallops.core.sweeps import registered, run_all, run_sweeper
from mallops.service import services
from mallops.service.models import Notification
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db


def _ticket(actor, buyer, at):
    return services.ticket_create(
        actor=actor_of(actor),
        buyer_id=buyer.pk,
        subject="订单问题",
        description="请帮忙处理",
        category="service",
        now=at,
    )


def _inbox(user) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "sla__policy__code"))


@pytest.mark.req("R5.1.2")
def test_warning_notifies_assignee_and_supervisor_once(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    assert ticket.assignee == agent
    warn = registered()["service.sla_warn"]
    assert run_sweeper(warn, sh(2026, 3, 2, 10, 9)) == 0
    assert not Notification.objects.exists()
    # the worker stalled: the sweep runs late, still before the deadline (10:15) -> one warning each
    assert run_sweeper(warn, sh(2026, 3, 2, 10, 13)) == 1
    assert _inbox(agent) == _inbox(supervisor) == [("sla_warning", "first_response")]
    note = Notification.objects.get(recipient=agent)
    assert note.ticket == ticket and note.due_at == sh(2026, 3, 2, 10, 15) and ticket.number in note.title
    # a second run (or a second worker) sends nothing more
    assert run_sweeper(warn, sh(2026, 3, 2, 10, 14)) == 0
    run_all(sh(2026, 3, 2, 10, 14))
    assert Notification.objects.filter(kind="sla_warning").count() == 2
    # then the breach: one more notification each, for that clock
    run_all(sh(2026, 3, 2, 10, 16))
    run_all(sh(2026, 3, 2, 10, 17))
    assert _inbox(agent) == [("sla_breached", "first_response"), ("sla_warning", "first_response")]
    assert _inbox(supervisor) == _inbox(agent)


@pytest.mark.req("R5.1.2")
@pytest.mark.req("R5.2.4")
def test_after_a_long_outage_each_breach_is_notified_once_and_no_stale_warning(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    outage_end = sh(2026, 3, 5, 12, 0)  # first response and resolution deadlines both passed
    run_all(outage_end)
    run_all(outage_end)
    expected = [("sla_breached", "first_response"), ("sla_breached", "resolution")]
    assert _inbox(agent) == expected and _inbox(supervisor) == expected
    ticket.refresh_from_db()
    assert ticket.escalated_to == supervisor
    assert not Notification.objects.filter(kind="sla_warning").exists()


def test_no_duplicate_when_the_assignee_is_the_supervisor(buyer, supervisor):
    from service_helpers import make_agent

    make_agent("service", user=supervisor)
    ticket = _ticket(supervisor, buyer, sh(2026, 3, 2, 10, 0))
    assert ticket.assignee == supervisor
    run_all(sh(2026, 3, 2, 10, 20))
    assert _inbox(supervisor) == [("sla_breached", "first_response")]


def test_inbox_api_lists_marks_read_and_hides_others(agent, buyer, supervisor):
    _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    run_all(sh(2026, 3, 2, 10, 16))
    api = ApiClient(token=token_for(agent))
    listed = json.loads(api.get_json("/api/v1/service/notifications?unread=true").content)
    assert listed["count"] == 1 and listed["items"][0]["kind"] == "sla_breached"
    mine = listed["items"][0]["id"]
    theirs = Notification.objects.get(recipient=supervisor).pk
    assert api.post_json(f"/api/v1/service/notifications/{theirs}/read", {}).status_code == 404
    assert Notification.objects.get(pk=theirs).read_at is None
    read = api.post_json(f"/api/v1/service/notifications/{mine}/read", {})
    assert read.status_code == 200 and json.loads(read.content)["read_at"]
    assert json.loads(api.get_json("/api/v1/service/notifications?unread=true").content)["count"] == 0
    assert json.loads(api.get_json("/api/v1/service/notifications").content)["count"] == 1
    boss = ApiClient(token=token_for(supervisor))
    assert json.loads(boss.post_json("/api/v1/service/notifications/read-all", {}).content) == {"marked": 1}
    assert ApiClient(token=token_for(make_buyer())).get_json("/api/v1/service/notifications").status_code in (
        401,
        403,
    )


def test_console_menu_shows_the_unread_count_and_the_inbox(agent, buyer, supervisor):
    ticket = _ticket(agent, buyer, sh(2026, 3, 2, 10, 0))
    run_all(sh(2026, 3, 2, 10, 16))
    client = Client()
    client.force_login(agent)
    page = client.get("/service/").content.decode()
    assert 'data-menu="notifications">通知 (1)<' in page
    inbox = client.get("/service/notifications/").content.decode()
    assert ticket.number in inbox and "SLA 超时" in inbox
    assert (
        'data-testid="inbox-table"' in inbox and 'class="sort' in inbox and "未读" in inbox
    )  # the DataTable
    assert (
        ticket.number not in client.get("/service/notifications/", {"kind": "routing_held"}).content.decode()
    )
    note = Notification.objects.get(recipient=agent)
    client.post(f"/service/notifications/{note.pk}/read")
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert 'data-menu="notifications">通知<' in client.get("/service/").content.decode()
    other = Client()
    other.force_login(make_staff("cs_agent"))
    assert other.post(f"/service/notifications/{note.pk}/read").status_code == 404
