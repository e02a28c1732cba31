from __future__ import annotations

import json

import pytest

from mallops.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db
URL = "/api/v1/system/echo"


def test_replay_returns_the_stored_response(api):
    first = api.post_json(URL, {"message": "pay", "amount_fen": 100}, headers={"Idempotency-Key": "k-1"})
    second = api.post_json(URL, {"message": "pay", "amount_fen": 100}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 200
    assert json.loads(second.content) == json.loads(first.content)
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert IdempotencyRecord.objects.count() == 1


def test_same_key_with_other_body_is_409(api):
    api.post_json(URL, {"message": "pay", "amount_fen": 100}, headers={"Idempotency-Key": "k-2"})
    response = api.post_json(URL, {"message": "pay", "amount_fen": 999}, headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "idempotency_key_reused"
    assert IdempotencyRecord.objects.get().fingerprint


def test_keys_are_scoped_per_caller():
    from mallops.testing.client import ApiClient

    one, other = ApiClient(token="tok-one"), ApiClient(token="tok-two")
    a = one.post_json(URL, {"message": "a"}, headers={"Idempotency-Key": "shared"})
    b = other.post_json(URL, {"message": "b"}, headers={"Idempotency-Key": "shared"})
    assert a.status_code == b.status_code == 200
    assert json.loads(b.content)["message"] == "b"


def test_missing_key_on_money_endpoint_is_428(api):
    response = api.post_json(URL, {"message": "pay"})
    assert response.status_code == 428
    assert json.loads(response.content)["code"] == "idempotency_key_required"
    assert IdempotencyRecord.objects.count() == 0


def test_expired_keys_are_swept(api):
    from datetime import timedelta

    from django.utils import timezone

    from mallops.core import sweeps

    api.post_json(URL, {"message": "x"}, headers={"Idempotency-Key": "old"})
    IdempotencyRecord.objects.update(expires_due_at=timezone.now() - timedelta(seconds=1))
    assert sweeps.run_sweeper(sweeps.registered()["core.idempotency_expiry"]) == 1
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_binary_answer_is_not_stored_and_a_retry_runs_again():
    # An XLSX export is a zip (NUL bytes): PostgreSQL's text column refuses it, so such answers are never
    # stored; the same key runs the (read-only) export again instead of a 500.
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import make_merchant, token_for

    _merchant, owner = make_merchant()
    client = ApiClient(token=token_for(owner))
    headers = {"Idempotency-Key": "export-1"}
    first = client.post_json("/api/v1/merchant/orders/export", {}, headers=headers)
    again = client.post_json("/api/v1/merchant/orders/export", {}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.content[:2] == again.content[:2] == b"PK"
    assert not again.has_header("Idempotent-Replayed")
    assert IdempotencyRecord.objects.filter(key="export-1").count() == 0
