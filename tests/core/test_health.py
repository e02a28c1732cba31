from __future__ import annotations

import json

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_is_ok(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["status"] == "ok"


def test_readyz_ok_when_everything_is_up(api):
    body = json.loads(api.get("/readyz").content)
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache", "queue"}


@pytest.mark.req("R6.3.2")
def test_readyz_names_a_stopped_database(api, monkeypatch):
    from mallops.core import health

    def stopped() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", stopped)
    response = api.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["status"] == "fail"
    assert "connection refused" in body["checks"]["database"]["detail"]
    assert body["checks"]["migrations"]["status"] == "skipped"
