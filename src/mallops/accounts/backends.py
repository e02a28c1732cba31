"""Authentication backend: Django's model backend plus the role matrix for ``has_perm``.

``user.has_perm("review.decide")`` is true when one of the user's roles grants it. Platform admins also
hold every Django model permission, which is what the admin site asks for.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from mallops.accounts.selectors import user_permissions, user_role_codes
from mallops.core.actors import Actor


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        if perm in user_permissions(user_obj):
            return True
        if (
            "." in perm
            and "platform_admin" in user_role_codes(user_obj)
            and perm.split(".", 1)[0]
            in {
                "accounts",
                "audit",
                "core",
                "auth",
                "privacy",
                "tenancy",
                "sessions",
                "admin",
                "contenttypes",
            }
        ):
            return True
        if isinstance(user_obj, Actor):  # Django's model permissions belong to a User row, not an Actor
            return False
        return bool(super().has_perm(user_obj, perm, obj))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if getattr(user_obj, "is_active", False) and "platform_admin" in user_role_codes(user_obj):
            return True
        return bool(super().has_module_perms(user_obj, app_label))
