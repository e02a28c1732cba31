"""Every role's KPIs reconcile exactly with the rows they count (R8.1.2): rows are built by hand around the
week 2026-03-02 .. 03-08 (Beijing), including rows just outside it, and the figures are worked out below."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scorecard_factories import WEEK_DAY, incident, sh, staff, task, ticket

from mallops.accounts.actors import actor_of
from mallops.catalogue.fixtures import make_product
from mallops.review import services as review
from mallops.scorecards.engine import period_of
from mallops.scorecards.kpis import role_values
from mallops.tasks.models import Kind, Status
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db

WEEK = period_of("week", WEEK_DAY)


@pytest.mark.req("R8.1.2")
def test_cs_agent_kpis_count_first_response_clocks_ratings_and_resolutions_of_the_week():
    a1, a2 = staff("cs_agent", "agent-1"), staff("cs_agent", "agent-2")
    staff("cs_supervisor", "sup")  # not a cs_agent: not a member
    # a1: met in the week, resolved and rated 5.00 in the week
    ticket(
        a1,
        created=sh(2026, 3, 2, 10),
        first_met=sh(2026, 3, 2, 10, 5),
        resolved=sh(2026, 3, 3, 9),
        rated=(sh(2026, 3, 3, 10), "5.00"),
    )
    # a1: breached in the week, resolved next week (not counted), rated 3.50 one minute before the end
    ticket(
        a1,
        created=sh(2026, 3, 4, 9),
        first_breached=sh(2026, 3, 4, 9, 15),
        resolved=sh(2026, 3, 9, 0, 30),
        rated=(sh(2026, 3, 8, 23, 59), "3.50"),
    )
    # a1: clock met the week before (not counted), resolved just after the week began
    ticket(
        a1, created=sh(2026, 3, 1, 23, 40), first_met=sh(2026, 3, 1, 23, 50), resolved=sh(2026, 3, 2, 0, 10)
    )
    # a1: a superseded clock is not counted; a clock both met and breached counts as breached
    ticket(a1, created=sh(2026, 3, 5, 9), first_met=sh(2026, 3, 5, 9, 1), superseded=True)
    ticket(
        a1, created=sh(2026, 3, 5, 9), first_met=sh(2026, 3, 5, 9, 30), first_breached=sh(2026, 3, 5, 9, 15)
    )
    # a2: one ticket met, resolved and rated 4.00
    ticket(
        a2,
        created=sh(2026, 3, 6, 9),
        first_met=sh(2026, 3, 6, 9, 2),
        resolved=sh(2026, 3, 6, 11),
        rated=(sh(2026, 3, 6, 12), "4.00"),
    )
    # unassigned: nobody's
    ticket(None, created=sh(2026, 3, 6, 9), first_met=sh(2026, 3, 6, 9, 2))

    values = role_values(role="cs_agent", period=WEEK)

    assert [m.username for m in values.members] == ["agent-1", "agent-2"]
    assert values.people[a1.pk] == {
        "cs_agent.first_response_sla": 0.3333,  # 1 met / (1 met + 2 breached)
        "cs_agent.csat": 4.25,  # (5.00 + 3.50) / 2
        "cs_agent.resolved": 2,
    }
    assert values.people[a2.pk] == {
        "cs_agent.first_response_sla": 1.0,
        "cs_agent.csat": 4.0,
        "cs_agent.resolved": 1,
    }
    assert values.team == {
        "cs_agent.first_response_sla": 0.5,  # 2 met / 4 ended
        "cs_agent.csat": 4.17,  # (5 + 3.5 + 4) / 3 = 4.1666…
        "cs_agent.resolved": 3,
    }


def _submitted(merchant_id: int, at):
    product = make_product(merchant_id)
    listing = review.listing_create(actor=actor_of(None), merchant_id=merchant_id, product_id=product.pk)
    review.listing_submit(actor=actor_of(None), merchant_id=merchant_id, listing_id=listing.pk, now=at)
    return listing.pk


def _decide(reviewer, listing_id: int, at, approve: bool) -> None:
    review.listing_claim(actor=actor_of(reviewer), listing_id=listing_id, now=at - timedelta(minutes=1))
    if approve:
        review.listing_approve(actor=actor_of(reviewer), listing_id=listing_id, now=at)
    else:
        review.listing_reject(
            actor=actor_of(reviewer), listing_id=listing_id, reason_codes=["image_quality"], now=at
        )


@pytest.mark.req("R8.1.2")
def test_reviewer_kpis_count_human_decisions_turnaround_and_reversed_approvals():
    merchant, _ = make_merchant()
    r1, r2 = staff("listing_reviewer", "rev-1"), staff("listing_reviewer", "rev-2")
    ops = make_staff("product_ops", username="ops")
    t0 = sh(2026, 3, 3, 10, 0)
    l1, l2, l4 = (_submitted(merchant.pk, t0) for _ in range(3))
    late = _submitted(merchant.pk, sh(2026, 3, 8, 23, 0))
    _decide(r1, l1, t0 + timedelta(minutes=10), approve=True)
    _decide(r2, l2, t0 + timedelta(minutes=30), approve=False)
    _decide(r1, l4, t0 + timedelta(minutes=60), approve=True)
    _decide(r1, late, sh(2026, 3, 9, 0, 30), approve=True)  # decided next week: not counted
    # staff take l1 down: r1's approval of it is reversed
    review.listing_take_down(
        actor=actor_of(ops),
        listing_id=l1,
        reason="虚假宣传",
        article="广告法第二十八条",
        now=t0 + timedelta(days=1),
    )

    values = role_values(role="listing_reviewer", period=WEEK)

    assert values.people[r1.pk] == {
        "listing_reviewer.turnaround_minutes": 35.0,  # median(10, 60)
        "listing_reviewer.decisions": 2,
        "listing_reviewer.reversal_rate": 0.5,  # 1 of 2
    }
    assert values.people[r2.pk] == {
        "listing_reviewer.turnaround_minutes": 30.0,
        "listing_reviewer.decisions": 1,
        "listing_reviewer.reversal_rate": 0.0,
    }
    assert values.team == {
        "listing_reviewer.turnaround_minutes": 30.0,  # median(10, 30, 60)
        "listing_reviewer.decisions": 3,
        "listing_reviewer.reversal_rate": 0.3333,  # 1 of 3
    }


@pytest.mark.req("R8.1.2")
def test_content_ops_kpis_count_tasks_due_in_the_week_and_moderation_done():
    c1, c2 = staff("content_ops", "content-1"), staff("content_ops", "content-2")
    day = lambda d, h=12: sh(2026, 3, d, h)  # noqa: E731
    task("content_ops", c1, due=day(3), closed=day(3, 9))  # on time
    task("content_ops", c1, due=day(4), closed=day(5))  # late
    task("content_ops", c1, due=day(5), status=Status.OPEN)  # not done
    task("content_ops", c1, due=day(6), closed=day(6, 9), status=Status.CANCELLED)  # cancelled: not due
    task("content_ops", c1, due=sh(2026, 3, 10, 12), closed=day(7))  # due next week
    task("content_ops", c1, due=None, closed=day(4), kind=Kind.MODERATION)  # moderation done
    task("content_ops", c2, due=day(7), closed=day(7, 11))  # on time
    task("content_ops", c2, due=sh(2026, 3, 8, 23, 30), closed=sh(2026, 3, 8, 23, 0), kind=Kind.MODERATION)
    task("content_ops", c2, due=None, closed=sh(2026, 3, 9, 0, 1), kind=Kind.MODERATION)  # next week
    task("content_ops", None, due=day(4), status=Status.OPEN)  # unassigned: the team's
    task("user_ops", c1, due=day(4), closed=day(3))  # another team's

    values = role_values(role="content_ops", period=WEEK)

    assert values.people[c1.pk] == {"content_ops.tasks_on_time": 0.3333, "content_ops.moderation_handled": 1}
    assert values.people[c2.pk] == {"content_ops.tasks_on_time": 1.0, "content_ops.moderation_handled": 1}
    # team: 3 on time of 6 due (c1: 3, c2: 2, unassigned: 1)
    assert values.team == {"content_ops.tasks_on_time": 0.5, "content_ops.moderation_handled": 2}


@pytest.mark.req("R8.1.2")
def test_tech_ops_team_kpi_counts_incidents_resolved_within_the_severity_target():
    t1 = staff("tech_ops", "tech-1")
    incident("sev1", detected=sh(2026, 3, 3, 10), resolved=sh(2026, 3, 3, 13))  # 3 h <= 4 h
    incident("sev2", detected=sh(2026, 3, 3, 10), resolved=sh(2026, 3, 3, 19))  # 9 h > 8 h
    incident("sev4", detected=sh(2026, 2, 25, 10), resolved=sh(2026, 3, 1, 10))  # resolved the week before
    incident("sev3", detected=sh(2026, 3, 4, 10), resolved=None)  # still open
    task("tech_ops", t1, due=sh(2026, 3, 4, 12), closed=sh(2026, 3, 4, 11))

    values = role_values(role="tech_ops", period=WEEK)

    assert values.people[t1.pk] == {"tech_ops.tasks_on_time": 1.0}
    assert values.team == {"tech_ops.tasks_on_time": 1.0, "tech_ops.incidents_in_target": 0.5}


@pytest.mark.req("R8.1.2")
def test_product_and_user_ops_team_kpis_read_gmv_and_conversion_from_analytics():
    from mallops.analytics.services import events_ingest

    staff("product_ops", "prod-1")

    def event(uid: str, name: str, who: str, at, **props):
        return {
            "uuid": uid,
            "event": name,
            "distinct_id": who,
            "timestamp": at.isoformat(),
            "properties": props,
        }

    events_ingest(
        events=[
            event("e1", "page_view", "v1", sh(2026, 3, 3, 10)),
            event("e2", "page_view", "v2", sh(2026, 3, 3, 10)),
            event("e3", "page_view", "v3", sh(2026, 3, 4, 10)),
            event("e4", "page_view", "v4", sh(2026, 3, 5, 10)),
            event("e5", "order_paid", "v1", sh(2026, 3, 3, 11), order_id="O1", amount_fen=12_345),
            event(
                "e6", "order_paid", "v1", sh(2026, 3, 9, 0, 5), order_id="O2", amount_fen=99_999
            ),  # next week
        ]
    )

    product = role_values(role="product_ops", period=WEEK)
    user = role_values(role="user_ops", period=WEEK)

    assert product.team["product_ops.gmv_fen"] == 12_345
    assert user.team["user_ops.conversion_rate"] == 0.25  # 1 paying buyer / 4 visitors
    assert user.members == ()
