"""Reading and verifying the audit chain."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from mallops.audit.anchors import Anchor, AnchorFileError, anchors_read
from mallops.audit.chain import GENESIS, HASHED_FIELDS, event_hash, keyed_event_hash
from mallops.audit.keys import audit_key
from mallops.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    bad_seq: int | None = None
    bad_id: int | None = None
    reason: str = ""
    anchors: int = 0  # anchors checked against the chain


def _link_problem(event: AuditEvent, prev_hash: str, keyed_from: int | None) -> str:
    """Why ``event`` does not link to ``prev_hash`` (empty when it does)."""
    fields: dict[str, Any] = {name: getattr(event, name) for name in HASHED_FIELDS}
    if not event.key_id:
        if keyed_from is not None and event.seq >= keyed_from:
            return f"unkeyed row at or after the switch-over to keyed hashing (seq {keyed_from})"
        expected = event_hash(fields, prev_hash)
    else:
        if keyed_from is None or event.seq < keyed_from:
            return "keyed row before the recorded switch-over to keyed hashing"
        key = audit_key(event.key_id)
        if key is None:
            return f"key {event.key_id!r} is not in the key ring (retired or missing): cannot verify"
        expected = keyed_event_hash(fields, prev_hash, key_id=event.key_id, key=key)
    return "" if hmac.compare_digest(expected, event.hash) else "content does not match its hash"


def audit_verify(*, batch: int = 2000) -> VerifyResult:
    """Walk the chain in ``seq`` order, then compare the head and every anchor with it.

    Reported, first found first: an edited, removed or reordered row (its link); the head's ``last_seq``
    or ``last_hash`` not matching the last row; an anchor past the last row (truncation) or whose hash
    differs from the row at its seq (rewrite); an anchor whose switch-over differs from the head's.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    keyed_from = head.keyed_from_seq if head is not None else None
    try:
        anchors = list(anchors_read())
    except AnchorFileError as exc:
        return VerifyResult(False, 0, reason=str(exc))
    by_seq: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
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
            problem = _link_problem(event, prev_hash, keyed_from)
            if problem:
                return VerifyResult(False, count, event.seq, event.pk, problem)
            for anchor in by_seq.get(event.seq, ()):
                if not hmac.compare_digest(anchor.hash, event.hash):
                    return VerifyResult(
                        False,
                        count,
                        event.seq,
                        event.pk,
                        f"rewrite detected: anchor of {anchor.at} (anchor file line {anchor.line}) holds "
                        f"another hash for this row",
                    )
            prev_hash = event.hash
            expected_seq += 1
            count += 1
        if len(chunk) < batch:
            break
    last_seq, last_hash = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS)
    if last_seq != count:
        return VerifyResult(
            False, count, count + 1, None, f"chain head says {last_seq} events, found {count}"
        )
    if not hmac.compare_digest(last_hash, prev_hash):
        return VerifyResult(
            False, count, count or None, None, "chain head's last_hash does not match the last row"
        )
    for anchor in anchors:
        if anchor.seq > count:
            return VerifyResult(
                False,
                count,
                anchor.seq,
                None,
                f"truncation detected: anchor of {anchor.at} (anchor file line {anchor.line}) saw "
                f"{anchor.seq} events, the chain now ends at {count}",
            )
        if anchor.keyed_from_seq is not None and anchor.keyed_from_seq != keyed_from:
            return VerifyResult(
                False,
                count,
                anchor.keyed_from_seq,
                None,
                f"rewrite detected: anchor of {anchor.at} recorded the switch-over to keyed hashing at "
                f"seq {anchor.keyed_from_seq}, the head now says {keyed_from}",
            )
    return VerifyResult(True, count, anchors=len(anchors))


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
