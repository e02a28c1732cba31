"""What the compliance self-inspection (R7.1.2) reads about data handling: the current privacy policy, the
personal-data declarations, data-subject requests past their deadline and data kept past its retention
period (the retention sweeps did not run, or the data lacks a consent). Reads only; a platform job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mallops.dsr.models import DataSubjectRequest, PrivacyPolicy, RequestStatus

# rows past their period by less than this are the next sweep's work, not a missed sweep
SWEEP_GRACE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class OverdueRequest:
    request_id: int
    kind: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class RetentionDue:
    rule: str
    label: str
    count: int
    basis: str


@dataclass(frozen=True, slots=True)
class DataHandlingFacts:
    policy_version: str | None
    policy_published_at: datetime | None
    # names of the current policy's purposes that declare no retention period
    purposes_without_retention: tuple[str, ...]
    # personal-looking fields no model declares with a purpose (``app.Model.field``, privacy registry)
    undeclared_fields: tuple[str, ...]
    overdue_requests: tuple[OverdueRequest, ...]
    retention_due: tuple[RetentionDue, ...]


def data_handling_facts(*, now: datetime) -> DataHandlingFacts:
    from mallops.dsr.retention import retention_plan
    from mallops.privacy.registry import unclassified_personal_fields

    policy = PrivacyPolicy.objects.filter(is_current=True).first()
    purposes = list(policy.purposes) if policy is not None else []
    without = tuple(
        str(p.get("name") or p.get("code", ""))
        for p in purposes
        if not (p.get("retention") or p.get("retention_days"))
    )
    overdue = tuple(
        OverdueRequest(row.pk, row.kind, row.due_at)
        for row in DataSubjectRequest.objects.filter(status=RequestStatus.OPEN, due_at__lt=now).order_by(
            "due_at", "pk"
        )
    )
    due = tuple(
        RetentionDue(line.rule, line.label, line.count, line.basis)
        for line in retention_plan(now - SWEEP_GRACE, sample=0)
        if line.count
    )
    return DataHandlingFacts(
        policy_version=policy.version if policy is not None else None,
        policy_published_at=policy.published_at if policy is not None else None,
        purposes_without_retention=without,
        undeclared_fields=tuple(unclassified_personal_fields()),
        overdue_requests=overdue,
        retention_due=due,
    )
