"""Issue 13 findings 3 and 5: lockout per account, 401 for any bad bearer token, and password change or
disable ending every sign-in (tokens and sessions) on every path."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mallops.accounts import services
from mallops.accounts.actors import actor_of
from mallops.accounts.models import ApiToken, LoginLock, User
from mallops.privacy.keys import blind_index
from mallops.testing.client import ApiClient
from mallops.testing.factories import PASSWORD, make_staff, token_for

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
PHONE = "13912340001"
BUYER_PASSWORD = "Buyer-pass-2026"


def _body(response) -> dict:
    return json.loads(response.content)


def _buyer() -> User:
    return services.buyer_register(phone=PHONE, password=BUYER_PASSWORD)


def _sign_in(api: ApiClient, alias: str, password: str) -> int:
    return api.post_json(TOKEN_URL, {"username": alias, "password": password}).status_code


# ---------------------------------------------------------------- finding 3: lockout per account


@pytest.mark.req("R6.2.1")
def test_five_failures_on_the_username_lock_the_mobile_number_too(api):
    buyer = _buyer()
    for _ in range(5):
        assert _sign_in(api, buyer.username, "wrong-pass-x") == 401
    # given the account is locked, its other alias (the mobile number) gets no more guesses
    locked = api.post_json(TOKEN_URL, {"username": PHONE, "password": BUYER_PASSWORD})
    assert locked.status_code == 429
    assert _body(locked)["code"] == "login_locked"
    assert ApiToken.objects.count() == 0


@pytest.mark.req("R6.2.1")
def test_failures_on_all_aliases_add_up_to_one_counter(api):
    buyer = _buyer()
    for alias in (PHONE, buyer.username, PHONE, buyer.username.upper(), PHONE):
        assert _sign_in(api, alias, "wrong-pass-x") == 401
    assert list(LoginLock.objects.values_list("key", flat=True)) == [f"user:{buyer.username}"]
    assert _sign_in(api, buyer.username, BUYER_PASSWORD) == 429
    assert _sign_in(api, PHONE, BUYER_PASSWORD) == 429


def test_unlocking_by_any_alias_lifts_the_account_lock(api):
    buyer = _buyer()
    for _ in range(5):
        _sign_in(api, PHONE, "wrong-pass-x")
    admin = ApiClient(token=token_for(make_staff("tech_ops")))
    assert admin.post_json("/api/v1/auth/unlock", {"username": PHONE}).status_code == 204
    assert _sign_in(api, buyer.username, BUYER_PASSWORD) == 201


def test_an_unknown_alias_counts_per_alias_and_answers_like_a_known_one(api):
    _buyer()
    for _ in range(5):
        wrong_known = api.post_json(TOKEN_URL, {"username": PHONE, "password": "wrong-pass-x"})
        wrong_unknown = api.post_json(TOKEN_URL, {"username": "13900000000", "password": "wrong-pass-x"})
    strip = lambda b: {k: v for k, v in b.items() if k != "request_id"}  # noqa: E731
    assert strip(_body(wrong_known)) == strip(_body(wrong_unknown))
    keys = sorted(LoginLock.objects.values_list("key", flat=True))
    assert keys == sorted([f"user:{User.objects.get(kind='buyer').username}", "user:13900000000"])
    locked_known = api.post_json(TOKEN_URL, {"username": PHONE, "password": BUYER_PASSWORD})
    locked_unknown = api.post_json(TOKEN_URL, {"username": "13900000000", "password": BUYER_PASSWORD})
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert strip(_body(locked_known)) == strip(_body(locked_unknown))


@pytest.mark.parametrize(("known", "unknown"), [(PHONE, "13900000001"), ("__buyer__", "nobody-here")])
def test_a_wrong_password_costs_the_same_queries_for_known_and_unknown_aliases(api, known, unknown):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    buyer = _buyer()
    known = buyer.username if known == "__buyer__" else known
    counts = []
    for alias in (known, unknown):
        with CaptureQueriesContext(connection) as queries:
            assert _sign_in(api, alias, "wrong-pass-x") == 401
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.req("R6.2.1")
def test_console_sign_in_shares_the_account_lock_with_the_token_endpoint(api):
    staff = make_staff("cs_agent", username="console-user")
    staff.phone = "13912340002"
    staff.phone_index = blind_index("13912340002", namespace="phone")
    staff.save()
    for _ in range(5):
        assert _sign_in(api, "13912340002", "wrong-pass-x") == 401
    browser = Client()
    page = browser.post(reverse("console:login"), {"username": "console-user", "password": PASSWORD})
    assert page.status_code == 200  # the form again, not the redirect of a signed-in user
    assert "_auth_user_id" not in browser.session


# ---------------------------------------------------------------- finding 5: 401 for any bad bearer token


def _expired_token() -> str:
    token = token_for(make_staff("platform_admin"))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return token


def _revoked_token() -> str:
    token = token_for(make_staff("platform_admin"))
    ApiToken.objects.update(revoked_at=timezone.now())
    return token


BAD_TOKENS = {
    "garbage": lambda: "not-a-token",
    "well-formed but unknown": lambda: "mlp_deadbeef_" + "x" * 43,
    "expired": _expired_token,
    "revoked": _revoked_token,
}


@pytest.mark.req("R6.2.1")
@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me"),
        ("post", "/api/v1/staff"),
        ("patch", "/api/v1/staff/1"),
        ("put", "/api/v1/merchant/products/1"),
        ("delete", "/api/v1/auth/token"),
    ],
)
def test_a_bad_bearer_token_is_401_on_every_method(kind, method, path):
    token = BAD_TOKENS[kind]()
    users_before = User.objects.count()
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {token}"}
    if method == "get":
        response = client.get(path, headers=headers)
    else:
        response = getattr(client, method)(path, data="{}", content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["WWW-Authenticate"] == 'Bearer realm="mallops"'
    assert _body(response)["code"] == "unauthenticated"
    assert User.objects.count() == users_before


def test_a_session_without_bearer_still_needs_csrf_for_writes():
    staff = make_staff("platform_admin")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post("/api/v1/staff", data="{}", content_type="application/json")
    assert response.status_code == 403


# ---------------------------------------------------------------- finding 5: password change and disable


def _console_session(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    assert browser.get(reverse("console:dashboard")).status_code == 200
    return browser


def _signed_in(browser: Client) -> bool:
    return browser.get(reverse("console:dashboard")).status_code == 200


@pytest.mark.req("R6.2.1")
@pytest.mark.req("R7.3.1")
def test_console_password_change_revokes_tokens_and_other_sessions():
    staff = make_staff("cs_agent")
    token = token_for(staff)
    other = _console_session(staff)
    browser = _console_session(staff)
    changed = browser.post(
        reverse("console:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "New-long-pass-2026",
            "new_password2": "New-long-pass-2026",
        },
    )
    assert changed.status_code == 302
    assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert not _signed_in(other)
    assert _signed_in(browser)  # the session that changed it stays signed in


def test_admin_password_form_revokes_tokens_and_sessions():
    admin = make_staff("platform_admin")
    target = make_staff("cs_agent")
    token = token_for(target)
    session = _console_session(target)
    page = _console_session(admin)
    response = page.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "New-long-pass-2026", "password2": "New-long-pass-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401
    assert not _signed_in(session)


@pytest.mark.parametrize("kind", ["staff", "merchant", "buyer"])
def test_set_password_anywhere_revokes_every_token(kind):
    user = make_staff("cs_agent") if kind == "staff" else None
    if kind == "buyer":
        user = _buyer()
    if kind == "merchant":
        from mallops.testing.factories import make_merchant

        _, user = make_merchant()
    password = BUYER_PASSWORD if kind == "buyer" else PASSWORD
    issued = [services.token_issue(username=user.username, password=password).token for _ in range(2)]
    user.refresh_from_db()
    user.set_password("Another-long-pass-2026")
    user.save()
    for token in issued:
        assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401


@pytest.mark.req("R6.2.1")
@pytest.mark.req("R7.3.1")
def test_disabling_staff_ends_sessions_for_good_even_after_enabling_again():
    admin = make_staff("platform_admin")
    target = make_staff("cs_agent")
    token = token_for(target)
    session = _console_session(target)
    api = ApiClient(token=token_for(admin))
    disabled = api.patch(
        f"/api/v1/staff/{target.pk}",
        data={"is_active": False},
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert disabled.status_code == 200
    assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401
    assert not _signed_in(session)
    # enabling the account again does not bring the old sign-ins back
    services.staff_update(actor=actor_of(admin), user_id=target.pk, is_active=True)
    assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401
    assert not _signed_in(session)


@pytest.mark.parametrize("kind", ["merchant", "buyer"])
def test_disabling_any_account_in_the_admin_revokes_its_tokens(kind):
    if kind == "buyer":
        user = _buyer()
        password = BUYER_PASSWORD
    else:
        from mallops.testing.factories import make_merchant

        _, user = make_merchant()
        password = PASSWORD
    token = services.token_issue(username=user.username, password=password).token
    # the admin's change form saves the model with is_active unticked
    user = User.objects.get(pk=user.pk)
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401


def test_a_password_rehash_on_sign_in_ends_nothing(settings):
    # given a hash from an older hasher, signing in upgrades it (Django saves the new hash)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    staff = make_staff("cs_agent")
    first = token_for(staff)
    second = token_for(staff)
    assert User.objects.get(pk=staff.pk).password.startswith("pbkdf2_sha256$")
    assert ApiClient(token=first).get_json("/api/v1/me").status_code == 200
    assert ApiClient(token=second).get_json("/api/v1/me").status_code == 200


def test_usernames_that_differ_only_by_case_stay_separate_accounts(api):
    make_staff("cs_agent", username="Casey")
    make_staff("cs_agent", username="casey")
    assert _sign_in(api, "Casey", PASSWORD) == 201
    assert _sign_in(api, "casey", PASSWORD) == 201
    assert sorted(ApiToken.objects.values_list("user__username", flat=True)) == ["Casey", "casey"]
