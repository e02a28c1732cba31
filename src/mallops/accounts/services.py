"""Writes for identity: tokens, sign-in throttling, staff, merchants, merchant members, buyers.

Each public function is one transaction and writes an audit event for every state change.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mallops.accounts import uscc
from mallops.accounts.errors import AccountsCode
from mallops.accounts.models import (
    ApiToken,
    LoginFailure,
    LoginLock,
    Merchant,
    MerchantMember,
    RoleGrant,
    User,
)
from mallops.accounts.roles import MERCHANT_ROLES, STAFF_ROLES, Kind
from mallops.accounts.selectors import user_merchant, user_permissions
from mallops.audit.services import audit_record
from mallops.core.codes import CoreCode
from mallops.core.errors import (
    DomainError,
    FieldError,
    conflict,
    not_found,
    permission_denied,
    validation_error,
)
from mallops.privacy.keys import blind_index

TOKEN_PREFIX = "mlp_"
USCC_MESSAGE = "not a valid unified social credit code (18 characters, check character per GB 32100)"
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)  # not \d: it matches non-ASCII digits too


def _policy() -> dict[str, int]:
    policy: dict[str, int] = settings.MALLOPS["LOGIN_POLICY"]
    return policy


# ---------------------------------------------------------------- permission checks


def require_permission(actor: Any, permission: str) -> None:
    """Raise 403 naming ``permission`` unless the actor's roles (and token scopes) grant it."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise DomainError(
            detail="Authentication required.", code=CoreCode.UNAUTHENTICATED, status=401, title="Unauthorized"
        )
    if permission not in user_permissions(actor):
        raise permission_denied(permission)
    scopes = getattr(actor, "_token_scopes", None)
    if scopes is not None and "*" not in scopes and permission not in scopes:
        raise permission_denied(permission)


# ---------------------------------------------------------------- sign-in throttling
#
# Failures count per account, whichever alias was typed (username in any case, mobile number): the
# counter and the lock are keyed ``user:<the account's username, lower-case>``. An alias that names no
# account counts under itself (``user:<alias>``), so the answer and the work done are the same whether or
# not the account exists. Every address also has its own counter (``ip:<addr>``).


def _resolve_account(alias: str) -> User | None:
    """The account an alias signs in to: a mainland mobile number (blind index) or the exact username
    (as Django's ``authenticate`` matches it)."""
    alias = alias.strip()
    if not alias:
        return None
    # one query whether or not the account exists, and whichever alias matches (same work either way)
    match = Q(username=alias)
    if PHONE_RE.match(alias):
        match |= Q(phone_index=blind_index(alias, namespace="phone"))
    found = list(User.objects.filter(match)[:2])
    by_phone = [user for user in found if user.username != alias]
    preferred = by_phone or found
    return preferred[0] if preferred else None


def _counter_name(alias: str, account: User | None) -> str:
    """``user:<name>`` counts for: the account's username, else the alias (both lower-case, so an alias
    differing from a username only by case counts against that account too)."""
    return (account.username if account is not None else alias).strip().lower()


def _lock_key_user(name: str) -> str:
    return f"user:{name}"


def login_lock_check(*, username: str, ip: str | None, now: datetime | None = None) -> None:
    """Raise 429 (with Retry-After) while the account (any alias) or the address is locked."""
    _raise_if_locked(_counter_name(username, _resolve_account(username)), ip, now or timezone.now())


def _raise_if_locked(name: str, ip: str | None, now: datetime) -> None:
    keys = [_lock_key_user(name)] + ([f"ip:{ip}"] if ip else [])
    lock = LoginLock.objects.filter(key__in=keys, locked_until__gt=now).order_by("-locked_until").first()
    if lock is not None:
        retry = max(1, int((lock.locked_until - now).total_seconds()) + 1)
        raise DomainError(
            detail="Too many failed sign-ins; try again later.",
            code=AccountsCode.LOGIN_LOCKED,
            status=429,
            title="Too many requests",
            headers={"Retry-After": str(retry)},
            extra={"retry_after": retry},
        )


@transaction.atomic
def login_failure_record(*, username: str, ip: str | None, now: datetime | None = None) -> None:
    """Count a failed sign-in against the account the alias names (else the alias) and the address."""
    now = now or timezone.now()
    policy = _policy()
    window = timedelta(minutes=policy["WINDOW_MINUTES"])
    lock_for = timedelta(minutes=policy["LOCK_MINUTES"])
    name = _counter_name(username, _resolve_account(username))
    LoginFailure.objects.create(username=name, ip=ip, at=now, expires_due_at=now + window + lock_for)
    checks = [(_lock_key_user(name), LoginFailure.objects.filter(username=name), policy["USER_LIMIT"])]
    if ip:
        checks.append((f"ip:{ip}", LoginFailure.objects.filter(ip=ip), policy["IP_LIMIT"]))
    for key, failures, limit in checks:
        count = failures.filter(at__gt=now - window).count()
        if count >= limit:
            LoginLock.objects.update_or_create(
                key=key, defaults={"locked_until": now + lock_for, "failures": count}
            )
            audit_record(
                actor=None,
                action="accounts.login_locked",
                object_type="login",
                object_id=key,
                after={"failures": count, "locked_minutes": policy["LOCK_MINUTES"]},
            )


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=_counter_name(username, _resolve_account(username))).delete()


@transaction.atomic
def login_unlock(*, actor: User, username: str) -> int:
    """Lift the lock of the account ``username`` names (any alias), or of that alias when it names none."""
    require_permission(actor, "staff.unlock")
    name = _counter_name(username, _resolve_account(username))
    removed, _ = LoginLock.objects.filter(key=_lock_key_user(name)).delete()
    LoginFailure.objects.filter(username=name).delete()
    audit_record(
        actor=actor, action="accounts.login_unlocked", object_type="login", object_id=_lock_key_user(name)
    )
    return removed


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    record: ApiToken


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(
    *,
    username: str,
    password: str,
    ip: str | None = None,
    scopes: list[str] | None = None,
    request: Any = None,
) -> IssuedToken:
    """Check the lock, the credentials, then issue a token. Failures answer 401 alike for any cause.

    ``username`` is any alias of the account (username, mobile number); the lock and the failure counter
    belong to the account, not to the alias typed.
    """
    account = _resolve_account(username)
    _raise_if_locked(_counter_name(username, account), ip, timezone.now())
    # an unknown alias is still run through ``authenticate`` (Django hashes once for a missing user), so
    # both cases cost one password hash
    user = authenticate(
        request=None, username=account.username if account else username.strip(), password=password
    )
    if user is None or not user.is_active:
        raise _InvalidCredentials(username=username, ip=ip)
    login_success_record(username=username)
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    ttl = timedelta(hours=settings.MALLOPS["TOKEN_TTL_HOURS"])
    record = ApiToken.objects.create(
        user=user, prefix=prefix, digest=_digest(raw), scopes=scopes or ["*"], expires_at=timezone.now() + ttl
    )
    audit_record(
        actor=user, action="accounts.token_issued", obj=record, after={"prefix": prefix}, request=request
    )
    return IssuedToken(token=raw, expires_at=record.expires_at, record=record)


class _InvalidCredentials(DomainError):
    def __init__(self, *, username: str, ip: str | None) -> None:
        super().__init__(
            detail="Invalid username or password.",
            code="invalid_credentials",
            status=401,
            title="Unauthorized",
        )
        self.username = username
        self.ip = ip


def token_issue_or_record_failure(**kwargs: Any) -> IssuedToken:
    """``token_issue``, and on bad credentials record the failure in its own transaction."""
    try:
        return token_issue(**kwargs)
    except _InvalidCredentials as exc:
        login_failure_record(username=exc.username, ip=exc.ip)
        raise


def _usable_token(raw: str, now: datetime) -> ApiToken | None:
    """The token row for ``raw`` when it is genuine, unexpired, unrevoked and its user active."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    record = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if record is None or not hmac.compare_digest(record.digest, _digest(raw)):
        return None
    if record.revoked_at is not None or record.expires_at <= now or not record.user.is_active:
        return None
    return record


def token_user_id(raw: str) -> int | None:
    """The user a usable token belongs to, without recording its use (idempotency scope look-up)."""
    record = _usable_token(raw, timezone.now())
    return record.user_id if record is not None else None


def token_authenticate(raw: str) -> User | None:
    now = timezone.now()
    record = _usable_token(raw, now)
    if record is None:
        return None
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    user = record.user
    user._token_scopes = list(record.scopes)  # type: ignore[attr-defined]
    user._token_id = record.pk  # type: ignore[attr-defined]
    return user


@transaction.atomic
def token_revoke(*, actor: User, token_id: int, request: Any = None) -> None:
    record = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if record is None:
        raise not_found("token")
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="accounts.token_revoked", obj=record, request=request)


# ---------------------------------------------------------------- validation helpers


def _check_password(password: str, loc: tuple[str, ...], user: User | None = None) -> list[FieldError]:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        return [FieldError(loc=loc, msg=" ".join(str(m) for m in exc.messages), code="weak_password")]
    return []


def _check_username(username: str, loc: tuple[str, ...]) -> list[FieldError]:
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{3,150}", username or ""):
        return [FieldError(loc=loc, msg="3-150 letters, digits or _.@+-", code="invalid_username")]
    if User.objects.filter(username__iexact=username).exists():
        return [FieldError(loc=loc, msg="already taken", code="duplicate")]
    return []


def _check_phone(phone: str, loc: tuple[str, ...]) -> list[FieldError]:
    if not PHONE_RE.match(phone or ""):
        return [FieldError(loc=loc, msg="must be an 11-digit mainland mobile number", code="invalid_phone")]
    return []


def _check_licence_number(
    licence_number: str, loc: tuple[str, ...], *, merchant_id: int | None = None
) -> list[FieldError]:
    """A valid 统一社会信用代码 (GB 32100-2015, ``accounts.uscc``) that no other merchant holds."""
    if not uscc.is_valid(licence_number):
        return [FieldError(loc, USCC_MESSAGE, "invalid_uscc")]
    holders = Merchant.objects.filter(licence_number=licence_number)
    if merchant_id is not None:
        holders = holders.exclude(pk=merchant_id)
    if holders.exists():
        return [FieldError(loc, "already registered", "duplicate")]
    return []


# ---------------------------------------------------------------- staff


def _check_staff_roles(roles: list[str]) -> list[FieldError]:
    """At least one role, each a defined staff role (an unknown code is refused at its index)."""
    if not roles:
        return [FieldError(("body", "roles"), "choose at least one role", "required")]
    return [
        FieldError(("body", "roles", index), "not a staff role", "unknown_role")
        for index, role in enumerate(roles)
        if role not in STAFF_ROLES
    ]


def _check_email(email: str) -> list[FieldError]:
    email = (email or "").strip()
    if len(email) > 254 or (email and not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+", email)):
        return [FieldError(("body", "email"), "not an e-mail address", "invalid_email")]
    return []


@transaction.atomic
def staff_password_set(*, actor: User, user_id: int, password: str, request: Any = None) -> User:
    """An admin sets a new password for a staff account (to hand over in person). Every sign-in of the
    account ends (``User.save``). Errors: 422 ``weak_password`` at ``body.password``, 404."""
    require_permission(actor, "staff.manage")
    user = User.objects.select_for_update().filter(pk=user_id, kind=Kind.STAFF).first()
    if user is None:
        raise not_found("staff member")
    errors = _check_password(password, ("body", "password"), user)
    if errors:
        raise validation_error(errors)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action="accounts.staff_password_set",
        obj=user,
        after={"username": user.username},
        request=request,
    )
    return user


def _snapshot_user(user: User) -> dict[str, Any]:
    return {"username": user.username, "kind": user.kind, "is_active": user.is_active, "email": user.email}


@transaction.atomic
def staff_create(
    *, actor: User, username: str, password: str, roles: list[str], email: str = "", request: Any = None
) -> User:
    require_permission(actor, "staff.manage")
    errors = _check_username(username, ("body", "username")) + _check_password(password, ("body", "password"))
    errors += _check_staff_roles(roles) + _check_email(email)
    if errors:
        raise validation_error(errors)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email.strip(),
        kind=Kind.STAFF,
        is_staff="platform_admin" in roles,
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in sorted(set(roles))])
    audit_record(
        actor=actor,
        action="accounts.staff_created",
        obj=user,
        after={**_snapshot_user(user), "roles": sorted(set(roles))},
        request=request,
    )
    return user


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user_id: int,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    email: str | None = None,
    request: Any = None,
) -> User:
    """Change a staff account's roles, e-mail or active flag (None: unchanged). Disabling ends every
    sign-in of the account (tokens and sessions, ``User.save``). Errors: 422 ``unknown_role`` at
    ``body.roles.<i>``, 404, 409 ``self_lockout``."""
    require_permission(actor, "staff.manage")
    user = User.objects.select_for_update().filter(pk=user_id, kind=Kind.STAFF).first()
    if user is None:
        raise not_found("staff member")
    errors = (_check_staff_roles(roles) if roles is not None else []) + (
        _check_email(email) if email is not None else []
    )
    if errors:
        raise validation_error(errors)
    if user.pk == actor.pk and (is_active is False or (roles is not None and "platform_admin" not in roles)):
        raise conflict(
            "You cannot disable yourself or remove your own admin role.", code=AccountsCode.SELF_LOCKOUT
        )
    before = {
        **_snapshot_user(user),
        "roles": sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True)),
    }
    if roles is not None:
        RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
        for role in sorted(set(roles)):
            RoleGrant.objects.get_or_create(user=user, role=role)
        user.is_staff = "platform_admin" in roles
    if is_active is not None:
        user.is_active = is_active  # disabling ends every sign-in (``User.save``: tokens and sessions)
    if email is not None:
        user.email = email.strip()
    user.save(update_fields=["is_staff", "is_active", "email"])
    after = {
        **_snapshot_user(user),
        "roles": sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True)),
    }
    audit_record(
        actor=actor, action="accounts.staff_updated", obj=user, before=before, after=after, request=request
    )
    return user


# ---------------------------------------------------------------- merchants

# Content checks a store name must pass before it is saved (R1.4.1), each raising a DomainError to refuse.
# Identity may not import a feature app, so ``mallops.stores`` hands its check over here when it starts.
STORE_NAME_CHECKS: list[Callable[[str], None]] = []


@transaction.atomic
def merchant_onboard(
    *,
    actor: User,
    name: str,
    licence_number: str,
    contact_name: str,
    contact_phone: str,
    owner_username: str,
    owner_password: str,
    request: Any = None,
) -> Merchant:
    """Create a store and its owner account (the owner signs in with the password the admin set)."""
    require_permission(actor, "merchant.onboard")
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError(("body", "name"), "required", "required"))
    elif Merchant.objects.filter(name=name.strip()).exists():
        errors.append(FieldError(("body", "name"), "already taken", "duplicate"))
    licence_number = uscc.normalise(licence_number)
    errors += _check_licence_number(licence_number, ("body", "licence_number"))
    if not contact_name.strip():
        errors.append(FieldError(("body", "contact_name"), "required", "required"))
    errors += _check_phone(contact_phone, ("body", "contact_phone"))
    errors += _check_username(owner_username, ("body", "owner_username"))
    errors += _check_password(owner_password, ("body", "owner_password"))
    if errors:
        raise validation_error(errors)
    for check in STORE_NAME_CHECKS:
        check(name.strip())
    merchant = Merchant.objects.create(
        name=name.strip(),
        licence_number=licence_number,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
    )
    owner = User.objects.create_user(username=owner_username, password=owner_password, kind=Kind.MERCHANT)
    MerchantMember.objects.create(merchant=merchant, user=owner, role="merchant_owner")
    audit_record(
        actor=actor,
        action="accounts.merchant_onboarded",
        obj=merchant,
        after={
            "name": merchant.name,
            "licence_number": licence_number,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "owner": owner_username,
        },
        request=request,
    )
    return merchant


def merchant_update(
    *,
    actor: User,
    merchant_id: int,
    name: str | None = None,
    licence_number: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    request: Any = None,
) -> Merchant:
    """Correct a store's registration data (fields left None stay). The licence number is checked as a
    USCC only when it changes, so a store registered before the check can still be edited."""
    require_permission(actor, "merchant.onboard")
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        if merchant is None:
            raise not_found("merchant")
        errors: list[FieldError] = []
        changes: dict[str, str] = {}
        if name is not None:
            name = name.strip()
            if not name:
                errors.append(FieldError(("body", "name"), "required", "required"))
            elif len(name) > 100:
                errors.append(FieldError(("body", "name"), "at most 100 characters", "too_long"))
            elif Merchant.objects.filter(name=name).exclude(pk=merchant.pk).exists():
                errors.append(FieldError(("body", "name"), "already taken", "duplicate"))
            elif name != merchant.name:
                changes["name"] = name
        if licence_number is not None:
            licence_number = uscc.normalise(licence_number)
            if licence_number != merchant.licence_number:
                found = _check_licence_number(
                    licence_number, ("body", "licence_number"), merchant_id=merchant.pk
                )
                errors += found
                if not found:
                    changes["licence_number"] = licence_number
        if contact_name is not None:
            contact_name = contact_name.strip()
            if not contact_name:
                errors.append(FieldError(("body", "contact_name"), "required", "required"))
            elif contact_name != merchant.contact_name:
                changes["contact_name"] = contact_name
        if contact_phone is not None:
            contact_phone = contact_phone.strip()
            found = _check_phone(contact_phone, ("body", "contact_phone"))
            errors += found
            if not found and contact_phone != merchant.contact_phone:
                changes["contact_phone"] = contact_phone
        if errors:
            raise validation_error(errors)
        if not changes:
            return merchant
        if "name" in changes:
            for check in STORE_NAME_CHECKS:
                check(changes["name"])
        before = {field: getattr(merchant, field) for field in changes}
        for field, value in changes.items():
            setattr(merchant, field, value)
        merchant.full_clean(exclude=["contact_name", "contact_phone"])
        merchant.save(update_fields=list(changes))
        audit_record(
            actor=actor,
            action="accounts.merchant_updated",
            obj=merchant,
            before=before,
            after=changes,
            request=request,
        )
        return merchant


REASON_MIN, REASON_MAX = 2, 200


def _merchant_set_state(
    *, actor: User, merchant_id: int, is_active: bool, reason: str, request: Any
) -> Merchant:
    require_permission(actor, "merchant.onboard")
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise validation_error(
            [FieldError(("body", "reason"), f"{REASON_MIN}-{REASON_MAX} characters", "invalid_reason")]
        )
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        if merchant is None:
            raise not_found("merchant")
        if merchant.is_active == is_active:
            code = "already_active" if is_active else "already_suspended"
            raise conflict("The store is already in that state.", code=code)
        before = {"is_active": merchant.is_active, "suspended_reason": merchant.suspended_reason}
        merchant.is_active = is_active
        fields = ["is_active"]
        if not is_active:
            merchant.suspended_reason = reason
            merchant.suspended_at = timezone.now()
            fields += ["suspended_reason", "suspended_at"]
        merchant.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="accounts.merchant_resumed" if is_active else "accounts.merchant_suspended",
            obj=merchant,
            before=before,
            after={"is_active": is_active, "reason": reason},
            request=request,
        )
        return merchant


def merchant_suspend(*, actor: User, merchant_id: int, reason: str, request: Any = None) -> Merchant:
    """Suspend a store, giving the reason (2-200 characters; audited and shown in the console).

    What suspension blocks (``accounts.selectors.SUSPENDED_STORE_KEEPS``): checkout of the store's
    products (422 ``merchant_suspended``) and the members' listing, promotion and staff changes; the
    members still sign in, ship and refund orders already placed and answer customer service.
    Errors: 422 ``invalid_reason``, 404, 409 ``already_suspended``.
    """
    return _merchant_set_state(
        actor=actor, merchant_id=merchant_id, is_active=False, reason=reason, request=request
    )


def merchant_resume(*, actor: User, merchant_id: int, reason: str, request: Any = None) -> Merchant:
    """Lift a suspension, giving the reason (audited). Errors as ``merchant_suspend``, 409 ``already_active``."""
    return _merchant_set_state(
        actor=actor, merchant_id=merchant_id, is_active=True, reason=reason, request=request
    )


def merchant_set_active(
    *, actor: User, merchant_id: int, is_active: bool, reason: str = "", request: Any = None
) -> Merchant:
    """``merchant_resume`` or ``merchant_suspend`` (kept for callers of the earlier name; a reason is
    required either way)."""
    change = merchant_resume if is_active else merchant_suspend
    return change(actor=actor, merchant_id=merchant_id, reason=reason, request=request)


@transaction.atomic
def merchant_member_add(
    *, actor: User, username: str, password: str, role: str, request: Any = None
) -> MerchantMember:
    require_permission(actor, "store.staff.manage")
    owner = user_merchant(actor)
    if owner is None:
        raise not_found("merchant")
    errors = _check_username(username, ("body", "username")) + _check_password(password, ("body", "password"))
    if role not in MERCHANT_ROLES or role == "merchant_owner":
        errors.append(FieldError(("body", "role"), "one of merchant_operator, merchant_cs", "unknown_role"))
    if errors:
        raise validation_error(errors)
    user = User.objects.create_user(username=username, password=password, kind=Kind.MERCHANT)
    member: MerchantMember = MerchantMember.objects.create(
        merchant_id=owner.merchant_id, user=user, role=role
    )
    audit_record(
        actor=actor,
        action="accounts.merchant_member_added",
        obj=member,
        after={"username": username, "role": role},
        request=request,
    )
    return member


STORE_STAFF_ROLES = ("merchant_operator", "merchant_cs")  # what an owner may grant (one owner per store)


@transaction.atomic
def merchant_member_update(
    *,
    actor: User,
    member_id: int,
    role: str | None = None,
    is_active: bool | None = None,
    request: Any = None,
) -> MerchantMember:
    """The owner changes a member of the own store: its role (operator or CS) or whether it works there.

    Removing a member (``is_active=False``) disables the membership and the account, which ends its
    sign-ins; the rows stay for the orders and the audit trail, and the owner can take the member back.
    The owner's own membership cannot be changed here. Errors: 422 ``unknown_role`` at ``body.role``,
    404 (another store's member), 409 ``owner_membership``.
    """
    require_permission(actor, "store.staff.manage")
    own = user_merchant(actor)
    if own is None:
        raise not_found("merchant")
    member: MerchantMember | None = (
        MerchantMember.objects.for_merchant(own.merchant_id)
        .select_for_update()
        .select_related("user")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise not_found("staff member")
    if member.role == "merchant_owner" or member.user_id == actor.pk:
        raise conflict("The owner's membership cannot be changed here.", code=AccountsCode.OWNER_MEMBERSHIP)
    if role is not None and role not in STORE_STAFF_ROLES:
        raise validation_error(
            [FieldError(("body", "role"), "one of merchant_operator, merchant_cs", "unknown_role")]
        )
    before = {"role": member.role, "is_active": member.is_active}
    if role is not None:
        member.role = role
    if is_active is not None:
        member.is_active = is_active
        member.user.is_active = is_active  # disabling ends the account's sign-ins (``User.save``)
        member.user.save(update_fields=["is_active"])
    member.save(update_fields=["role", "is_active"])
    audit_record(
        actor=actor,
        action="accounts.merchant_member_updated",
        obj=member,
        before=before,
        after={"role": member.role, "is_active": member.is_active, "username": member.user.username},
        request=request,
    )
    return member


# ---------------------------------------------------------------- buyers


@transaction.atomic
def buyer_register(*, phone: str, password: str, display_name: str = "", request: Any = None) -> User:
    errors = _check_phone(phone, ("body", "phone"))
    if not errors and User.objects.filter(phone_index=blind_index(phone, namespace="phone")).exists():
        errors.append(FieldError(("body", "phone"), "already registered", "duplicate"))
    errors += _check_password(password, ("body", "password"))
    if len(display_name) > 50:
        errors.append(FieldError(("body", "display_name"), "at most 50 characters", "too_long"))
    if errors:
        raise validation_error(errors)
    user = User(
        username=f"buyer_{secrets.token_hex(6)}",
        kind=Kind.BUYER,
        phone=phone,
        phone_index=blind_index(phone, namespace="phone"),
        display_name=display_name,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=user,
        action="accounts.buyer_registered",
        obj=user,
        after={"phone": phone, "display_name": display_name},
        request=request,
    )
    return user
