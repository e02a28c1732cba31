"""Operations records: backup schedules (as data), every backup run and every restore drill."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.privacy.contracts import DataClass, PersonalField
from mallops.tenancy.managers import MerchantScopedManager


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

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "location": "a backup repository path or object-store URL, not a person's location"
    }

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


class IncidentKind(models.TextChoices):
    DATA_LEAK = "data_leak", "data leak"
    SYSTEM_FAILURE = "system_failure", "system failure"
    MASS_COMPLAINTS = "mass_complaints", "mass complaints"
    REGULATORY_INVESTIGATION = "regulatory_investigation", "regulatory investigation"


class IncidentSeverity(models.TextChoices):
    # the four levels of the CAC incident reporting measures
    SEV1 = "sev1", "sev1 特别重大"
    SEV2 = "sev2", "sev2 重大"
    SEV3 = "sev3", "sev3 较大"
    SEV4 = "sev4", "sev4 一般"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "open"
    MITIGATED = "mitigated", "mitigated"
    RESOLVED = "resolved", "resolved"
    CLOSED = "closed", "closed"


class Incident(models.Model):
    """An operations incident (R7.4.1): what, how bad, who owns it, and the regulator's clock.

    ``regulator_due_at`` is the timer of the notification deadline (``incident_rules``): cleared when the
    regulator is notified; the sweep ``ops.incident_regulator_deadline`` records a missed deadline on the
    timeline. ``regulator_deadline_at`` keeps the deadline itself for the record.
    """

    kind = models.CharField(max_length=30, choices=IncidentKind.choices)
    severity = models.CharField(max_length=4, choices=IncidentSeverity.choices)
    status = models.CharField(max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, default="")
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    involves_personal_data = models.BooleanField(default=False)
    affected_people = models.PositiveIntegerField(default=0)
    detected_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    regulator_deadline_at = models.DateTimeField(null=True, blank=True)
    regulator_rule = models.CharField(max_length=200, blank=True, default="")
    regulator_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    regulator_notified_at = models.DateTimeField(null=True, blank=True)
    users_notified_at = models.DateTimeField(null=True, blank=True)
    postmortem = models.TextField(blank=True, default="")
    # the monitor that opened it (``ops.monitors``); one incident per monitor while not closed
    source_key = models.CharField(max_length=60, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_at__isnull=False) | ~models.Q(status="closed"),
                name="ops_incident_closed_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.severity} {self.title}"

    def runbooks(self) -> list[Any]:
        """The runbook pages for this kind of incident (``ops.runbooks.RUNBOOKS``)."""
        from mallops.ops.runbooks import for_kind

        return for_kind(self.kind)

    def linked_support_tickets(self) -> models.QuerySet[SupportTicket]:
        """The technical-support tickets linked to this incident (the incident pages are technical
        operations' only, and they see every ticket)."""
        manager: Any = SupportTicket.objects
        linked: models.QuerySet[SupportTicket] = manager.unscoped(
            reason="an incident's linked reports"
        ).filter(incident=self)
        return linked


class ActionItem(models.Model):
    """A post-mortem action item, tracked until it is done (it may outlive the incident's closing)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class IncidentEventKind(models.TextChoices):
    OPENED = "opened", "opened"
    NOTE = "note", "note"
    STATUS = "status", "status"
    OWNER = "owner", "owner"
    NOTIFIED_REGULATOR = "notified_regulator", "regulator notified"
    NOTIFIED_USERS = "notified_users", "users notified"
    DEADLINE_MISSED = "deadline_missed", "deadline missed"
    ACTION = "action", "action item"


class IncidentEvent(models.Model):
    """One line of an incident's timeline (append-only)."""

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "actor_username": PersonalField(
            DataClass.IDENTITY, purpose="accountability of incident handling", mask="redact"
        ),
    }

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=IncidentEventKind.choices)
    text = models.TextField(blank=True, default="")
    actor_username = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class IncidentDrill(models.Model):
    """A scheduled incident-response exercise (R7.4.2): planned, then held and recorded with findings."""

    class Result(models.TextChoices):
        PLANNED = "planned", "planned"
        PASSED = "passed", "passed"
        ISSUES_FOUND = "issues_found", "issues found"

    title = models.CharField(max_length=200)
    scenario = models.CharField(max_length=30, choices=IncidentKind.choices)
    scheduled_at = models.DateTimeField(db_index=True)
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    participants = models.TextField(blank=True, default="")
    findings = models.TextField(blank=True, default="")
    result = models.CharField(max_length=15, choices=Result.choices, default=Result.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result="planned", held_at__isnull=True)
                | (~models.Q(result="planned") & models.Q(held_at__isnull=False)),
                name="ops_drill_held_iff_recorded",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TESTING = "testing", _("Testing")
    APPROVED = "approved", _("Approved")
    GRAY = "gray", _("Gray release")
    FULL = "full", _("Fully released")
    ROLLED_BACK = "rolled_back", _("Rolled back")


class Release(models.Model):
    """A release record (R6.4.1): version, changelog, the migrations it brings, test evidence, approver.

    ``migrations`` is computed by the server from the project's migration files (``ops.releases``): a list of
    ``{"app": …, "name": …, "reversible": bool, "irreversible": [operation, …]}``. The status moves
    planned -> testing -> approved -> gray -> full, and gray or full -> rolled_back; each step keeps its time
    here and writes an audit event.
    """

    version = models.CharField(max_length=20, unique=True)
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    patch = models.PositiveIntegerField()
    changelog = models.TextField()
    migrations = models.JSONField(default=list)
    test_evidence = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    testing_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    gray_at = models.DateTimeField(null=True, blank=True)
    full_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rollback_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(fields=["major", "minor", "patch"], name="ops_release_version_unique"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("created_by")),
                name="ops_release_approver_not_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.version

    @property
    def is_reversible(self) -> bool:
        return all(item.get("reversible") for item in self.migrations)


class FeatureFlag(models.Model):
    """A gray-release switch (R6.4.2): a stable percentage rollout plus explicit cohorts.

    ``cohorts`` maps ``merchant`` / ``buyer`` / ``staff`` to lists of ids that always get the feature while
    the flag is on. ``is_enabled`` off wins over everything (rolling back a release turns its flags off).
    """

    name = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True, default="")
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    is_enabled = models.BooleanField(default=False)
    percentage = models.PositiveSmallIntegerField(default=0)
    cohorts = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(percentage__lte=100), name="ops_flag_percentage_max"),
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- technical-support tickets (R6.3.1)


class SupportKind(models.TextChoices):
    FAULT = "fault", _("Fault")
    QUESTION = "question", _("Technical question")
    REQUEST = "request", _("Feature request")


class SupportSeverity(models.TextChoices):
    P1 = "p1", _("P1 major fault")
    P2 = "p2", _("P2 high")
    P3 = "p3", _("P3 normal")
    P4 = "p4", _("P4 low")


class SupportStatus(models.TextChoices):
    NEW = "new", _("Awaiting response")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed (confirmed)")


class SupportTicket(models.Model):
    """A technical problem reported by a merchant or a staff member to technical operations (R6.3.1).

    Not ``service.Ticket``: that one is a buyer's case (its buyer, order, CSAT and the buyer-facing SLA
    policies); see docs/operations.md. ``merchant`` is the reporting store (none when staff reported it).

    The targets ``response_deadline_at`` and ``resolution_deadline_at`` are kept for the record; the timers
    ``response_due_at`` and ``resolution_due_at`` are cleared when the target is met or when the sweep
    has told the people concerned that it was missed.
    """

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "reporter": "the staff or store account that reported a technical problem",
        "assignee": "the technical-operations staff account handling it",
    }

    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=SupportKind.choices)
    severity = models.CharField(max_length=2, choices=SupportSeverity.choices)
    status = models.CharField(max_length=15, choices=SupportStatus.choices, default=SupportStatus.NEW)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    assignee = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="support_tickets"
    )
    created_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True, default="")
    response_deadline_at = models.DateTimeField()
    resolution_deadline_at = models.DateTimeField()
    response_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(severity="p1") | models.Q(kind="fault"), name="ops_support_p1_is_fault"
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_at__isnull=False) | ~models.Q(status="closed"),
                name="ops_support_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"TS{self.pk}"

    @property
    def response_missed(self) -> bool | None:
        """True when the first response came (or is still to come) after the target; None while open."""
        if self.responded_at is not None:
            return self.responded_at > self.response_deadline_at
        return None


class SupportEventKind(models.TextChoices):
    OPENED = "opened", _("Reported")
    COMMENT = "comment", _("Reply")
    NOTE = "note", _("Internal note")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assignee changed")
    SEVERITY = "severity", _("Severity changed")
    ESCALATED = "escalated", _("Escalated to an incident")
    TARGET_MISSED = "target_missed", _("Target missed")


class SupportTicketEvent(models.Model):
    """One line of a support ticket's timeline (append-only); internal notes are hidden from the reporter."""

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "actor_username": PersonalField(
            DataClass.IDENTITY, purpose="accountability of technical support", mask="redact"
        ),
    }

    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=15, choices=SupportEventKind.choices)
    text = models.TextField(blank=True, default="")
    actor_username = models.CharField(max_length=150, blank=True, default="")
    is_internal = models.BooleanField(default=False)
    # the change, as codes (status, severity, assignee's username, missed target); shown through ``change``
    before = models.CharField(max_length=150, blank=True, default="")
    after = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    @property
    def change(self) -> str:
        """The change in words of the reader's language (never a code)."""
        tables: dict[str, Any] = {
            SupportEventKind.STATUS: dict(SupportStatus.choices),
            SupportEventKind.SEVERITY: dict(SupportSeverity.choices),
            SupportEventKind.TARGET_MISSED: {
                "response": _("First response"),
                "resolution": _("Resolution target"),
            },
        }
        table = tables.get(self.kind)
        if table is None:
            return self.after
        words = [str(table.get(value, value)) for value in (self.before, self.after) if value]
        return " → ".join(words)


class SupportNotice(models.Model):
    """A line in a person's support inbox: a ticket given to them, a P1 reported, a target missed."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        MAJOR_FAULT = "major_fault", _("P1 major fault reported")
        RESPONSE_MISSED = "response_missed", _("Response target missed")
        RESOLUTION_MISSED = "resolution_missed", _("Resolution target missed")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"recipient": "the account the inbox belongs to"}

    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "ticket", "kind"], name="ops_support_notice_once")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="ops_support_notice_inbox")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ticket_id}"
