"""Writes of the store announcement (店铺公告, R1.4.1).

``store_notice_submit`` (merchant, ``store.promotion.manage``) checks the text with the compliance engine:
a ``block`` finding refuses it (422 ``compliance_blocked``, nothing saved); ``review`` findings keep it
``pending`` for content operations (``store_notice_decide``, ``content.manage``), while the live version
stays; a clean text goes live at once. Each change is audited.

Store names are set by platform staff (``accounts.services``, which refuses a ``block`` finding); a name with
findings waits for content operations (``stores.selectors.pending_store_names``), who approve or reject it
with ``store_name_decide``.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from mallops.accounts.models import Merchant
from mallops.accounts.selectors import user_merchant
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.stores.errors import StoresCode
from mallops.stores.models import MAX_NOTICE, NameDecision, NoticeStatus, StoreNameDecision, StoreNotice
from mallops.stores.screening import refuse_blocking, text_findings

EDIT_PERMISSION = "store.promotion.manage"
REVIEW_PERMISSION = "content.manage"
NOTE_MAX = 200


def _merchant_id(actor: Actor) -> int:
    require_permission(actor, EDIT_PERMISSION)
    member = user_merchant(actor)
    if member is None:
        raise not_found("merchant")
    return int(member.merchant_id)


def _replace(merchant_id: int, status: str, *, keep: int | None = None) -> None:
    rows = StoreNotice.objects.for_merchant(merchant_id).select_for_update().filter(status=status)
    if keep is not None:
        rows = rows.exclude(pk=keep)
    for row in rows.order_by("pk"):
        row.status = NoticeStatus.REPLACED
        row.save(update_fields=["status"])


def store_notice_submit(*, actor: Actor, text: str, now: datetime | None = None) -> StoreNotice:
    """Submit the store's announcement. Errors: 422 ``validation_error`` (empty or over 500 characters),
    422 ``compliance_blocked`` (a block finding; the spans and articles in ``errors``/``findings``), 403.
    Locks the store row, then its live and pending versions; an earlier pending version is replaced."""
    merchant_id = _merchant_id(actor)
    text = text.strip()
    if not text:
        raise validation_error([FieldError(("body", "text"), "must not be empty", "required")])
    if len(text) > MAX_NOTICE:
        raise validation_error([FieldError(("body", "text"), f"at most {MAX_NOTICE} characters", "too_long")])
    findings = text_findings("description", text)
    refuse_blocking(findings, field="text")
    now = now or timezone.now()
    status = NoticeStatus.PENDING if findings else NoticeStatus.LIVE
    with audited():
        # the store row serialises submissions of one store (two at once would both go live)
        Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        _replace(merchant_id, NoticeStatus.PENDING)
        if status == NoticeStatus.LIVE:
            _replace(merchant_id, NoticeStatus.LIVE)
        notice: StoreNotice = StoreNotice.objects.create(
            merchant_id=merchant_id,
            text=text,
            status=status,
            findings=findings,
            submitted_by_id=actor.user_id,
            submitted_at=now,
        )
        audit_record(
            actor=actor,
            action="stores.notice.submit",
            obj=notice,
            merchant_id=merchant_id,
            after={"status": str(status), "findings": len(findings)},
        )
    return notice


def store_notice_decide(
    *, actor: Actor, notice_id: int, approve: bool, note: str = "", now: datetime | None = None
) -> StoreNotice:
    """Content operations approve a pending announcement (it goes live, replacing the live one) or reject
    it (a note of 2-200 characters is required). Locks the store row, then its versions. Errors: 404,
    409 ``notice_not_pending``, 422, 403."""
    require_permission(actor, REVIEW_PERMISSION)
    note = note.strip()
    if not approve and not 2 <= len(note) <= NOTE_MAX:
        raise validation_error([FieldError(("body", "note"), "2-200 characters", "invalid_reason")])
    if len(note) > NOTE_MAX:
        raise validation_error([FieldError(("body", "note"), "at most 200 characters", "too_long")])
    now = now or timezone.now()
    rows = StoreNotice.objects.for_platform(actor, REVIEW_PERMISSION).filter(pk=notice_id)
    merchant_id = rows.values_list("merchant_id", flat=True).first()
    if merchant_id is None:
        raise not_found("store notice")
    with audited():
        # the same lock order as a submission: the store row, then its versions
        Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        notice: StoreNotice | None = rows.select_for_update().first()
        if notice is None:
            raise not_found("store notice")
        if notice.status != NoticeStatus.PENDING:
            raise conflict("The announcement is not waiting for review.", code=StoresCode.NOTICE_NOT_PENDING)
        if approve:
            _replace(notice.merchant_id, NoticeStatus.LIVE, keep=notice.pk)
        notice.status = NoticeStatus.LIVE if approve else NoticeStatus.REJECTED
        notice.decided_by_id = actor.user_id
        notice.decided_at = now
        notice.decision_note = note
        notice.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="stores.notice.approve" if approve else "stores.notice.reject",
            obj=notice,
            merchant_id=notice.merchant_id,
            before={"status": "pending"},
            after={"status": notice.status, "note": note},
        )
    return notice


def store_name_decide(
    *, actor: Actor, merchant_id: int, name: str, approve: bool, note: str = "", now: datetime | None = None
) -> StoreNameDecision:
    """Content operations approve or reject a store's current name that has compliance findings (a note of
    2-200 characters is required to reject; platform staff then rename the store). Locks the store row.
    Errors: 404 (no such active store, the name is no longer the store's name, the name has no findings or
    was decided already), 422, 403. Audited ``stores.name.approve`` / ``stores.name.reject``."""
    require_permission(actor, REVIEW_PERMISSION)
    note = note.strip()
    if not approve and not 2 <= len(note) <= NOTE_MAX:
        raise validation_error([FieldError(("body", "note"), "2-200 characters", "invalid_reason")])
    if len(note) > NOTE_MAX:
        raise validation_error([FieldError(("body", "note"), "at most 200 characters", "too_long")])
    now = now or timezone.now()
    with audited():
        merchant = Merchant.objects.select_for_update().filter(pk=merchant_id, is_active=True).first()
        if merchant is None or merchant.name != name:
            raise not_found("store name")
        findings = text_findings("title", name)
        decided = StoreNameDecision.objects.for_platform(actor, REVIEW_PERMISSION).filter(
            merchant_id=merchant_id, name=name
        )
        if not findings or decided.exists():
            raise not_found("store name")
        row = StoreNameDecision(
            merchant=merchant,
            name=name,
            decision=NameDecision.APPROVED if approve else NameDecision.REJECTED,
            findings=findings,
            decided_by_id=actor.user_id,
            decided_at=now,
            note=note,
        )
        # uniqueness is checked above through the scoped manager and held by the database constraint
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
        audit_record(
            actor=actor,
            action="stores.name.approve" if approve else "stores.name.reject",
            obj=row,
            merchant_id=merchant_id,
            before=None,
            after={"name": name, "decision": row.decision, "note": note},
        )
    return row
