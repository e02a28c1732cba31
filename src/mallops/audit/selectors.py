"""Reading and verifying the audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from mallops.audit.chain import GENESIS, HASHED_FIELDS, event_hash
from mallops.audit.models import AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""


def audit_verify(*, batch: int = 2000) -> VerifyResult:
    """Walk the chain in ``seq`` order; the first edited, removed or reordered row is reported."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    last_pk = 0
    rows: QuerySet[AuditEvent]
    while True:
        rows = AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch]
        chunk = list(rows)
        if not chunk:
            break
        for event in chunk:
            if event.seq != expected_seq:
                return VerifyResult(
                    False, count, event.seq, event.pk, f"row with seq {expected_seq} is missing"
                )
            if event.prev_hash != prev_hash:
                return VerifyResult(
                    False, count, event.seq, event.pk, "prev_hash does not link to the row before"
                )
            fields: dict[str, Any] = {name: getattr(event, name) for name in HASHED_FIELDS}
            if event_hash(fields, prev_hash) != event.hash:
                return VerifyResult(False, count, event.seq, event.pk, "content does not match its hash")
            prev_hash = event.hash
            expected_seq += 1
            count += 1
            last_pk = event.pk
        if len(chunk) < batch:
            break
    del last_pk
    from mallops.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.last_seq != count:
        return VerifyResult(
            False, count, count + 1, None, f"chain head says {head.last_seq} events, found {count}"
        )
    return VerifyResult(True, count)


def audit_events(
    *,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all().order_by("-seq")
    if actor:
        qs = qs.filter(actor_username=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs
