"""The scorecard console in zh-hans: team view with members and the 6-period chart, a person's own card,
rule editing and the run approval (self-approval refused with a message, a second manager approves)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from scorecard_factories import sh, staff, ticket

from mallops.audit.models import AuditEvent
from mallops.scorecards.models import IncentiveRun, KpiRule, RunStatus
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db

RAW = re.compile(r"\b(cs_agent|listing_reviewer|first_response_sla|tasks_on_time|draft|approved|locked)\b")


def _text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("R8.3.1")
def test_manager_edits_a_rule_computes_and_a_second_manager_approves_in_the_console():
    a1 = staff("cs_agent", "agent-1")
    ticket(a1, created=sh(2026, 3, 2, 10), first_met=sh(2026, 3, 2, 10, 5), resolved=sh(2026, 3, 2, 11))
    boss, second = (
        make_staff("platform_admin", username="boss"),
        make_staff("platform_admin", username="second"),
    )
    console = _login(boss)

    page = console.get("/scorecards/?role=cs_agent&period=week&day=2026-03-04")
    assert page.status_code == 200
    text = _text(page.content.decode())
    assert "首响时效达标率" in text and "agent-1" in text and "最近 6 个周期" in text
    assert "100.0%" in text  # 1 met of 1
    assert RAW.search(text) is None, RAW.search(text)

    page = console.post(
        "/scorecards/rules/cs_agent.resolved/",
        {"target": "1", "threshold_1": "1", "points_1": "9"},
    )
    assert page.status_code == 302
    assert KpiRule.objects.get(kpi="cs_agent.resolved").bands == [{"threshold": 1.0, "points": 9}]
    rules_page = console.get("/scorecards/rules/").content.decode()
    assert "≥ 1 → 9" in _text(rules_page)
    assert 'data-testid="rules-table"' in rules_page and 'data-testid="rule-cs_agent.resolved"' in rules_page
    other_team = console.get("/scorecards/rules/", {"role": "listing_reviewer"}).content.decode()
    assert 'data-testid="rule-cs_agent.resolved"' not in other_team and "≥ 1 → 9" not in _text(other_team)

    page = console.post("/scorecards/runs/", {"role": "cs_agent", "period_kind": "week", "day": "2026-03-04"})
    assert page.status_code == 302
    run = IncentiveRun.objects.get()
    text = _text(console.get(f"/scorecards/runs/{run.pk}/").content.decode())
    # SLA 1.0 → band 3 (15), no CSAT (0), 1 resolved → band 1 (9)
    assert "共 24 积分" in text and "草稿" in text
    assert RAW.search(text) is None, RAW.search(text)

    page = console.post(f"/scorecards/runs/{run.pk}/approve", follow=True)
    assert "不能是计算人" in page.content.decode()
    assert IncentiveRun.objects.get().status == RunStatus.DRAFT

    page = _login(second).post(f"/scorecards/runs/{run.pk}/approve", follow=True)
    assert "激励结算已批准。" in page.content.decode()
    assert IncentiveRun.objects.get().status == RunStatus.APPROVED
    for path in (
        "/scorecards/runs/",
        "/scorecards/rules/cs_agent.csat/",
        f"/scorecards/people/cs_agent/{a1.pk}/",
    ):
        page = console.get(path)
        assert page.status_code == 200, path
        text = _text(page.content.decode())
        assert RAW.search(text) is None, (path, RAW.search(text))
    runs_page = console.get("/scorecards/runs/").content.decode()
    assert "已批准" in _text(runs_page) and 'data-testid="runs-table"' in runs_page  # the DataTable
    assert f'data-testid="run-{run.pk}"' in runs_page and 'class="sort' in runs_page
    drafts = console.get("/scorecards/runs/", {"status": "draft"}).content.decode()
    assert f'data-testid="run-{run.pk}"' not in drafts
    # the agent sees the approved result on their own card
    assert "我的激励结果" in _login(a1).get(f"/scorecards/people/cs_agent/{a1.pk}/").content.decode()
    assert list(
        AuditEvent.objects.filter(action__startswith="scorecard.")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["scorecard.rule_set", "scorecard.run_compute", "scorecard.run_approve"]


def test_an_agent_sees_only_their_own_card():
    a1, a2 = staff("cs_agent", "agent-1"), staff("cs_agent", "agent-2")
    console = _login(a1)
    page = console.get("/scorecards/?period=week&day=2026-03-04")
    assert page.status_code == 302 and page["Location"].startswith(f"/scorecards/people/cs_agent/{a1.pk}/")
    page = console.get(page["Location"])
    assert page.status_code == 200
    text = _text(page.content.decode())
    assert "客户满意度（CSAT）" in text and "2026-W10" in text
    assert RAW.search(text) is None, RAW.search(text)
    assert console.get(f"/scorecards/people/cs_agent/{a2.pk}/").status_code == 403
    assert console.get("/scorecards/runs/").status_code == 403
    assert console.get("/scorecards/rules/").status_code == 403
