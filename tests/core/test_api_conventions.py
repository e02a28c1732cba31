from __future__ import annotations

import json
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def _problem(response) -> dict:
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == response.status_code
    return body


def test_unknown_api_path_is_problem_404(api):
    response = api.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert _problem(response)["code"] == "not_found"


def test_wrong_method_is_problem_405_with_allow(api):
    response = api.delete("/api/v1/system/version")
    assert response.status_code == 405
    assert _problem(response)["code"] == "method_not_allowed"


def test_validation_error_is_422_with_field_path(api):
    response = api.post_json(
        "/api/v1/system/echo", {"message": ["not", "text"]}, headers={"Idempotency-Key": "v1"}
    )
    assert response.status_code == 422
    body = _problem(response)
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["body", "payload", "message"]
    assert body["errors"][0]["code"] == "string_type"


def test_malformed_json_is_problem_400(api):
    response = api.post("/api/v1/system/echo", data="{", content_type="application/json")
    assert response.status_code == 400
    assert _problem(response)["code"] == "bad_request"


@pytest.mark.req("R6.1.1")
def test_crash_is_problem_500_without_html(api, settings):
    settings.DEBUG = False
    with mock.patch("mallops.core.api_system.VersionOut", side_effect=RuntimeError("boom")):
        response = api.get("/api/v1/system/version")
    assert response.status_code == 500
    body = _problem(response)
    assert body["code"] == "internal_error"
    assert "boom" not in body["detail"]


@pytest.mark.req("R1.1.2")
def test_request_id_is_kept_and_echoed(api):
    response = api.get("/api/v1/system/version", headers={"X-Request-ID": "client-abc-123"})
    assert response["X-Request-ID"] == "client-abc-123"


def test_request_id_is_generated_when_missing_or_malformed(api):
    first = api.get("/healthz")
    second = api.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(first["X-Request-ID"]) == 32
    assert second["X-Request-ID"] != "bad id with spaces"
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_request_id_appears_in_problem_and_log(api, caplog):
    caplog.set_level("INFO", logger="mallops.request")
    response = api.get("/api/v1/missing", headers={"X-Request-ID": "trace-me-1"})
    assert _problem(response)["request_id"] == "trace-me-1"
    assert any(getattr(r, "request_id", None) == "trace-me-1" for r in caplog.records)


@pytest.mark.req("R6.4.2")
def test_openapi_is_published(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/system/version" in spec["paths"]


def test_an_integer_too_large_for_the_database_is_422_not_500(api):
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import make_staff, token_for

    client = ApiClient(token=token_for(make_staff("platform_admin")))
    response = client.get_json("/api/v1/service/tickets", data={"assignee_id": 2**70})
    from django.db import connection

    if connection.vendor == "sqlite":
        # SQLite cannot bind the number at all
        assert response.status_code == 422
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "value_out_of_range"
    else:
        # PostgreSQL compares it as a numeric and finds nothing
        assert response.status_code == 200
        assert response.json()["count"] == 0
