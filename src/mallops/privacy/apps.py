from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class PrivacyConfig(AppConfig):
    name = "mallops.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        checks.register(check_personal_data_declarations, "privacy")


def check_personal_data_declarations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``mallops check``: broken declarations are errors; undeclared personal-looking fields warn here
    (the test suite turns them into a failure, see tests/privacy/test_privacy_registry.py)."""
    from mallops.privacy.registry import declaration_errors, unclassified_personal_fields

    messages: list[checks.CheckMessage] = [
        checks.Error(message, id="privacy.E001") for message in declaration_errors()
    ]
    messages.extend(
        checks.Warning(
            f"{label} looks like personal data but is not classified",
            hint="Declare it in the model's PERSONAL_DATA (or NOT_PERSONAL_DATA with a reason).",
            id="privacy.W001",
        )
        for label in unclassified_personal_fields()
    )
    return messages
