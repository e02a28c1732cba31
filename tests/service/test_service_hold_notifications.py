"""A ticket routing holds for lack of trained agents tells the supervisors once (console inbox and API);
the notifications are marked read, and link to the assignee, once the ticket is assigned (R5.1.5)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from service_helpers import make_agent, make_buyer, make_procedure, sh

from mallops.accounts.actors import actor_of
from mallops.service import notifications, services
from mallops.service.models import Notification, Ticket
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db


def _open(category: str = "return") -> Ticket:
    return services.ticket_create(
        actor=actor_of(make_buyer()),
        subject="想退货",
        description="尺码不合适",
        channel="app",
        category=category,
    )


def _held(user) -> list[tuple[int, bool]]:
    rows = Notification.objects.filter(recipient=user, kind="routing_held")
    return sorted((n.ticket_id, n.read_at is not None) for n in rows)


@pytest.mark.req("R5.1.5")
def test_held_ticket_notifies_the_supervisors_once_and_clears_on_assignment():
    owner = make_staff("platform_admin")  # owns the procedure, is not a CS supervisor
    supervisor = make_staff("cs_supervisor")
    proc = make_procedure(owner)
    make_agent("return")  # available, not trained
    ticket = _open()
    assert ticket.assignee_id is None and ticket.routing_hold_reason
    assert _held(owner) == _held(supervisor) == [(ticket.pk, False)]
    note = Notification.objects.get(recipient=supervisor)
    assert note.sla is None and ticket.number in note.title and ticket.routing_hold_reason in note.title
    # routing again (still nobody trained) does not notify twice
    services.ticket_assign(actor=actor_of(supervisor), ticket_id=ticket.pk)
    assert Notification.objects.filter(kind="routing_held").count() == 2
    assert notifications.hold_notify(ticket, "again", now=sh(2026, 3, 2, 10, 0)) == []
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=supervisor, kind="routing_held", ticket=ticket, title="x", created_at=sh(2026, 3, 2)
        )
    # a ticket that routes normally notifies nobody
    routed = _open(category="logistics")
    assert routed.assignee_id is not None
    assert not Notification.objects.filter(ticket=routed).exists()

    # the inbox (API and console) shows it, linked to the ticket
    api = ApiClient(token=token_for(supervisor))
    unread = api.get_json("/api/v1/service/notifications?unread=true").json()
    assert [(n["kind"], n["ticket_id"]) for n in unread["items"]] == [("routing_held", ticket.pk)]
    console = Client()
    console.force_login(supervisor)
    page = console.get("/service/notifications/?unread=1").content.decode()
    assert "待主管分派" in page and f"/service/tickets/{ticket.pk}/" in page and ticket.number in page

    # the supervisor assigns by hand: every hold notification of the ticket is cleared
    agent = make_agent("return")
    services.ticket_assign(actor=actor_of(supervisor), ticket_id=ticket.pk, assignee_id=agent.pk)
    assert _held(owner) == _held(supervisor) == [(ticket.pk, True)]
    assert api.get_json("/api/v1/service/notifications?unread=true").json()["count"] == 0
    shown = console.get("/service/notifications/").content.decode()
    assert "已分派给" in shown and agent.username in shown
    assert proc.owner == owner
