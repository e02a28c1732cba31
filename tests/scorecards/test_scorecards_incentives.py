"""Incentive rules and runs (R8.3.1): a manager edits the bands, a run pays each person the points of the
bands their KPIs reach, a second manager who is not a subject approves it, then it is locked; every change
is audited and a refused step changes nothing."""

from __future__ import annotations

import json

import pytest
from scorecard_factories import WEEK_DAY, sh, staff, task, ticket

from mallops.audit.models import AuditEvent
from mallops.scorecards.models import IncentiveResult, IncentiveRun, KpiRule, RunStatus
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db


def _put(client: ApiClient, path: str, body: dict) -> object:
    return client.put(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}"},
    )


def _cs_rows():
    a1, a2 = staff("cs_agent", "agent-1"), staff("cs_agent", "agent-2")
    # a1: SLA 2/2 = 1.0, CSAT 4.50, 2 resolved; a2: SLA 0/1 = 0.0, no rating, 0 resolved
    ticket(
        a1,
        created=sh(2026, 3, 2, 10),
        first_met=sh(2026, 3, 2, 10, 5),
        resolved=sh(2026, 3, 2, 11),
        rated=(sh(2026, 3, 2, 12), "4.50"),
    )
    ticket(a1, created=sh(2026, 3, 3, 10), first_met=sh(2026, 3, 3, 10, 5), resolved=sh(2026, 3, 3, 11))
    ticket(a2, created=sh(2026, 3, 4, 10), first_breached=sh(2026, 3, 4, 10, 15))
    return a1, a2


@pytest.mark.req("R8.3.1")
def test_rule_edit_run_approval_by_a_second_manager_and_lock_through_the_api():
    _cs_rows()
    boss, second = (
        make_staff("platform_admin", username="boss"),
        make_staff("platform_admin", username="second"),
    )
    client, other = ApiClient(token=token_for(boss)), ApiClient(token=token_for(second))

    # a manager sets the bands of "tickets resolved": >= 1 pays 7, >= 2 pays 12
    response = _put(
        client,
        "/api/v1/scorecards/kpis/cs_agent.resolved",
        {"target": 2, "bands": [{"threshold": 2, "points": 12}, {"threshold": 1, "points": 7}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["bands"] == [{"threshold": 1.0, "points": 7}, {"threshold": 2.0, "points": 12}]

    response = client.post_json(
        "/api/v1/scorecards/runs", {"role": "cs_agent", "period_kind": "week", "day": WEEK_DAY.isoformat()}
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert (run["status"], run["period_start"], run["created_by"]) == ("draft", "2026-03-02", "boss")
    results = {r["username"]: r for r in run["results"]}
    # a1: SLA 1.0 reaches 0.99 (band 3, 15 points); CSAT 4.50 reaches 4.5 (band 2, 10); 2 resolved (band 2, 12)
    assert results["agent-1"]["points"] == 37
    assert [
        (line["kpi"], line["value"], line["band"], line["points"]) for line in results["agent-1"]["lines"]
    ] == [
        ("cs_agent.first_response_sla", 1.0, 3, 15),
        ("cs_agent.csat", 4.5, 2, 10),
        ("cs_agent.resolved", 2, 2, 12),
    ]
    # a2: SLA 0.0, no CSAT, nothing resolved: no band
    assert results["agent-2"]["points"] == 0
    assert [line["band"] for line in results["agent-2"]["lines"]] == [None, None, None]

    # the manager who computed it may not approve it
    response = client.post_json(f"/api/v1/scorecards/runs/{run['id']}/approve", {})
    assert response.status_code == 403 and response.json()["code"] == "incentive_self_approval"
    assert IncentiveRun.objects.get(pk=run["id"]).status == RunStatus.DRAFT
    # locking a draft is refused
    response = other.post_json(f"/api/v1/scorecards/runs/{run['id']}/lock", {})
    assert response.status_code == 409 and response.json()["code"] == "incentive_run_not_approved"

    response = other.post_json(f"/api/v1/scorecards/runs/{run['id']}/approve", {})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["approved_by"]) == ("approved", "second")
    # an approved run is not recomputed
    response = client.post_json(
        "/api/v1/scorecards/runs", {"role": "cs_agent", "period_kind": "week", "day": "2026-03-08"}
    )
    assert response.status_code == 409 and response.json()["code"] == "incentive_run_closed"
    response = client.post_json(f"/api/v1/scorecards/runs/{run['id']}/lock", {})
    assert response.status_code == 200 and response.json()["status"] == "locked"

    actions = list(
        AuditEvent.objects.filter(action__startswith="scorecard.")
        .order_by("seq")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("scorecard.rule_set", "boss"),
        ("scorecard.run_compute", "boss"),
        ("scorecard.run_approve", "second"),
        ("scorecard.run_lock", "boss"),
    ]


@pytest.mark.req("R8.3.1")
def test_a_subject_of_the_run_may_not_approve_it_and_non_managers_may_do_nothing():
    task("tech_ops", None, due=sh(2026, 3, 4, 12))
    boss = make_staff("platform_admin", username="boss")
    subject = make_staff("platform_admin", "tech_ops", username="subject")  # a manager measured in the run
    agent = make_staff("cs_agent", username="agent")
    client = ApiClient(token=token_for(boss))
    run = client.post_json(
        "/api/v1/scorecards/runs", {"role": "tech_ops", "period_kind": "month", "day": "2026-03-15"}
    ).json()
    assert [r["username"] for r in run["results"]] == ["subject"]
    assert run["period_start"] == "2026-03-01"

    response = ApiClient(token=token_for(subject)).post_json(
        f"/api/v1/scorecards/runs/{run['id']}/approve", {}
    )
    assert response.status_code == 403 and response.json()["code"] == "incentive_self_approval"

    worker = ApiClient(token=token_for(agent))
    assert worker.post_json(f"/api/v1/scorecards/runs/{run['id']}/approve", {}).status_code == 403
    assert (
        worker.post_json("/api/v1/scorecards/runs", {"role": "cs_agent", "day": "2026-03-02"}).status_code
        == 403
    )
    assert (
        _put(
            worker,
            "/api/v1/scorecards/kpis/cs_agent.csat",
            {"target": 1, "bands": [{"threshold": 1, "points": 100}]},
        ).status_code
        == 403
    )
    assert worker.get_json("/api/v1/scorecards/teams/cs_agent").status_code == 403
    assert IncentiveRun.objects.get(pk=run["id"]).status == RunStatus.DRAFT
    assert KpiRule.objects.count() == 0
    assert IncentiveResult.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="scorecard.").count() == 1


def test_bad_bands_are_refused_with_field_paths():
    boss = make_staff("platform_admin", username="boss")
    client = ApiClient(token=token_for(boss))
    response = _put(
        client,
        "/api/v1/scorecards/kpis/cs_agent.csat",
        {"target": 4, "bands": [{"threshold": 4, "points": 5}, {"threshold": 4, "points": 9}]},
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "bands"]]
    response = _put(
        client, "/api/v1/scorecards/kpis/nope", {"target": 4, "bands": [{"threshold": 4, "points": 5}]}
    )
    assert response.status_code == 422
    assert KpiRule.objects.count() == 0


@pytest.mark.req("R8.1.2")
def test_team_and_person_scorecards_show_value_target_band_and_six_periods():
    a1, _a2 = _cs_rows()
    sup = make_staff("cs_supervisor", username="sup")
    team = ApiClient(token=token_for(sup)).get_json(
        "/api/v1/scorecards/teams/cs_agent", data={"period": "week", "day": "2026-03-05"}
    )
    assert team.status_code == 200, team.content
    body = team.json()
    assert body["period"] == "2026-W10"
    assert [
        (line["kpi"], line["value"], line["target"], line["target_met"], line["band"])
        for line in body["lines"]
    ] == [
        ("cs_agent.first_response_sla", 0.6667, 0.95, False, None),  # 2 met / 3 ended
        ("cs_agent.csat", 4.5, 4.5, True, 2),
        ("cs_agent.resolved", 2, 100.0, False, None),
    ]
    # the agent sees their own card (with 6 periods of history), not a colleague's, not the team
    own = ApiClient(token=token_for(a1))
    person = own.get_json(
        f"/api/v1/scorecards/teams/cs_agent/people/{a1.pk}", data={"day": "2026-03-05"}
    ).json()
    assert [h["period"] for h in person["history"]] == [
        "2026-W05",
        "2026-W06",
        "2026-W07",
        "2026-W08",
        "2026-W09",
        "2026-W10",
    ]
    assert person["history"][-1]["values"]["cs_agent.resolved"] == 2
    assert person["history"][0]["values"]["cs_agent.resolved"] == 0
    assert own.get_json(f"/api/v1/scorecards/teams/cs_agent/people/{_a2.pk}").status_code == 403
    assert own.get_json("/api/v1/scorecards/teams/cs_agent").status_code == 403
