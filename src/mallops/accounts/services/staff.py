"""Platform staff accounts: create, change roles, e-mail and active flag, set a password.

Each public function is one transaction and writes an audit event for every state change."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from mallops.accounts.errors import AccountsCode
from mallops.accounts.models import RoleGrant, User
from mallops.accounts.roles import STAFF_ROLES, Kind
from mallops.accounts.services.common import _check_password, _check_username, require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error

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
def staff_password_set(*, actor: Actor, user_id: int, password: str) -> User:
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
    )
    return user


def _snapshot_user(user: User) -> dict[str, Any]:
    return {"username": user.username, "kind": user.kind, "is_active": user.is_active, "email": user.email}


@transaction.atomic
def staff_create(*, actor: Actor, username: str, password: str, roles: list[str], email: str = "") -> User:
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
    )
    return user


@transaction.atomic
def staff_update(
    *,
    actor: Actor,
    user_id: int,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    email: str | None = None,
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
    audit_record(actor=actor, action="accounts.staff_updated", obj=user, before=before, after=after)
    return user
