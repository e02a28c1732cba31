"""Console pages: publish a policy, the request queue with overdue marks, complete and reject."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from dsr_helpers import POLICY_TEXT, PURPOSES

from mallops.accounts.actors import actor_of
from mallops.core import sweeps
from mallops.dsr import requests as dsr
from mallops.dsr.models import DataSubjectRequest, PrivacyPolicy
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def _console(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.req("R1.3.3")
def test_officer_publishes_a_policy_in_the_console(officer: Any) -> None:
    client = _console(officer)
    page = client.get("/privacy/policies/")
    assert page.status_code == 200
    form = {"version": "2026.1", "text": POLICY_TEXT, "purposes": json.dumps(PURPOSES, ensure_ascii=False)}
    assert client.post("/privacy/policies/", form).status_code == 302
    assert PrivacyPolicy.objects.get(is_current=True).version == "2026.1"
    listed = client.get("/privacy/policies/").content.decode()
    assert 'data-testid="policies-table"' in listed and 'class="sort' in listed  # the DataTable
    assert listed.count('data-testid="policy-row"') == 1
    superseded = client.get("/privacy/policies/", {"is_current": "False"}).content.decode()
    assert 'data-testid="policy-row"' not in superseded
    bad = client.post("/privacy/policies/", {**form, "version": "2026.2", "purposes": "[]"})
    assert bad.status_code == 200 and PrivacyPolicy.objects.count() == 1
    assert (
        make_staff("cs_agent")
        and _console(make_staff("cs_agent")).get("/privacy/policies/").status_code == 403
    )


@pytest.mark.req("R7.3.3")
def test_queue_shows_overdue_and_staff_complete_or_reject(buyer: Any, officer: Any) -> None:
    first = dsr.request_submit(actor=actor_of(buyer), kind="access")
    second = dsr.request_submit(
        actor=actor_of(buyer), kind="correction", note="地址写错了，应为世纪大道200号"
    )
    sweeps.run_sweeper(sweeps.registered()["dsr.overdue"], first.due_at + timedelta(hours=1))
    client = _console(officer)
    page = client.get("/privacy/requests/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="dsr-row"') == 2
    assert 'data-testid="dsr-overdue"' in html
    assert "个人信息权利请求" in html and "已逾期" in html  # Simplified Chinese by default
    detail = client.get(f"/privacy/requests/{first.pk}/").content.decode()
    assert '<div class="page-header">' in detail and f"DSR-{first.pk} · " in detail
    assert 'data-confirm="驳回该请求？买家将收到驳回通知及理由，且无法撤销。"' in detail
    assert (
        '理由代码<span class="required"' in detail
        and "理由代码:" not in detail
        and "理由代码：" not in detail
    )
    client.post(f"/privacy/requests/{first.pk}/", {"op": "complete"})
    client.post(
        f"/privacy/requests/{second.pk}/", {"op": "reject", "code": "other", "reason": "已由买家自行修改"}
    )
    statuses = dict(DataSubjectRequest.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "completed", second.pk: "rejected"}
    assert _console(make_staff("cs_agent")).get("/privacy/requests/").status_code == 403
