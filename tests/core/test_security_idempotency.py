"""Issue 13 finding 4: no raw token in the idempotency table, and idempotency scoped per principal
(authenticated) or per client (anonymous)."""

from __future__ import annotations

import json

import pytest

from mallops.accounts.models import ApiToken, User
from mallops.core.models import IdempotencyRecord
from mallops.testing.client import ApiClient
from mallops.testing.factories import PASSWORD, make_staff, token_for

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def _body(response) -> dict:
    return json.loads(response.content)


@pytest.mark.req("R6.2.1")
def test_a_token_request_with_a_key_stores_no_token_and_a_retry_gets_a_fresh_one(api):
    make_staff("cs_agent", username="keyed")
    body = {"username": "keyed", "password": PASSWORD}
    first = api.post_json(TOKEN_URL, body, headers={"Idempotency-Key": "login-1"})
    again = api.post_json(TOKEN_URL, body, headers={"Idempotency-Key": "login-1"})
    assert first.status_code == again.status_code == 201
    assert first["Cache-Control"] == "no-store"
    assert "Idempotent-Replayed" not in again
    tokens = [_body(first)["token"], _body(again)["token"]]
    assert tokens[0] != tokens[1]
    assert ApiToken.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0
    stored = json.dumps(list(IdempotencyRecord.objects.values()), default=str)
    assert all(token not in stored for token in tokens)


def test_a_refused_token_request_is_not_stored_either(api):
    make_staff("cs_agent", username="keyed2")
    wrong = api.post_json(
        TOKEN_URL, {"username": "keyed2", "password": "wrong-pass-x"}, headers={"Idempotency-Key": "l-2"}
    )
    assert wrong.status_code == 401
    assert IdempotencyRecord.objects.count() == 0


def _register(client: ApiClient, phone: str, *, key: str, ip: str, agent: str = "app/1") -> object:
    return client.post(
        "/api/v1/buyers",
        data={"phone": phone, "password": "Buyer-pass-2026"},
        content_type="application/json",
        headers={"Idempotency-Key": key, "User-Agent": agent},
        REMOTE_ADDR=ip,
    )


def test_anonymous_clients_do_not_share_a_scope():
    client = ApiClient()
    one = _register(client, "13912340011", key="same-key", ip="10.0.0.1")
    other = _register(client, "13912340012", key="same-key", ip="10.0.0.2")
    third = _register(client, "13912340013", key="same-key", ip="10.0.0.1", agent="other-app/2")
    assert (one.status_code, other.status_code, third.status_code) == (201, 201, 201)
    assert User.objects.filter(kind="buyer").count() == 3


def test_an_anonymous_client_still_gets_its_replay():
    client = ApiClient()
    first = _register(client, "13912340021", key="mine", ip="10.0.0.3")
    again = _register(client, "13912340021", key="mine", ip="10.0.0.3")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(kind="buyer").count() == 1


STAFF = {"username": "new-agent", "password": "Strong-pass-2026", "roles": ["cs_agent"]}


def test_the_scope_is_the_principal_not_the_token_text():
    admin = make_staff("platform_admin")
    first = ApiClient(token=token_for(admin)).post_json(
        "/api/v1/staff", STAFF, headers={"Idempotency-Key": "s1"}
    )
    # the same admin with a second token retries: the same principal, so the stored answer comes back
    again = ApiClient(token=token_for(admin)).post_json(
        "/api/v1/staff", STAFF, headers={"Idempotency-Key": "s1"}
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="new-agent").count() == 1
    assert list(IdempotencyRecord.objects.values_list("scope", flat=True)) == [f"usr:{admin.pk}"]


def test_another_principal_with_the_same_key_is_not_refused():
    one, other = make_staff("platform_admin"), make_staff("platform_admin")
    a = ApiClient(token=token_for(one)).post_json("/api/v1/staff", STAFF, headers={"Idempotency-Key": "k"})
    b = ApiClient(token=token_for(other)).post_json(
        "/api/v1/staff", {**STAFF, "username": "agent-two"}, headers={"Idempotency-Key": "k"}
    )
    assert a.status_code == b.status_code == 201


def test_a_session_and_a_token_of_one_user_share_the_scope():
    admin = make_staff("platform_admin")
    token = ApiClient(token=token_for(admin))
    token.post_json("/api/v1/staff", STAFF, headers={"Idempotency-Key": "both"})
    console = ApiClient()
    console.force_login(admin)
    other = console.post_json(
        "/api/v1/staff", {**STAFF, "username": "x-two"}, headers={"Idempotency-Key": "both"}
    )
    assert other.status_code == 409
    assert _body(other)["code"] == "idempotency_key_reused"


def test_a_bad_bearer_token_with_a_key_is_401_and_stores_nothing():
    response = ApiClient(token="mlp_nothing_here").post_json(
        "/api/v1/staff", STAFF, headers={"Idempotency-Key": "bad"}
    )
    assert response.status_code == 401
    assert User.objects.filter(username="new-agent").count() == 0


def test_token_answers_are_never_cached_with_or_without_a_key(api):
    make_staff("cs_agent", username="nocache")
    plain = api.post_json(TOKEN_URL, {"username": "nocache", "password": PASSWORD})
    refused = api.post_json(TOKEN_URL, {"username": "nocache", "password": "wrong-pass-x"})
    assert plain.status_code == 201 and refused.status_code == 401
    assert plain["Cache-Control"] == refused["Cache-Control"] == "no-store"
