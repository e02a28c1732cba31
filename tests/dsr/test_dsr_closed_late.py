"""A data-subject request closed after its deadline says 已逾期完成, not 已逾期 (that mark is for open ones)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.core import sweeps
from mallops.dsr import requests as dsr
from mallops.dsr.models import DataSubjectRequest

pytestmark = pytest.mark.django_db


def test_an_overdue_request_once_completed_is_marked_completed_late(buyer: Any, officer: Any) -> None:
    # given a request the overdue sweep escalated, then completed in the console
    row = dsr.request_submit(actor=actor_of(buyer), kind="access")
    sweeps.run_sweeper(sweeps.registered()["dsr.overdue"], row.due_at + timedelta(hours=1))
    client = Client()
    client.force_login(officer)
    assert 'data-testid="dsr-overdue"' in client.get("/privacy/requests/").content.decode()
    client.post(f"/privacy/requests/{row.pk}/", {"op": "complete"})
    DataSubjectRequest.objects.filter(pk=row.pk).update(closed_at=row.due_at + timedelta(hours=2))

    # when
    queue = client.get("/privacy/requests/?status=").content.decode()
    detail = client.get(f"/privacy/requests/{row.pk}/").content.decode()

    # then
    done = DataSubjectRequest.objects.get(pk=row.pk)
    assert (done.status, done.overdue, done.closed_late) == ("completed", False, True)
    assert 'data-testid="dsr-overdue"' not in queue and "已逾期</span>" not in queue
    assert '<span class="badge warning" data-testid="dsr-closed-late">已逾期完成</span>' in queue
    assert "已逾期完成（" in detail and "已逾期（" not in detail
