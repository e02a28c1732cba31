from __future__ import annotations

import pytest
from django.test import Client

from mallops.audit.services import audit_record
from mallops.testing.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def _client(*roles: str) -> Client:
    user = make_staff(*roles)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.req("R1.1.2")
def test_auditor_filters_the_audit_log_by_actor_and_object():
    actor = make_staff("platform_admin", username="boss")
    audit_record(actor=actor, action="test.one", object_type="thing", object_id="1")
    audit_record(actor=actor, action="test.two", object_type="other", object_id="2")
    client = _client("compliance_auditor")
    page = client.get("/audit/", {"actor": "boss", "object_type": "thing"}).content.decode()
    assert "test.one" in page and "test.two" not in page


@pytest.mark.parametrize(("roles", "status"), [(("compliance_auditor",), 200), (("cs_agent",), 403)])
def test_audit_log_needs_audit_view(roles, status):
    assert _client(*roles).get("/audit/").status_code == status


def test_console_login_locks_after_five_failures_and_staff_unlock():
    make_staff("cs_agent", username="target")
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "target", "password": "wrong-password"})
    locked = client.post("/login/", {"username": "target", "password": PASSWORD})
    assert "登录失败次数过多" in locked.content.decode()
    tech = _client("tech_ops")
    page = tech.get("/security/locks/").content.decode()
    assert 'data-testid="locks-table"' in page and 'class="sort' in page  # the DataTable
    assert 'name="username" value="target"' in page and "账号" in page
    assert "user:target" not in page  # the raw lock key is not shown
    assert (
        'name="username" value="target"' not in tech.get("/security/locks/", {"kind": "ip:"}).content.decode()
    )
    tech.post("/security/unlock/", {"username": "target"})
    ok = client.post("/login/", {"username": "target", "password": PASSWORD})
    assert ok.status_code == 302
