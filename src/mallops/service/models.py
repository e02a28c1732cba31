"""Customer-service tickets, their SLA clocks, timeline, ratings and follow-up tasks (R5.1-R5.4)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mallops.tenancy.managers import MerchantScopedManager
from mallops.workdays.engine import BusinessWindow, ClockBasis
from mallops.workdays.engine import SlaPolicy as EnginePolicy


class Channel(models.TextChoices):
    CHAT = "chat", _("Chat")
    APP = "app", _("App")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class Category(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    LOGISTICS = "logistics", _("Logistics")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    TECHNICAL = "technical", _("Technical support")
    MAJOR_FAULT = "major_fault", _("Major fault")
    RETURN = "return", _("Returns and refunds")
    ORDER_QUERY = "order_query", _("Order query")


class Priority(models.TextChoices):
    LOW = "low", _("Low priority")
    NORMAL = "normal", _("Normal priority")
    HIGH = "high", _("High priority")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New ticket")
    OPEN = "open", _("Open")
    WAITING = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Target(models.TextChoices):
    """What an SLA clock measures."""

    FIRST_RESPONSE = "first_response", "first response"
    INITIAL_ANSWER = "initial_answer", "initial answer (complex issue)"
    RESOLUTION = "resolution", "resolution"
    FOLLOW_UP = "follow_up", "follow-up visit"


class SlaPolicy(models.Model):
    """One SLA as data: what it measures, for which tickets, on which clock (R5.1.2, R5.2.3, R6.3.1).

    ``category``/``priority``/``channel`` empty means "any"; the most specific active policy wins. ``special``
    policies replace the resolution clock when an agent extends a ticket (customer told in advance).
    """

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    target = models.CharField(max_length=20, choices=Target.choices)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True, default="")
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True, default="")
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True, default="")
    special = models.BooleanField(default=False)
    basis = models.CharField(max_length=20, choices=[(b.value, b.value) for b in ClockBasis])
    minutes = models.PositiveIntegerField(default=0)
    working_days = models.PositiveSmallIntegerField(default=0)
    window = models.CharField(max_length=11, default="09:00-18:00")
    warning_lead_minutes = models.PositiveIntegerField(null=True, blank=True)
    notify_customer = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    # when the current targets took effect (the last supervisor edit; None: the seeded values)
    effective_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target", "code"]

    def __str__(self) -> str:
        return self.code

    def engine_policy(self) -> EnginePolicy:
        return EnginePolicy(
            code=self.code,
            basis=ClockBasis(self.basis),
            duration=timedelta(minutes=self.minutes),
            working_days=self.working_days,
            window=BusinessWindow.parse(self.window),
            warning_lead=None
            if self.warning_lead_minutes is None
            else timedelta(minutes=self.warning_lead_minutes),
        )

    def describe(self) -> str:
        if self.basis == ClockBasis.WORKING_DAYS:
            return f"{self.working_days} working days"
        hours = self.minutes / 60
        amount = f"{self.minutes} min" if self.minutes < 60 else f"{hours:g} h"
        if self.basis == ClockBasis.BUSINESS_HOURS:
            return f"{amount} business hours ({self.window} on working days)"
        return f"{amount} calendar time"


class AgentProfile(models.Model):
    """Routing data for a person who handles tickets: skills (categories), capacity, own store or platform."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cs_profile")
    merchant = models.ForeignKey(
        "accounts.Merchant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    skills = models.JSONField(default=list, blank=True)
    max_open = models.PositiveSmallIntegerField(default=30)
    is_available = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"agent {self.user_id}"


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


class ReplyTemplate(models.Model):
    """A reviewed answer in the reply library; suggestions are matched to ticket text (R5.4.2)."""

    title = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True, default="")
    keywords = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    uses = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # the compliance engine's non-blocking findings on the live text (blocking ones are refused)
    findings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["title"]

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


class Procedure(models.Model):
    """A standard procedure (returns, complaints, order queries, ...) with its owner (R5.1.5).

    It applies to the ticket categories in ``categories`` (a category belongs to one procedure at most,
    checked by the service). Its steps live in versions; at most one version is published at a time.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    categories = models.JSONField(default=list)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pass_mark = models.PositiveSmallIntegerField(default=80)
    # resolving a ticket under this procedure is a sensitive action: only agents who passed the
    # assessment (or supervisors) may do it (R8.2.1)
    resolve_requires_training = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "owner": "the staff account accountable for the procedure (a work account)"
    }

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """One version of a procedure's checklist: draft, then published (the current one), then retired."""

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"
        RETIRED = "retired", "retired"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    change_note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["procedure_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="service_procedure_version_number"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(state="published"),
                name="service_procedure_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.number}"


class ProcedureStep(models.Model):
    """One checklist item of a procedure version; required steps must be done before resolving."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, default="")
    is_required = models.BooleanField(default=True)

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="service_procedure_step_position")
        ]

    def __str__(self) -> str:
        return self.title


class TicketStep(models.Model):
    """A ticket's copy of one checklist step and whether the agent has done it (R8.4.1)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(ProcedureStep, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"done_by": "the agent's work account"}

    class Meta:
        ordering = ["ticket_id", "step__position"]
        constraints = [models.UniqueConstraint(fields=["ticket", "step"], name="service_ticket_step_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.step_id}"


class TrainingRecord(models.Model):
    """An agent's training and assessment on one procedure version (R5.1.5, R8.2.1).

    Records are kept (a failed assessment followed by a passed one is two rows); an agent counts as
    trained on a version when one of its records passed. A new version needs new training."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="training")
    completed_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True, default="")

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "user": "the agent's work account",
        "recorded_by": "the supervisor's work account",
    }

    class Meta:
        ordering = ["-completed_at", "-pk"]
        indexes = [models.Index(fields=["version", "user", "passed"], name="service_training_lookup")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="service_training_score_max")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.version_id} {self.score}"


class ComplaintSeverity(models.TextChoices):
    """How serious a complaint is, for choosing who in management receives it (R5.2.4)."""

    SERIOUS = "serious", _("Serious complaint")
    URGENT = "urgent", _("Urgent complaint")


class EscalationTarget(models.Model):
    """Which role in management receives serious complaints of one severity (R5.2.4)."""

    severity = models.CharField(max_length=20, choices=ComplaintSeverity.choices, unique=True)
    role = models.CharField(max_length=30)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"updated_by": "the supervisor's work account"}

    class Meta:
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"{self.severity} -> {self.role}"


class RegulatorReport(models.Model):
    """A serious complaint reported to a regulator (e.g. 市场监督管理局, 12315) and followed up (R5.2.4)."""

    class State(models.TextChoices):
        OPEN = "open", _("Being followed up")
        CLOSED = "closed", _("Closed by the regulator")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="regulator_reports")
    regulator = models.CharField(max_length=100)
    reported_at = models.DateTimeField()
    reference = models.CharField(max_length=60, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    next_followup_on = models.DateField(null=True, blank=True)
    # timer: 09:00 Beijing time on the next follow-up date; the sweep reminds once, then clears it
    followup_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"recorded_by": "the staff work account that recorded it"}

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.regulator} {self.reference}"


class RegulatorFollowUp(models.Model):
    """One step of following up a regulator report: what happened, when, who recorded it."""

    report = models.ForeignKey(RegulatorReport, on_delete=models.CASCADE, related_name="followups")
    at = models.DateTimeField()
    note = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"recorded_by": "the staff work account that recorded it"}

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.at}"
