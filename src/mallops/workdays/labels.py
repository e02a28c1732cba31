"""What the console shows for working-day calendar codes (read by ``mallops.core.words``; glossary words)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

SOURCE = {"package": _("Built-in holiday data"), "import": _("Imported by an administrator")}
DAY_KIND = {"holiday": _("Public holiday"), "workday": _("Make-up workday")}

LABELS: dict[str, Any] = {"source": SOURCE, "day_kind": DAY_KIND}
