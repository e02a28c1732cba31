from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mallops.accounts.models import ApiToken, LoginFailure, LoginLock, User
from mallops.testing.client import ApiClient
from mallops.testing.factories import PASSWORD, make_member, make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db


def _body(response) -> dict:
    return json.loads(response.content)


@pytest.mark.req("R6.2.1")
def test_token_is_issued_and_only_its_hash_is_stored(api):
    make_staff("listing_reviewer", username="rev")
    response = api.post_json("/api/v1/auth/token", {"username": "rev", "password": PASSWORD})
    assert response.status_code == 201
    body = _body(response)
    token = body["token"]
    assert token.startswith("mlp_") and body["expires_at"]
    record = ApiToken.objects.get()
    assert record.digest != token and token not in record.digest
    with connection.cursor() as cursor:
        cursor.execute("SELECT prefix, digest, scopes FROM accounts_apitoken")
        row = cursor.fetchone()
    assert token not in json.dumps([str(v) for v in row])
    assert token.startswith(f"mlp_{record.prefix}_")


def test_unknown_user_and_wrong_password_get_the_same_answer(api):
    make_staff("cs_agent", username="agent")
    wrong = api.post_json("/api/v1/auth/token", {"username": "agent", "password": "nope-nope-nope"})
    unknown = api.post_json("/api/v1/auth/token", {"username": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda b: {k: v for k, v in b.items() if k not in {"request_id"}}  # noqa: E731
    assert strip(_body(wrong)) == strip(_body(unknown))
    assert ApiToken.objects.count() == 0


@pytest.mark.req("R8.1.1")
def test_me_for_staff_merchant_and_buyer(api):
    staff = make_staff("cs_agent", "cs_supervisor", username="sup")
    merchant, owner = make_merchant("鲜果店")
    me = ApiClient(token=token_for(staff)).get_json("/api/v1/me")
    assert _body(me) == {
        "username": "sup",
        "kind": "staff",
        "roles": ["cs_agent", "cs_supervisor"],
        "merchant": None,
    }
    me = ApiClient(token=token_for(owner)).get_json("/api/v1/me")
    assert _body(me) == {
        "username": owner.username,
        "kind": "merchant",
        "roles": ["merchant_owner"],
        "merchant": {"id": merchant.pk, "name": "鲜果店"},
    }
    created = api.post_json("/api/v1/buyers", {"phone": "13912345678", "password": "Buyer-pass-2026"})
    assert created.status_code == 201
    login = api.post_json("/api/v1/auth/token", {"username": "13912345678", "password": "Buyer-pass-2026"})
    assert login.status_code == 201
    me = ApiClient(token=_body(login)["token"]).get_json("/api/v1/me")
    assert _body(me)["kind"] == "buyer" and _body(me)["roles"] == []


def test_expired_and_revoked_tokens_are_401():
    staff = make_staff("cs_agent")
    client = ApiClient(token=token_for(staff))
    assert client.get_json("/api/v1/me").status_code == 200
    assert client.delete_json("/api/v1/auth/token").status_code == 204
    revoked = client.get_json("/api/v1/me")
    assert revoked.status_code == 401
    assert _body(revoked)["code"] == "unauthenticated"
    client = ApiClient(token=token_for(staff))
    ApiToken.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get_json("/api/v1/me").status_code == 401
    assert ApiClient(token="mlp_garbage_token").get_json("/api/v1/me").status_code == 401


@pytest.mark.req("R6.2.1")
def test_five_failures_lock_the_username_even_for_the_right_password(api):
    make_staff("cs_agent", username="target")
    for _ in range(5):
        assert (
            api.post_json(
                "/api/v1/auth/token", {"username": "target", "password": "wrong-pass-x"}
            ).status_code
            == 401
        )
    locked = api.post_json("/api/v1/auth/token", {"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    assert _body(locked)["code"] == "login_locked"
    assert 0 < int(locked["Retry-After"]) <= 15 * 60 + 1
    assert ApiToken.objects.count() == 0
    # staff can unlock it
    admin = ApiClient(token=token_for(make_staff("tech_ops")))
    assert admin.post_json("/api/v1/auth/unlock", {"username": "target"}).status_code == 204
    assert (
        api.post_json("/api/v1/auth/token", {"username": "target", "password": PASSWORD}).status_code == 201
    )


def test_lock_expires_after_the_lock_time(api):
    make_staff("cs_agent", username="later")
    for _ in range(5):
        api.post_json("/api/v1/auth/token", {"username": "later", "password": "wrong-pass-x"})
    LoginLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert api.post_json("/api/v1/auth/token", {"username": "later", "password": PASSWORD}).status_code == 201


def test_thirty_failures_from_one_address_lock_the_address(api):
    make_staff("cs_agent", username="victim")
    for n in range(30):
        api.post_json("/api/v1/auth/token", {"username": f"spray{n}", "password": "wrong-pass-x"})
    blocked = api.post_json("/api/v1/auth/token", {"username": "victim", "password": PASSWORD})
    assert blocked.status_code == 429
    assert LoginLock.objects.filter(key="ip:127.0.0.1").exists()


@pytest.mark.req("R8.1.1")
@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (("platform_admin",), 201),
        (("listing_reviewer",), 403),
        (("cs_supervisor",), 403),
        (("tech_ops",), 403),
    ],
)
def test_only_admins_create_staff(roles, status):
    client = ApiClient(token=token_for(make_staff(*roles)))
    before = User.objects.count()
    response = client.post_json(
        "/api/v1/staff", {"username": "newbie", "password": "Strong-pass-2026", "roles": ["cs_agent"]}
    )
    assert response.status_code == status
    if status == 403:
        assert _body(response)["permission"] == "staff.manage"
        assert User.objects.count() == before


def test_bad_input_is_422_with_field_paths_and_writes_nothing(api):
    before = User.objects.count()
    response = api.post_json("/api/v1/buyers", {"phone": "12345", "password": "123"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in _body(response)["errors"]}
    assert locs == {("body", "phone"), ("body", "password")}
    assert User.objects.count() == before


def test_merchant_owner_adds_staff_but_operator_cannot():
    merchant, owner = make_merchant()
    owner_client = ApiClient(token=token_for(owner))
    created = owner_client.post_json(
        "/api/v1/merchant/staff",
        {"username": "shop-cs", "password": "Strong-pass-2026", "role": "merchant_cs"},
    )
    assert created.status_code == 201
    operator = make_member(merchant, "merchant_operator")
    denied = ApiClient(token=token_for(operator.user)).post_json(
        "/api/v1/merchant/staff", {"username": "x-cs", "password": "Strong-pass-2026", "role": "merchant_cs"}
    )
    assert denied.status_code == 403


def test_disabling_staff_revokes_their_tokens():
    admin = make_staff("platform_admin")
    victim = make_staff("cs_agent")
    victim_client = ApiClient(token=token_for(victim))
    patch = ApiClient().patch(
        f"/api/v1/staff/{victim.pk}",
        data={"is_active": False},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(admin)}"},
    )
    assert patch.status_code == 200
    assert victim_client.get_json("/api/v1/me").status_code == 401
