"""Data-subject requests (个人信息权利请求, R1.3.4, R7.3.3; PIPL Art. 44-50, GB/T 35273 §8).

A buyer submits a request; its deadline ``due_at`` is the end of the 15th working day after submission on
the working-day calendar (GB/T 35273-2020 §8.7: 30 days or a shorter limit; App认定方法 (2019): 15 working
days for manual handling, which is shorter and so applies). Staff with
``privacy.dsr.handle`` complete or reject it (a rejection needs a reason code and text, PIPL Art. 50).
Completing runs the kind's effect: a JSON export (access, portability), erasure or freeze (deletion),
consent withdrawal (withdrawal), or the correction the request names (written by the buyer-edit rules of
``accounts.profile``; else recorded from the note). The ``dsr.overdue`` sweep escalates requests
still open past ``due_at``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.profile import correction_apply, correction_check
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.dsr import exporters
from mallops.dsr.consent import consents_withdraw_all, require_buyer
from mallops.dsr.errors import DsrCode
from mallops.dsr.models import DataSubjectRequest, PersonalDataHold, RequestKind, RequestStatus
from mallops.workdays.engine import SHANGHAI, add_working_days
from mallops.workdays.selectors import calendar_data

HANDLE_PERMISSION = "privacy.dsr.handle"
RESPONSE_WORKING_DAYS = 15
EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)
REJECT_CODES = {
    "identity_unverified": "无法核验身份",
    "manifestly_unfounded": "请求明显无理或重复",
    "legal_exception": "法律、行政法规另有规定（PIPL 第 18、35 条等）",
    "other": "其他（见说明）",
}
EXPORT_FORMAT = "mallops.personal-data/1"


def due_at_for(submitted_at: datetime) -> datetime:
    """End of the 15th working day after the submission's local date (holidays and make-up days count)."""
    return add_working_days(calendar_data(), submitted_at, RESPONSE_WORKING_DAYS).at


@dataclass(frozen=True)
class Correction:
    """What a correction request changes: ``field`` (``accounts.profile.CORRECTABLE``), its new ``value``
    and, for an address field, the buyer's ``address_id``."""

    field: str
    value: str
    address_id: int | None = None


CORRECTION_LABELS = {
    "display_name": "昵称",
    "phone": "手机号",
    "address.recipient": "收货人",
    "address.phone": "收货电话",
    "address.province": "收货地址（省）",
    "address.city": "收货地址（市）",
    "address.district": "收货地址（区县）",
    "address.detail": "收货地址（详细地址）",
}


@transaction.atomic
def request_submit(
    *,
    actor: Actor,
    kind: str,
    note: str = "",
    purposes: list[str] | None = None,
    correction: Correction | None = None,
) -> DataSubjectRequest:
    """The buyer files a request (audited ``dsr.submit``); one open request per kind at a time (409).

    A correction names what it corrects (``correction``: checked now by the rules of the buyer's own
    edit, 422/404) or explains it in ``note`` (at least 5 characters) for staff to carry out by hand."""
    require_buyer(actor)
    errors: list[FieldError] = []
    if kind not in RequestKind.values:
        errors.append(FieldError(("body", "kind"), "unknown request kind", "invalid_choice"))
    note = (note or "").strip()
    if kind == RequestKind.CORRECTION and correction is None and len(note) < 5:
        errors.append(FieldError(("body", "note"), "say what is wrong and what is right", "required"))
    if correction is not None and kind != RequestKind.CORRECTION:
        errors.append(FieldError(("body", "correction"), "only for a correction request", "not_allowed"))
    if len(note) > 2000:
        errors.append(FieldError(("body", "note"), "at most 2000 characters", "too_long"))
    purposes = [p for p in (purposes or []) if isinstance(p, str)]
    if purposes and kind != RequestKind.WITHDRAWAL:
        errors.append(FieldError(("body", "purposes"), "only for a withdrawal request", "not_allowed"))
    if errors:
        raise validation_error(errors)
    buyer_id = actor.user_id or 0  # require_buyer refused anyone not signed in
    if correction is not None:
        correction_check(
            buyer=get_user_model().objects.get(pk=buyer_id),
            field=correction.field,
            value=correction.value,
            address_id=correction.address_id,
        )
    if DataSubjectRequest.objects.filter(buyer_id=buyer_id, kind=kind, status=RequestStatus.OPEN).exists():
        raise conflict("An open request of this kind exists.", code=DsrCode.REQUEST_OPEN)
    now = timezone.now()
    due = due_at_for(now)
    row = DataSubjectRequest.objects.create(
        buyer_id=buyer_id,
        kind=kind,
        note=note,
        purposes=purposes,
        submitted_at=now,
        due_at=due,
        escalate_due_at=due,
        correction_field=correction.field if correction else "",
        correction_address_id=correction.address_id if correction else None,
        correction_value=correction.value.strip() if correction else "",
    )
    audit_record(
        actor=actor,
        action="dsr.submit",
        obj=row,
        after={"kind": kind, "due_at": due.isoformat()},
    )
    return row


def buyer_requests(*, actor: Actor) -> list[DataSubjectRequest]:
    require_buyer(actor)
    return list(DataSubjectRequest.objects.filter(buyer_id=actor.user_id).order_by("-submitted_at", "-pk"))


def buyer_request_get(*, actor: Actor, request_id: int) -> DataSubjectRequest:
    """The buyer's own request; another buyer's is 404 (not 403: its existence is not disclosed)."""
    require_buyer(actor)
    row = DataSubjectRequest.objects.filter(buyer_id=actor.user_id, pk=request_id).first()
    if row is None:
        raise not_found("data-subject request")
    return row


def export_body(row: DataSubjectRequest) -> str:
    if row.kind not in EXPORT_KINDS or row.status != RequestStatus.COMPLETED or not row.export:
        raise conflict("No export is available for this request.", code=DsrCode.EXPORT_UNAVAILABLE)
    return str(row.export)


def staff_queue(*, actor: Actor, status: str = "open") -> QuerySet[DataSubjectRequest]:
    require_permission(actor, HANDLE_PERMISSION)
    rows = DataSubjectRequest.objects.select_related("buyer", "handled_by")
    if status in RequestStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("due_at", "pk")


def staff_request_get(*, actor: Actor, request_id: int) -> DataSubjectRequest:
    require_permission(actor, HANDLE_PERMISSION)
    row = DataSubjectRequest.objects.select_related("buyer").filter(pk=request_id).first()
    if row is None:
        raise not_found("data-subject request")
    return row


def _locked_open(request_id: int) -> DataSubjectRequest:
    row = DataSubjectRequest.objects.select_for_update().select_related("buyer").filter(pk=request_id).first()
    if row is None:
        raise not_found("data-subject request")
    if row.status != RequestStatus.OPEN:
        raise conflict(
            "The request is already closed.", code=DsrCode.REQUEST_CLOSED, current_status=row.status
        )
    return row


def _build_export(row: DataSubjectRequest, ctx: exporters.Context) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "request": row.pk,
        "kind": row.kind,
        "generated_at": ctx.now.isoformat(),
    }
    data["sources"] = [{"name": h.name, "description": h.description} for h in exporters.handlers()]
    for handler in exporters.handlers():
        data[handler.name] = handler.export(row.buyer, ctx)
    return data


def _erase(row: DataSubjectRequest, ctx: exporters.Context) -> dict[str, Any]:
    withdrawn = consents_withdraw_all(buyer=row.buyer, actor=ctx.actor, purposes=None)
    result: dict[str, Any] = {"consents_withdrawn": withdrawn, "erased": [], "frozen": {}}
    for handler in exporters.handlers():
        if handler.erase is None:
            continue
        ctx.handler = handler.name
        outcome = handler.erase(row.buyer, ctx)
        result["erased"] += list(outcome.get("erased", []))
        if outcome.get("anonymised"):
            result["erased"].append(f"{handler.name}: {len(outcome['anonymised'])} anonymised")
        if outcome.get("frozen"):
            result["frozen"][handler.name] = list(outcome["frozen"])
    PersonalDataHold.objects.bulk_create(
        PersonalDataHold(
            request=row,
            buyer=row.buyer,
            handler=name,
            object_type=t,
            object_id=i,
            legal_basis=basis,
            hold_until=until,
            created_at=ctx.now,
            release_due_at=hold_release_at(until),
        )
        for name, t, i, basis, until in ctx.holds
    )
    if ctx.holds:
        bases = sorted({h[3] for h in ctx.holds})
        last = max(h[4] for h in ctx.holds)
        result["freeze_notice"] = (
            f"{len(ctx.holds)} 条记录依法须保存（{'；'.join(bases)}），已冻结：仅存储和采取安全保护措施，"
            f"不作其他处理（PIPL 第 47 条），最迟保存至 {last.isoformat()}。"
        )
    return result


@transaction.atomic
def request_complete(*, actor: Actor, request_id: int, note: str = "") -> DataSubjectRequest:
    """Carry out an open request and close it (audited ``dsr.complete``). Exports reveal personal fields
    through ``privacy.personal_field_reveal`` and so also need ``privacy.reveal``."""
    require_permission(actor, HANDLE_PERMISSION)
    row = _locked_open(request_id)
    note = (note or "").strip()
    if row.kind == RequestKind.CORRECTION and not row.correction_field and len(note) < 5:
        raise validation_error([FieldError(("body", "note"), "say what was corrected", "required")])
    now = timezone.now()
    ctx = exporters.Context(actor=actor, dsr=row, now=now)
    result: dict[str, Any] = {}
    if row.kind in EXPORT_KINDS:
        require_permission(actor, "privacy.reveal")
        data = _build_export(row, ctx)
        row.export = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
        result = {
            "export_sections": sorted(k for k in data if k not in {"format", "request", "kind", "sources"})
        }
    elif row.kind == RequestKind.DELETION:
        result = _erase(row, ctx)
    elif row.kind == RequestKind.WITHDRAWAL:
        withdrawn = consents_withdraw_all(buyer=row.buyer, actor=actor, purposes=row.purposes)
        result = {"consents_withdrawn": withdrawn}
    elif row.correction_field:
        result = _apply_correction(row, actor=actor)
        note = note or str(result["correction"])
    else:
        result = {"correction": note}
    row.status = RequestStatus.COMPLETED
    row.result = result
    row.reason = note[:500]
    row.closed_at = now
    row.handled_by_id = actor.user_id
    row.escalate_due_at = None
    row.save()
    audit_record(
        actor=actor,
        action="dsr.complete",
        obj=row,
        before={"status": RequestStatus.OPEN},
        after={"status": row.status, "kind": row.kind, "result": result, "late": now > row.due_at},
    )
    return row


@transaction.atomic
def request_reject(*, actor: Actor, request_id: int, code: str, reason: str) -> DataSubjectRequest:
    """Refuse an open request with a reason code and text the buyer sees (PIPL Art. 50; audited)."""
    require_permission(actor, HANDLE_PERMISSION)
    errors: list[FieldError] = []
    if code not in REJECT_CODES:
        errors.append(FieldError(("body", "code"), "unknown reason code", "invalid_choice"))
    reason = (reason or "").strip()
    if len(reason) < 5:
        errors.append(FieldError(("body", "reason"), "give the reason (at least 5 characters)", "too_short"))
    if errors:
        raise validation_error(errors)
    row = _locked_open(request_id)
    row.status = RequestStatus.REJECTED
    row.reason = f"{REJECT_CODES[code]}：{reason}"[:500]
    row.result = {"reject_code": code}
    row.closed_at = timezone.now()
    row.handled_by_id = actor.user_id
    row.escalate_due_at = None
    row.save()
    audit_record(
        actor=actor,
        action="dsr.reject",
        obj=row,
        before={"status": RequestStatus.OPEN},
        after={"status": row.status, "code": code, "reason": reason},
    )
    return row


def _apply_correction(row: DataSubjectRequest, *, actor: Actor) -> dict[str, Any]:
    """Write the correction the request names (checked again: the data may have changed since; an error
    leaves everything as it was and the request open). The new value is not kept on the request once it
    is in place (one copy of personal data)."""
    changed = correction_apply(
        actor=actor,
        buyer=row.buyer,
        field=row.correction_field,
        value=str(row.correction_value),
        address_id=row.correction_address_id,
    )
    label = CORRECTION_LABELS.get(row.correction_field, row.correction_field)
    row.correction_value = ""
    return {
        "correction": f"已按您的请求更正：{label}" if changed else f"{label} 已是您请求的内容，无需更正",
        "corrected_field": row.correction_field,
        "changed": changed,
    }


def request_escalate_due(row: DataSubjectRequest, now: datetime) -> None:
    """Sweep handler: an open request past its deadline is marked overdue and escalated (audited)."""
    row.escalated_at = now
    row.escalate_due_at = None
    row.save(update_fields=["escalated_at", "escalate_due_at"])
    audit_record(
        actor=None,
        action="dsr.overdue",
        obj=row,
        after={"due_at": row.due_at.isoformat(), "escalated_at": now.isoformat(), "kind": row.kind},
    )


def hold_release_at(until: date) -> datetime:
    """The first moment after the last day of a hold (Beijing time)."""
    return datetime.combine(until + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def hold_release_due(hold: PersonalDataHold, now: datetime) -> None:
    """Sweep handler: the legal duty behind a hold has ended, so the record is erased (audited)."""
    handler = exporters.handler(hold.handler)
    if handler is not None and handler.release is not None:
        handler.release(hold.object_type, hold.object_id)
    hold.released_at = now
    hold.release_due_at = None
    hold.save(update_fields=["released_at", "release_due_at"])
    audit_record(
        actor=None,
        action="dsr.hold_release",
        obj=hold,
        after={"object": f"{hold.object_type}:{hold.object_id}", "hold_until": hold.hold_until.isoformat()},
    )


def overdue_count(user: Any) -> int:
    """Menu badge: open requests past their deadline."""
    if not user.has_perm(HANDLE_PERMISSION):
        return 0
    return DataSubjectRequest.objects.filter(status=RequestStatus.OPEN, escalated_at__isnull=False).count()
