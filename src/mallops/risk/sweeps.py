"""``risk.warning_check``: active early-warning rules past ``check_due_at`` measure their metric and may
raise an alert. ``risk.alert_escalate``: open alerts past ``escalate_due_at`` are escalated once."""

from __future__ import annotations

from datetime import datetime

from mallops.core.sweeps import register
from mallops.risk.early_warning import alert_escalate_due, warning_check_due
from mallops.risk.models import AlertStatus, RiskAlert, WarningRule


def _check(rule: WarningRule, now: datetime) -> None:
    warning_check_due(rule, now)


register(
    "risk.warning_check",
    queryset=lambda now: WarningRule.objects.filter(is_active=True, check_due_at__lte=now),
    handle=_check,
)

register(
    "risk.alert_escalate",
    queryset=lambda now: RiskAlert.objects.filter(status=AlertStatus.OPEN, escalate_due_at__lte=now),
    handle=alert_escalate_due,
)
