"""Writes for identity: tokens, sign-in throttling, staff, merchants, merchant members, buyers.

Each public function is one transaction and writes an audit event for every state change. The package is
the facade other apps import (``from mallops.accounts.services import require_permission``); the code
lives in one module per part of the domain:

- ``common``: the permission check, the token prefix, validation of usernames, passwords, phones, USCC;
- ``sessions``: sign-in throttling (locks per account and address) and API tokens;
- ``staff``: platform staff accounts;
- ``merchants``: store onboarding, registration data, suspension, store members;
- ``buyers``: buyer registration.
"""

from __future__ import annotations

from mallops.accounts.services.buyers import buyer_register
from mallops.accounts.services.common import (
    PHONE_RE,
    TOKEN_PREFIX,
    USCC_MESSAGE,
    _check_licence_number,
    _check_password,
    _check_phone,
    _check_username,
    require_any_permission,
    require_permission,
)
from mallops.accounts.services.merchants import (
    REASON_MAX,
    REASON_MIN,
    STORE_NAME_CHECKS,
    STORE_STAFF_ROLES,
    merchant_member_add,
    merchant_member_update,
    merchant_onboard,
    merchant_resume,
    merchant_set_active,
    merchant_suspend,
    merchant_update,
)
from mallops.accounts.services.sessions import (
    IssuedToken,
    _usable_token,
    login_failure_record,
    login_lock_check,
    login_success_record,
    login_unlock,
    token_authenticate,
    token_issue,
    token_issue_or_record_failure,
    token_revoke,
    token_user_id,
)
from mallops.accounts.services.staff import staff_create, staff_password_set, staff_update

__all__ = [
    "PHONE_RE",
    "REASON_MAX",
    "REASON_MIN",
    "STORE_NAME_CHECKS",
    "STORE_STAFF_ROLES",
    "TOKEN_PREFIX",
    "USCC_MESSAGE",
    "IssuedToken",
    "_check_licence_number",
    "_check_password",
    "_check_phone",
    "_check_username",
    "_usable_token",
    "buyer_register",
    "login_failure_record",
    "login_lock_check",
    "login_success_record",
    "login_unlock",
    "merchant_member_add",
    "merchant_member_update",
    "merchant_onboard",
    "merchant_resume",
    "merchant_set_active",
    "merchant_suspend",
    "merchant_update",
    "require_any_permission",
    "require_permission",
    "staff_create",
    "staff_password_set",
    "staff_update",
    "token_authenticate",
    "token_issue",
    "token_issue_or_record_failure",
    "token_revoke",
    "token_user_id",
]
