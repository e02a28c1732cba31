"""Buyer accounts: registration by mobile number.

Each public function is one transaction and writes an audit event for every state change."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.accounts.services.common import _check_password, _check_phone
from mallops.audit.services import audit_record
from mallops.core.errors import FieldError, validation_error
from mallops.privacy.keys import blind_index

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
        actor=actor_of(user, request=request),
        action="accounts.buyer_registered",
        obj=user,
        after={"phone": phone, "display_name": display_name},
    )
    return user
