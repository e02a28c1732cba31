"""Customer-service tickets: their channel, category and status, SLA clocks and pauses, timeline,
ratings, notifications and follow-up tasks (R5.1-R5.4)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.service.models.choices import OPEN_STATUSES, Category, Channel, Priority, Status, Target
from mallops.service.models.configuration import SlaPolicy
from mallops.tenancy.managers import MerchantScopedManager


class ProblemGroup(models.Model):
    """Similar tickets found together by frequent-problem detection (R5.3.1)."""

    label = models.CharField(max_length=200)
    signature = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.label


class Ticket(models.Model):
    """A customer's issue from any channel, from intake to closed loop (R5.1.1)."""

    number = models.CharField(max_length=24, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    predicted_category = models.BooleanField(default=False)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    subject = models.CharField(max_length=200)
    description = models.TextField()
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_ref = models.CharField(max_length=40, blank=True, default="", db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    is_complex = models.BooleanField(default=False)
    is_special = models.BooleanField(default=False)
    is_serious = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_for_regulators = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution_summary = models.TextField(blank=True, default="")
    unresolved_reason = models.TextField(blank=True, default="")
    followup_done_at = models.DateTimeField(null=True, blank=True)
    # timers (sweeps); each is the earliest pending instant of its kind, None when nothing is pending
    first_response_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    initial_answer_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warn_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    followup_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    calendar_fallback_years = models.JSONField(default=list, blank=True)
    problem_group = models.ForeignKey(
        ProblemGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # the standard procedure's version whose checklist this ticket follows (R5.1.5, R8.4.1)
    procedure_version = models.ForeignKey(
        "service.ProcedureVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    # why automatic routing left the ticket for the supervisor (e.g. nobody trained on its procedure)
    routing_hold_reason = models.CharField(max_length=300, blank=True, default="")
    # a complaint still open at its handling deadline must say why and what is proposed (R5.2.3)
    proposed_solution = models.TextField(blank=True, default="")
    explanation_requested_at = models.DateTimeField(null=True, blank=True)
    # the management person a serious complaint went to (role from EscalationTarget, R5.2.4)
    management_escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "management_escalated_to": "the manager's work account a serious complaint went to"
    }

    objects = MerchantScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["assignee", "status"], name="service_ticket_assignee_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketSla(models.Model):
    """One SLA clock of one ticket: due and warning instants, and how it ended."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="slas")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=20, choices=Target.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.target}"

    @property
    def is_pending(self) -> bool:
        return self.met_at is None and self.breached_at is None and not self.superseded


class TicketPause(models.Model):
    """The SLA clocks stand still while the ticket waits for the customer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} paused {self.started_at}"


# timeline steps as the console names them (the kind stays a code in the API and the audit)
EVENT_LABELS = {
    "created": _("ticket opened"),
    "assigned": _("ticket assigned"),
    "reply": _("agent replied"),
    "customer_reply": _("customer replied"),
    "note": _("internal note"),
    "paused": _("waiting for the customer (clocks paused)"),
    "resumed": _("clocks resumed"),
    "marked_complex": _("marked complex"),
    "extended": _("special case declared"),
    "sla_warning": _("SLA warning"),
    "sla_breached": _("SLA breach"),
    "escalated": _("escalated to the supervisor"),
    "escalation_noted": _("escalation noted (already escalated)"),
    "resolved": _("ticket resolved"),
    "rated": _("customer rated the service"),
    "task_opened": _("task opened"),
    "followed_up": _("follow-up visit done"),
    "followup_overdue": _("follow-up visit overdue"),
    "procedure_attached": _("procedure checklist attached"),
    "step_done": _("checklist step done"),
    "step_reopened": _("checklist step reopened"),
    "routing_held": _("held for the supervisor (nobody trained)"),
    "assigned_untrained": _("assigned to an untrained agent"),
    "reopened": _("ticket reopened"),
    "explanation_requested": _("complaint deadline passed: reason and proposed solution required"),
    "explained": _("reason and proposed solution given"),
    "management_escalated": _("escalated to management"),
    "regulator_reported": _("reported to a regulator"),
    "regulator_followup": _("regulator report follow-up"),
    "regulator_followup_due": _("regulator report follow-up due"),
}


class TicketEvent(models.Model):
    """One step of the ticket's timeline (every change is recorded and traceable, R5.1.1)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    body = models.TextField(blank=True, default="")
    internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    @property
    def kind_label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


class TicketRating(models.Model):
    """The buyer's survey after resolution: 1-5 on four dimensions (R5.1.3, R5.3.2)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    speed = models.PositiveSmallIntegerField()
    efficiency = models.PositiveSmallIntegerField()
    quality = models.PositiveSmallIntegerField()
    attitude = models.PositiveSmallIntegerField()
    score = models.DecimalField(max_digits=3, decimal_places=2)
    comment = models.TextField(blank=True, default="")
    rated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"


class ServiceTask(models.Model):
    """Work that follows from tickets: second service, compensation, escalation, follow-up, improvement."""

    class Kind(models.TextChoices):
        SECOND_SERVICE = "second_service", _("second service")
        COMPENSATION = "compensation", _("compensation")
        ESCALATION = "escalation", _("escalation")
        REGULATOR_FLAG = "regulator_flag", _("flagged for management/regulators")
        FOLLOWUP_OVERDUE = "followup_overdue", _("follow-up overdue")
        IMPROVEMENT = "improvement", _("improvement")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    problem_group = models.ForeignKey(
        ProblemGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_done = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """A message to one person's console inbox (SLA warnings and breaches of their tickets; tickets held
    for lack of trained agents, to the supervisors).

    At most one per recipient, SLA clock and kind: the sweep that sends it may run twice or late; a
    routing hold (no SLA clock) at most once per recipient and ticket."""

    class Kind(models.TextChoices):
        SLA_WARNING = "sla_warning", "SLA about to run out"
        SLA_BREACHED = "sla_breached", "SLA breached"
        ROUTING_HELD = "routing_held", "waiting for a trained agent"
        COMPLAINT_EXPLAIN = "complaint_explain", "complaint past its deadline: reason and solution needed"
        MANAGEMENT_ESCALATION = "management_escalation", "serious complaint escalated to management"
        REGULATOR_FOLLOWUP_DUE = "regulator_followup_due", "regulator report follow-up due"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    sla = models.ForeignKey(
        TicketSla, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "recipient": "the staff account the inbox belongs to (a work account, like a ticket's assignee)"
    }

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "sla", "kind"], name="service_notification_once_per_sla"
            ),
            models.UniqueConstraint(
                fields=["recipient", "ticket"],
                condition=models.Q(kind="routing_held"),
                name="service_notification_once_per_hold",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="service_notif_recipient_read")]

    def __str__(self) -> str:
        return self.title
