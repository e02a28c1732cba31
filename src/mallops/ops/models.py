"""Operations records: backup schedules (as data), every backup run and every restore drill."""

from __future__ import annotations

from django.db import models


class BackupLevel(models.TextChoices):
    LOCAL = "local", "local"
    OFFSITE = "offsite", "off-site"
    CLOUD = "cloud", "cloud"


class RunResult(models.TextChoices):
    RUNNING = "running", "running"
    OK = "ok", "ok"
    FAILED = "failed", "failed"


class BackupPolicy(models.Model):
    """A schedule and retention rule for one backup level.

    ``backup_due_at`` and ``drill_due_at`` are timers (house style: timers are data): the periodic job
    ``ops.tasks.backup_policies_run`` creates a backup or runs a drill for each policy past due and moves
    the timer by the interval, so a worker that was down catches up with one run, not a burst.
    Retention keeps the newest ``keep_last`` backups and any younger than ``keep_days`` days.
    """

    name = models.CharField(max_length=60, unique=True)
    level = models.CharField(max_length=10, choices=BackupLevel.choices, default=BackupLevel.LOCAL)
    is_active = models.BooleanField(default=True)
    interval_hours = models.PositiveIntegerField(default=24)
    keep_last = models.PositiveIntegerField(default=7)
    keep_days = models.PositiveIntegerField(default=30)
    backup_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    drill_interval_hours = models.PositiveIntegerField(null=True, blank=True)
    drill_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(interval_hours__gte=1), name="ops_policy_interval_min"),
            models.CheckConstraint(condition=models.Q(keep_last__gte=1), name="ops_policy_keep_last_min"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.level})"


class BackupRun(models.Model):
    """One ``backup create`` (or ``verify``) at one level: where it went, how big, how long, how it ended."""

    class Kind(models.TextChoices):
        CREATE = "create", "create"
        VERIFY = "verify", "verify"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CREATE)
    level = models.CharField(max_length=10, choices=BackupLevel.choices)
    policy = models.ForeignKey(BackupPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=100, db_index=True)
    location = models.CharField(max_length=500, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    file_count = models.PositiveIntegerField(default=0)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    is_checksum_ok = models.BooleanField(null=True)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=10, choices=RunResult.choices, default=RunResult.RUNNING)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.level} {self.result}"


class DrillRun(models.Model):
    """One restore drill: the backup restored into scratch, the checks run, the measured RTO."""

    level = models.CharField(max_length=10, choices=BackupLevel.choices)
    policy = models.ForeignKey(BackupPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    backup_name = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField()
    rto_ms = models.PositiveIntegerField(default=0)  # fetch + restore + every check
    restore_ms = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=10, choices=RunResult.choices, default=RunResult.RUNNING)
    checks = models.JSONField(default=dict)  # name -> {"ok": bool, "detail": str}
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"drill {self.backup_name} {self.result} {self.rto_ms} ms"
