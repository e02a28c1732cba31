"""Service tasks and KPI tasks are worked on the task board: opened there with their source, closing there
marks the source row done (issue 15: tasks that close)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.analytics import services as analytics_services
from mallops.analytics.models import Task
from mallops.service.models import ServiceTask
from mallops.service.testing import make_ticket
from mallops.tasks import selectors, services
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def test_a_service_task_opens_on_the_cs_board_and_closing_it_marks_it_done() -> None:
    supervisor = make_staff("cs_supervisor", username="sup")
    ticket = make_ticket()
    row = ServiceTask.objects.create(
        kind=ServiceTask.Kind.SECOND_SERVICE,
        ticket=ticket,
        title=f"{ticket.number}: satisfaction 3.00 — second service",
        assignee=supervisor,
        created_at=timezone.now(),
    )
    [task] = selectors.open_tasks_for_source(source_type="service.task", source_id=str(row.pk))
    assert (task.team, task.kind, task.assignee_id, task.title) == (
        "cs",
        "second_service",
        supervisor.pk,
        f"{ticket.number}：二次服务",
    )
    services.task_close(actor=actor_of(supervisor), task_id=task.pk, outcome="回访两次，已补发配件")
    row.refresh_from_db()
    assert row.is_done and row.done_at is not None


def test_an_escalation_reason_reads_chinese_on_the_board() -> None:
    ticket = make_ticket()
    row = ServiceTask.objects.create(
        kind=ServiceTask.Kind.REGULATOR_FLAG,
        ticket=ticket,
        title=f"{ticket.number}: serious complaint — management review, regulator reporting check",
        detail="serious complaint received",
        created_at=timezone.now(),
    )
    [task] = selectors.open_tasks_for_source(source_type="service.task", source_id=str(row.pk))
    assert task.detail == "收到严重投诉"


def test_a_kpi_task_opens_on_its_teams_board_with_its_due_day_and_closes_there() -> None:
    analyst = make_staff("data_ops", username="analyst")
    ops = make_staff("user_ops", username="uops")
    finding = analytics_services.task_create(
        actor=actor_of(analyst),
        title="复购率下降 3 个百分点",
        team="user_ops",
        metric="repurchase_rate",
        due_on=date(2026, 12, 31),
    )
    [task] = selectors.open_tasks_for_source(source_type="analytics.task", source_id=str(finding.pk))
    assert (task.team, task.kind) == ("user_ops", "kpi_follow_up")
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2026-12-31 23:59"
    services.task_close(actor=actor_of(ops), task_id=task.pk, outcome="老客召回券已发放")
    assert Task.objects.get(pk=finding.pk).status == "done"
