"""Alert rules that open incidents (R6.3.2): the same figures ``/metrics`` shows, judged every 5 minutes.

``gather`` reads the figures from the database; ``evaluate`` (pure) turns them into alerts; ``run``
opens one incident per firing rule unless that rule's incident is still open (``source_key``). Alerts open
at sev4 (一般): a person triages and raises the severity, which is what starts a regulator's clock; a
machine guess must not. Prometheus
alerting on ``/metrics`` is the production path; these rules make the embedded installation alert too.

| rule | fires when |
|---|---|
| ``backup_stale`` | an active backup policy exists and no backup succeeded for 26 hours |
| ``drill_failed`` | the last finished restore drill failed |
| ``sweep_lag`` | a timer is overdue by more than 15 minutes (the worker is down or stuck) |
| ``orders_falling`` | orders in the last hour < 30 % of the hourly average of the 7 days before (average ≥ 20) |
| ``payment_failures_rising`` | payments closed unpaid in the last hour ≥ 10 and ≥ 3 x the hourly average of the day before |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

BACKUP_STALE_HOURS = 26
SWEEP_LAG_SECONDS = 15 * 60
ORDERS_FALLING_RATIO = 0.3
ORDERS_MIN_BASELINE = 20.0
PAYMENT_FAILURES_MIN = 10
PAYMENT_FAILURES_RATIO = 3.0


@dataclass(frozen=True)
class Figures:
    has_active_policy: bool
    last_backup_ok_at: datetime | None
    last_drill_ok: bool | None
    worst_sweep_lag_s: float
    worst_sweep_timer: str
    orders_last_hour: int
    orders_hourly_baseline: float
    payment_failures_last_hour: int
    payment_failures_hourly_baseline: float
    now: datetime


@dataclass(frozen=True)
class Alert:
    key: str
    severity: str
    title: str
    detail: str


def evaluate(f: Figures) -> list[Alert]:
    alerts = []
    if f.has_active_policy and (
        f.last_backup_ok_at is None or f.now - f.last_backup_ok_at > timedelta(hours=BACKUP_STALE_HOURS)
    ):
        alerts.append(
            Alert(
                "backup_stale",
                "sev4",
                "备份已过期 / backups stale",
                f"last good backup: {f.last_backup_ok_at}",
            )
        )
    if f.last_drill_ok is False:
        alerts.append(
            Alert("drill_failed", "sev4", "恢复演练失败 / restore drill failed", "see /ops/drills/")
        )
    if f.worst_sweep_lag_s > SWEEP_LAG_SECONDS:
        alerts.append(
            Alert(
                "sweep_lag",
                "sev4",
                "定时任务积压 / timers overdue",
                f"{f.worst_sweep_timer} overdue by {f.worst_sweep_lag_s / 60:.0f} min: is the worker running?",
            )
        )
    if (
        f.orders_hourly_baseline >= ORDERS_MIN_BASELINE
        and f.orders_last_hour < ORDERS_FALLING_RATIO * f.orders_hourly_baseline
    ):
        alerts.append(
            Alert(
                "orders_falling",
                "sev4",
                "订单量骤降 / orders falling",
                f"{f.orders_last_hour} orders in the last hour, hourly average {f.orders_hourly_baseline:.1f}",
            )
        )
    if (
        f.payment_failures_last_hour >= PAYMENT_FAILURES_MIN
        and f.payment_failures_last_hour >= PAYMENT_FAILURES_RATIO * f.payment_failures_hourly_baseline
    ):
        alerts.append(
            Alert(
                "payment_failures_rising",
                "sev4",
                "支付失败上升 / payment failures rising",
                f"{f.payment_failures_last_hour} payments closed unpaid in the last hour, hourly average "
                f"{f.payment_failures_hourly_baseline:.1f}",
            )
        )
    return alerts


def gather(now: datetime | None = None) -> Figures:
    from django.apps import apps
    from django.db.models import Min

    from mallops.ops.metrics import due_fields
    from mallops.ops.models import BackupPolicy, BackupRun, DrillRun, RunResult

    now = now or timezone.now()
    last_backup = (
        BackupRun.objects.filter(kind=BackupRun.Kind.CREATE, result=RunResult.OK)
        .order_by("-started_at")
        .first()
    )
    drill = DrillRun.objects.exclude(result=RunResult.RUNNING).order_by("-started_at", "-id").first()
    worst_lag, worst_timer = 0.0, ""
    for model, name in due_fields():
        oldest = model._base_manager.filter(**{f"{name}__lte": now}).aggregate(oldest=Min(name))["oldest"]
        if oldest is not None and (now - oldest).total_seconds() > worst_lag:
            worst_lag, worst_timer = (now - oldest).total_seconds(), f"{model._meta.label_lower}.{name}"
    orders = apps.get_model("orders", "Order")._base_manager
    payments = apps.get_model("payments", "Payment")._base_manager
    hour = now - timedelta(hours=1)
    return Figures(
        has_active_policy=BackupPolicy.objects.filter(is_active=True).exists(),
        last_backup_ok_at=last_backup.started_at if last_backup else None,
        last_drill_ok=None if drill is None else drill.result == RunResult.OK,
        worst_sweep_lag_s=worst_lag,
        worst_sweep_timer=worst_timer,
        orders_last_hour=orders.filter(created_at__gt=hour).count(),
        orders_hourly_baseline=orders.filter(
            created_at__gt=hour - timedelta(days=7), created_at__lte=hour
        ).count()
        / (7 * 24),
        payment_failures_last_hour=payments.filter(created_at__gt=hour, status="closed").count(),
        payment_failures_hourly_baseline=payments.filter(
            created_at__gt=hour - timedelta(days=1), created_at__lte=hour, status="closed"
        ).count()
        / 24,
        now=now,
    )


def run(now: datetime | None = None) -> list[str]:
    """Evaluate every rule and open the incidents; returns the keys of the incidents opened."""
    from mallops.ops.incidents import incident_open_by_monitor

    figures = gather(now)
    opened = []
    for alert in evaluate(figures):
        incident = incident_open_by_monitor(
            source_key=f"monitor:{alert.key}",
            kind="system_failure",
            severity=alert.severity,
            title=alert.title,
            summary=alert.detail,
            now=figures.now,
        )
        if incident is not None:
            opened.append(alert.key)
    return opened
