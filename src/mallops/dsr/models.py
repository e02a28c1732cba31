"""Privacy policy versions, consent history and data-subject requests (R1.3.3, R1.3.4, R7.3.3)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField
from mallops.privacy.fields import EncryptedTextField


class LegalBasis(models.TextChoices):
    """PIPL Art. 13 legal bases a purpose may rest on."""

    CONSENT = "consent", "个人同意"
    CONTRACT = "contract", "订立、履行合同所必需"
    LEGAL_DUTY = "legal_duty", "履行法定职责或法定义务所必需"
    EMERGENCY = "emergency", "应对突发公共卫生事件或紧急情况"
    OTHER_LAW = "other_law", "法律、行政法规规定的其他情形"


class PrivacyPolicy(models.Model):
    """One published version of the privacy policy; exactly one row is current.

    ``purposes`` is a list of ``{"code", "name", "scope", "retention", "legal_basis"}``; consent is
    recorded per purpose code and version.
    """

    version = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    purposes = models.JSONField(default=list)
    published_at = models.DateTimeField(db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="dsr_policy_one_current"
            )
        ]

    def __str__(self) -> str:
        return self.version

    def purpose_codes(self) -> list[str]:
        return [str(p["code"]) for p in self.purposes]


class ConsentAction(models.TextChoices):
    GRANTED = "granted", "同意"
    WITHDRAWN = "withdrawn", "撤回"


class ConsentRecord(models.Model):
    """One grant or withdrawal by a buyer for a purpose of a policy version. Append-only: the latest row
    per buyer and purpose is the state, earlier rows are the history."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=40)
    policy = models.ForeignKey(PrivacyPolicy, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=ConsentAction.choices)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["buyer", "purpose", "at"], name="dsr_consent_b_p_at")]

    def __str__(self) -> str:
        return f"{self.buyer_id}:{self.purpose}:{self.action}@{self.policy_id}"


class RequestKind(models.TextChoices):
    ACCESS = "access", "查阅、复制"
    PORTABILITY = "portability", "转移（可携带）"
    CORRECTION = "correction", "更正、补充"
    DELETION = "deletion", "删除"
    WITHDRAWAL = "withdrawal", "撤回同意"


class RequestStatus(models.TextChoices):
    OPEN = "open", "待处理"
    COMPLETED = "completed", "已完成"
    REJECTED = "rejected", "已拒绝"


class DataSubjectRequest(models.Model):
    """个人信息权利请求: ``due_at`` is the deadline shown to everyone; ``escalate_due_at`` is the timer the
    overdue sweep acts on (cleared when the request closes or has been escalated)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    note = EncryptedTextField(associated_data="dsr.request.note", blank=True, default="")
    purposes = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(db_index=True)
    due_at = models.DateTimeField(db_index=True)
    escalate_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    export = EncryptedTextField(associated_data="dsr.request.export", blank=True, default="")
    # when the retention sweep deleted the export (``dsr.retention``: 30 days after completion)
    export_deleted_at = models.DateTimeField(null=True, blank=True)
    # a correction request may name the data it corrects: a profile field, or ``address.<field>`` of the
    # buyer's address ``correction_address_id``, and the new value (checked by the buyer-edit rules)
    correction_field = models.CharField(max_length=40, blank=True, default="")
    correction_address_id = models.PositiveBigIntegerField(null=True, blank=True)
    correction_value = EncryptedTextField(
        associated_data="dsr.request.correction_value", blank=True, default=""
    )

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {
        "correction_address_id": "the id of the buyer's address row a correction names, no address content"
    }
    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "correction_value": PersonalField(
            DataClass.CONTACT, purpose="the corrected value the buyer asks for (PIPL Art. 46)", mask="redact"
        ),
        "note": PersonalField(
            DataClass.IDENTITY, purpose="what the buyer asks to correct or explains", mask="redact"
        ),
        "export": PersonalField(
            DataClass.IDENTITY, purpose="copy of the buyer's data for the buyer (PIPL Art. 45)", mask="redact"
        ),
    }

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="dsr_request_st_due")]

    def __str__(self) -> str:
        return f"DSR-{self.pk}"

    @property
    def overdue(self) -> bool:
        """Open and escalated by the overdue sweep (a closed request is no longer overdue: ``closed_late``)."""
        return self.escalated_at is not None and self.status == RequestStatus.OPEN

    @property
    def closed_late(self) -> bool:
        """Closed (completed or rejected) after its deadline: 已逾期完成 rather than 已逾期."""
        return self.closed_at is not None and self.closed_at > self.due_at


class PersonalDataHold(models.Model):
    """Records kept after a deletion request because a law requires them (PIPL Art. 47: store and
    secure only, no other processing) until ``hold_until``."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.PROTECT, related_name="holds")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handler = models.CharField(max_length=40, default="")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    legal_basis = models.CharField(max_length=120)
    hold_until = models.DateField()
    created_at = models.DateTimeField()
    # timer of the ``dsr.hold_release`` sweep: when the duty ends the record is erased; cleared then
    release_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "object_type", "object_id"], name="dsr_hold_unique")
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} until {self.hold_until}"
