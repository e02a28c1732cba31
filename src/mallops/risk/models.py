"""Risk control data: rule profile versions, the log of every assessed event, decisions for analysts.

The engine (:mod:`mallops.risk.engine`) keeps its state in memory; ``RiskEventLog`` is what it is rebuilt
from after a restart (see :mod:`mallops.risk.services`).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField

_EVIDENCE = PersonalField(
    DataClass.TRANSACTION,
    purpose="devices, IPs and delivery addresses that link accounts, to decide transaction risk (R7.2.2)",
    mask="redact",
)


class Outcome(models.TextChoices):
    ALLOW = "allow", "放行"
    REVIEW = "review", "人工审核"
    BLOCK = "block", "拦截"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "待处理"
    CONFIRMED = "confirmed", "确认风险"
    CLEARED = "cleared", "排除风险"


class RiskProfileVersion(models.Model):
    """One version of the rule thresholds and windows (``Profile.to_json()``); exactly one is active.

    Versions are only added, never edited: activating a version deactivates the previous one.
    """

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="risk_profile_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}{' (active)' if self.is_active else ''}"


class RiskEventLog(models.Model):
    """Every event the engine assessed, in the order it did (append-only).

    ``at_us`` is the instant the engine used (microseconds since the epoch); ``payload`` holds the event
    fields (device, address, batch, order, merchant, amount, text ...). The engine is rebuilt from these
    rows in ``(pk)`` order.
    """

    event_id = models.CharField(max_length=64, db_index=True)
    event_type = models.CharField(max_length=20)
    buyer = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
    at_us = models.BigIntegerField()
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    profile_version = models.PositiveIntegerField(default=0)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {"payload": _EVIDENCE}

    def __str__(self) -> str:
        return f"{self.event_type}:{self.event_id}:{self.outcome}"


class RiskDecision(models.Model):
    """A review or block decision, with its reasons and evidence, in the analysts' queue."""

    event = models.OneToOneField(RiskEventLog, on_delete=models.PROTECT, related_name="decision")
    event_type = models.CharField(max_length=20)
    buyer = models.CharField(max_length=64, db_index=True)
    subject_ref = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rules = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    evidence = models.JSONField(default=dict)
    profile_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=1000, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "reasons": _EVIDENCE,
        "evidence": _EVIDENCE,
        "note": PersonalField(
            DataClass.TRANSACTION, purpose="the analyst's finding on the case", mask="redact"
        ),
    }

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="risk_decision_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["review", "block"]), name="risk_decision_not_allow"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(reviewed_at__isnull=False),
                name="risk_decision_reviewed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome}:{self.event_type}:{self.buyer}:{self.status}"


# -- risk register (R7.2.1) -------------------------------------------------------------------------------


class RiskCategory(models.TextChoices):
    LEGAL = "legal", "法律合规"
    DATA_SECURITY = "data_security", "数据安全"
    PAYMENT = "payment", "交易安全·支付"
    LOGISTICS = "logistics", "交易安全·物流"
    COUNTERFEIT = "counterfeit", "交易安全·假冒伪劣"
    COMPETITION = "competition", "竞争"
    ADVERTISING = "advertising", "广告宣传"


class RegisterStatus(models.TextChoices):
    ACTIVE = "active", "监控中"
    RETIRED = "retired", "已关闭"


def risk_level(likelihood: int, impact: int) -> str:
    """The level of a likelihood × impact score (each 1-5): low ≤ 4 < medium ≤ 9 < high ≤ 16 < critical."""
    score = likelihood * impact
    if score <= 4:
        return "low"
    if score <= 9:
        return "medium"
    if score <= 16:
        return "high"
    return "critical"


LEVEL_LABELS = {"low": "低", "medium": "中", "high": "高", "critical": "极高"}


class RegisteredRisk(models.Model):
    """One entry of the risk register: what could go wrong, how likely and how bad, who owns it, the
    controls that reduce it and the early-warning metrics that watch it (``WarningRule.metric`` codes)."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=RiskCategory.choices)
    description = models.TextField(blank=True, default="")
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    owner_role = models.CharField(max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    controls = models.JSONField(default=list)
    metrics = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=RegisterStatus.choices, default=RegisterStatus.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(likelihood__gte=1, likelihood__lte=5), name="risk_register_likelihood_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(impact__gte=1, impact__lte=5), name="risk_register_impact_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.level})"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        return risk_level(self.likelihood, self.impact)


# -- early warning (R7.2.3) -------------------------------------------------------------------------------


class WarningRule(models.Model):
    """A threshold on a metric, checked by the ``risk.warning_check`` sweep every ``every_minutes``
    (``check_due_at``); a breach raises an alert to the owner unless one for the rule is still open."""

    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=40)
    threshold = models.BigIntegerField()
    window_minutes = models.PositiveIntegerField(default=60)
    every_minutes = models.PositiveIntegerField(default=15)
    owner_role = models.CharField(max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # an alert not acknowledged within this many minutes is escalated to ``escalation_role``
    escalate_after_minutes = models.PositiveIntegerField(default=60)
    escalation_role = models.CharField(max_length=40, default="platform_admin")
    is_active = models.BooleanField(default=True)
    check_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_value = models.BigIntegerField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(window_minutes__gte=1), name="risk_warning_window_pos"),
            models.CheckConstraint(condition=models.Q(every_minutes__gte=1), name="risk_warning_every_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} >= {self.threshold}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待确认"
    ACKNOWLEDGED = "acknowledged", "已确认"


class RiskAlert(models.Model):
    """A breached threshold. Open until the owner acknowledges it; past ``escalate_due_at`` the
    ``risk.alert_escalate`` sweep escalates it (``escalated_at``) to the rule's escalation role."""

    rule = models.ForeignKey(WarningRule, on_delete=models.PROTECT, related_name="alerts")
    metric = models.CharField(max_length=40)
    value = models.BigIntegerField()
    threshold = models.BigIntegerField()
    raised_at = models.DateTimeField(db_index=True)
    owner_role = models.CharField(max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    escalate_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_role = models.CharField(max_length=40, blank=True, default="")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True, default="")

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "note": PersonalField(
            DataClass.TRANSACTION, purpose="the owner's finding on the alert", mask="redact"
        )
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(acknowledged_at__isnull=False),
                name="risk_alert_acknowledged_has_time",
            ),
            models.UniqueConstraint(
                fields=["rule"], condition=models.Q(status="open"), name="risk_alert_one_open_per_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}={self.value} ({self.status})"
