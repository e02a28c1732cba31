"""立即备份 / 立即恢复演练: the backup pages start a job for technical operations (audited), no shell."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from mallops.audit.models import AuditEvent
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_tech_ops_start_a_backup_and_a_drill_from_the_pages_and_others_cannot() -> None:
    client = Client()
    client.force_login(make_staff("tech_ops"))
    page = client.get("/ops/backups/").content.decode()
    assert 'data-testid="backup-start"' in page and "mallops backup" not in page

    # when (the worker's jobs are replaced: what matters here is that they are queued after the commit)
    with (
        mock.patch("mallops.ops.tasks.backup_now") as backup,
        mock.patch("mallops.ops.tasks.drill_now") as drill,
    ):
        started = client.post("/ops/backups/start/", {"level": "local"})
        drilled = client.post("/ops/drills/start/", {"level": "local"})
        refused = client.post("/ops/backups/start/", {"level": "moon"})
        other = Client()
        other.force_login(make_staff("cs_agent"))
        denied = other.post("/ops/backups/start/", {"level": "local"})

    # then
    assert (started.status_code, drilled.status_code, refused.status_code, denied.status_code) == (
        302,
        302,
        302,
        403,
    )
    assert [call.args[0] for call in backup.call_args_list] == ["local"]
    drill.assert_called_once_with("local")
    assert list(
        AuditEvent.objects.filter(action__in=["ops.backup.request", "ops.drill.request"])
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["ops.backup.request", "ops.drill.request"]


def test_a_second_backup_is_refused_while_one_runs_and_a_double_click_makes_one_backup() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mallops.accounts.actors import actor_of
    from mallops.core.errors import DomainError
    from mallops.ops import backup_requests, tasks
    from mallops.ops.models import BackupRun, RunResult

    operator = actor_of(make_staff("tech_ops"))
    # a double click: both requests queue a job before the worker starts the first
    with mock.patch("mallops.ops.tasks.backup_now") as queued:
        backup_requests.backup_request(actor=operator, level="local")
        backup_requests.backup_request(actor=operator, level="local")
    first, second = (call.args for call in queued.call_args_list)
    with mock.patch("mallops.ops.services.backup_create") as create:
        create.side_effect = lambda level: BackupRun.objects.create(
            level=level, name="b1", started_at=timezone.now(), result=RunResult.OK
        )
        made = tasks.backup_now.call_local(*first)
        again = tasks.backup_now.call_local(*second)
    assert (create.call_count, again) == (1, made)

    # while a backup of the level runs, the button is refused (409) and nothing is queued
    BackupRun.objects.create(level="local", name="b2", started_at=timezone.now(), result=RunResult.RUNNING)
    with mock.patch("mallops.ops.tasks.backup_now") as queued, pytest.raises(DomainError) as refused:
        backup_requests.backup_request(actor=operator, level="local")
    assert (refused.value.status, queued.call_count) == (409, 0)
    # a run left "running" by a killed worker blocks for 6 hours, not forever
    BackupRun.objects.filter(name="b2").update(started_at=timezone.now() - timedelta(hours=7))
    with mock.patch("mallops.ops.tasks.backup_now") as queued:
        backup_requests.backup_request(actor=operator, level="local")
    assert queued.call_count == 1
