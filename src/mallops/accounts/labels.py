"""What the console shows for account codes and the account services' field errors (``mallops.core.words``).

The services write field-error messages in English (the API's ``errors[].msg``); the console passes them
through ``gettext`` in ``words.error_lines``, so they are marked here for the catalogue.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

MESSAGES = (
    gettext_noop("3-150 letters, digits or _.@+-"),
    gettext_noop("already taken"),
    gettext_noop("must be an 11-digit mainland mobile number"),
    gettext_noop("15-18 digits or capitals (统一社会信用代码)"),
    gettext_noop("already registered"),
    gettext_noop("one of merchant_operator, merchant_cs"),
    gettext_noop("at most 50 characters"),
    gettext_noop("not a valid unified social credit code (18 characters, check character per GB 32100)"),
    gettext_noop("choose at least one role"),
    gettext_noop("not a staff role"),
    gettext_noop("not an e-mail address"),
    gettext_noop("at most 100 characters"),
    gettext_noop("2-200 characters"),
    gettext_noop("The store is already in that state."),
    gettext_noop("The owner's membership cannot be changed here."),
    gettext_noop("You cannot disable yourself or remove your own admin role."),
)

FIELDS: dict[str, Any] = {
    "recipient": _("Recipient"),
    "detail": _("Street address"),
    "roles": _("Roles"),
    "file": _("File"),
}
LABELS: dict[str, Any] = {}
