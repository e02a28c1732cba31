"""Console: agent workspace, ticket view (masked CRM panel, suggestions, timeline), dashboard (R5.4.1, R8.1.2)."""

from __future__ import annotations

import pytest
from django.test import Client
from service_helpers import sh

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.service import services
from mallops.service.models import ReplyTemplate
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.req("R5.4.1")
@pytest.mark.req("R5.4.2")
def test_agent_workspace_queue_ticket_view_and_reply(client, agent, buyer):
    ReplyTemplate.objects.create(
        title="物流查询", category="logistics", keywords="快递 物流 催件", body="我们已为您催件。"
    )
    ticket = services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="快递没更新",
        description="物流三天没动",
        category="logistics",
    )
    client.force_login(agent)
    queue = client.get("/service/").content.decode()
    assert ticket.number in queue
    assert 'data-testid="ticket-queue-table"' in queue and 'class="sort' in queue  # the DataTable
    assert "物流" in queue and ">logistics<" not in queue
    assert ticket.number not in client.get("/service/", {"category": "service"}).content.decode()
    assert ticket.number in client.get("/service/", {"q": "快递", "scope": "all"}).content.decode()
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "物流查询" in page  # suggested answer
    assert "139****5678" in page and "13912345678" not in page  # masked profile
    response = client.post(f"/service/tickets/{ticket.pk}/reply", {"body": "我们已为您催件。"})
    assert response.status_code == 302
    assert ticket.events.filter(kind="reply").exists()
    client.post(f"/service/tickets/{ticket.pk}/resolve", {"summary": "已派送"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    # staff without ticket.handle are refused
    client.force_login(make_staff("listing_reviewer"))
    assert client.get("/service/").status_code == 403


@pytest.mark.req("R8.1.2")
def test_supervisor_dashboard_draws_charts(client, agent, buyer, supervisor):
    for category in ("service", "complaint", "technical"):
        ticket = services.ticket_create(
            actor=actor_of(agent), buyer_id=buyer.pk, subject="问题", description="描述", category=category
        )
        services.ticket_reply(actor=actor_of(agent), ticket_id=ticket.pk, body="您好")
        services.ticket_resolve(actor=actor_of(agent), ticket_id=ticket.pk, summary="已解决")
        services.ticket_rate(
            actor=actor_of(buyer), ticket_id=ticket.pk, speed=5, efficiency=4, quality=4, attitude=5
        )
    client.force_login(supervisor)
    page = client.get("/service/dashboard/").content.decode()
    assert page.count("<svg") >= 5
    assert agent.username in page and "4.5" in page
    client.force_login(agent)
    assert client.get("/service/dashboard/").status_code == 403


def test_agent_csat_without_ratings_is_an_empty_state_not_a_chart(
    client: Client, agent: User, buyer: User, supervisor: User
) -> None:
    ticket = services.ticket_create(
        actor=actor_of(agent), buyer_id=buyer.pk, subject="问题", description="描述", category="service"
    )
    services.ticket_resolve(actor=actor_of(agent), ticket_id=ticket.pk, summary="已解决")
    client.force_login(supervisor)
    page = client.get("/service/dashboard/").content.decode()
    section = page.split('data-testid="agent-csat"', 1)[1].split("</section>", 1)[0]
    assert "<svg" not in section and agent.username not in section
    assert "暂无评价。" in section


@pytest.mark.parametrize(
    ("display_name", "phone", "shown"),
    [
        ("李小红", "13912345678", "李** · 139****5678"),
        ("", "13912345678", "139****5678"),
        ("李", "", "买家"),
        ("", "", "买家"),
    ],
)
def test_customer_panel_never_shows_a_lone_mask(
    client: Client, agent: User, buyer: User, display_name: str, phone: str, shown: str
) -> None:
    buyer.display_name, buyer.phone = display_name, phone
    buyer.save(update_fields=["display_name", "phone"])
    ticket = services.ticket_create(
        actor=actor_of(agent), buyer_id=buyer.pk, subject="问题", description="描述", category="service"
    )
    client.force_login(agent)
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert f'<p data-testid="customer-identity">{shown}</p>' in page


@pytest.mark.req("R5.1.2")
def test_fallback_year_alert_names_the_year(client, agent, buyer):
    # a technical ticket late on 31 Dec 2026 runs into 2027, which has no holiday data yet
    ticket = services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="无法登录",
        description="报错",
        category="technical",
        now=sh(2026, 12, 31, 17, 0),
    )
    assert ticket.calendar_fallback_years == [2027]
    client.force_login(agent)
    for url in ("/service/", f"/service/tickets/{ticket.pk}/"):
        page = client.get(url).content.decode()
        assert 'data-testid="calendar-alert"' in page and "2027" in page
    detail = ticket.pk
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    body = ApiClient(token=token_for(agent)).get_json(f"/api/v1/service/tickets/{detail}").json()
    assert body["calendar_warnings"] == ["no holiday data for 2027; using Monday-Friday"]


@pytest.mark.req("R5.1.4")
def test_importing_the_missing_year_moves_existing_deadlines(agent, buyer, settings, tmp_path):
    import json

    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    ticket = services.ticket_create(
        actor=actor_of(agent),
        buyer_id=buyer.pk,
        subject="无法登录",
        description="报错",
        category="technical",
        now=sh(2026, 12, 31, 17, 0),
    )
    assert ticket.first_response_due_at == sh(2027, 1, 1, 12, 0)  # Monday-Friday fallback
    year = {"year": 2027, "holidays": [{"date": "2027-01-01", "name": "元旦"}], "makeup_workdays": []}
    admin = ApiClient(token=token_for(make_staff("tech_ops")))
    assert (
        admin.post_json("/api/v1/calendar/years", {"format": "json", "content": json.dumps(year)}).status_code
        == 201
    )
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == sh(2027, 1, 4, 12, 0)
    assert ticket.calendar_fallback_years == []
