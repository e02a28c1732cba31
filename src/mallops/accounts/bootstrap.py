"""The first platform admin of a fresh install (``mallops create-admin``): nobody can sign in before it."""

from __future__ import annotations

from django.db import transaction

from mallops.accounts.models import RoleGrant, User
from mallops.accounts.roles import Kind
from mallops.accounts.services import _check_password, _check_username
from mallops.audit.services import audit_record
from mallops.core.errors import validation_error


@transaction.atomic
def admin_create(*, username: str, password: str, email: str = "") -> User:
    """A staff account with the platform admin role; the same rules as any staff account (username,
    password strength). The actor of the audit event is the installer (none)."""
    errors = _check_username(username, ("username",)) + _check_password(password, ("password",))
    if errors:
        raise validation_error(errors)
    user = User.objects.create_user(
        username=username, password=password, email=email.strip(), kind=Kind.STAFF, is_staff=True
    )
    RoleGrant.objects.create(user=user, role="platform_admin")
    audit_record(
        actor=None,
        action="accounts.admin_bootstrapped",
        obj=user,
        after={"username": username, "roles": ["platform_admin"]},
    )
    return user
