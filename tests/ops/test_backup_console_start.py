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
    backup.assert_called_once_with("local")
    drill.assert_called_once_with("local")
    assert list(
        AuditEvent.objects.filter(action__in=["ops.backup.request", "ops.drill.request"])
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["ops.backup.request", "ops.drill.request"]
