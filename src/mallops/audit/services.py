"""Writing audit events. Call ``audit_record`` inside the service's transaction, after the change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from mallops.audit.chain import keyed_event_hash
from mallops.audit.keys import active_audit_key
from mallops.audit.models import AuditChainHead, AuditEvent
from mallops.core.actors import Actor
from mallops.core.logging import current_request_id


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _mask_snapshot(obj: Any, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Mask the values of fields the model declares personal (``PERSONAL_DATA``); identifiers stay."""
    if data is None:
        return None
    from mallops.privacy.masking import mask

    declared = getattr(type(obj), "PERSONAL_DATA", {}) if obj is not None else {}
    masked: dict[str, Any] = {}
    for key, value in data.items():
        field = declared.get(key)
        if (field is not None and isinstance(value, str) and field.mask != "redact") or (
            field is not None and isinstance(value, str) and key not in AUDIT_READABLE
        ):
            masked[key] = mask(field.mask, value)
        else:
            masked[key] = value
    return masked


# identifiers an auditor must read to know what changed (they are sign-in names, not contact data)
AUDIT_READABLE = frozenset({"username", "owner"})


# the actor's role codes at the time: accounts (above audit in docs/adr/0006) registers the reader when it
# starts (``AccountsConfig.ready``); an event of a signed-in actor without it fails (roles are evidence)
_ROLE_READER: list[Callable[[Any], Any]] = []


def register_role_reader(reader: Callable[[Any], Any]) -> None:
    _ROLE_READER[:] = [reader]


def _actor_roles(actor: Actor | None) -> list[str]:
    if actor is None or not actor.pk:
        return []
    if not _ROLE_READER:
        raise LookupError("no app registered the actor's role reader (audit.services.register_role_reader)")
    return sorted(_ROLE_READER[0](actor))


@dataclass
class _Pending:
    """An event recorded inside an ``audited`` transaction, chained when that transaction ends."""

    fields: dict[str, Any]
    key_id: str
    key: bytes
    # registered with ``transaction.on_commit``: Django drops it when the savepoint it was recorded in
    # rolls back, which is how an event of a rolled-back step is left out of the chain
    marker: Callable[[], None]


def _no_op() -> None:
    return None


def _buffer(using: str | None = None) -> list[_Pending] | None:
    buffer: list[_Pending] | None = getattr(transaction.get_connection(using), _BUFFER_ATTR, None)
    return buffer


_BUFFER_ATTR = "_mallops_audit_buffer"


@contextmanager
def audited(using: str | None = None) -> Iterator[None]:
    """``transaction.atomic()`` whose audit events are chained at its end (the lock-order rule).

    ``audit_record`` calls inside the block prepare their events and keep them; when the outermost
    ``audited`` block of the connection finishes without an error, the chain head is locked once and
    every kept event is numbered, hashed and written, still inside the transaction. The chain head is
    therefore the last lock any audited transaction takes: checkout (stock rows, then the head) and
    pay/cancel (order, stock rows, then the head) lock in one order, and the head is held only for the
    append itself. Nested ``audited`` blocks (a service calling another) join the outer one; an event
    recorded in a savepoint that rolls back is dropped with it. Usable as a decorator.

    Rule: a service that locks rows and records audit events runs under ``audited`` (instead of a bare
    ``transaction.atomic``), and a caller that composes several such services in one transaction wraps
    them in one ``audited`` block, so nothing is locked after the head.
    """
    with transaction.atomic(using=using):
        connection = transaction.get_connection(using)
        if getattr(connection, _BUFFER_ATTR, None) is not None:
            yield  # joins the enclosing audited block, which appends
            return
        buffer: list[_Pending] = []
        setattr(connection, _BUFFER_ATTR, buffer)
        try:
            yield
            alive = {id(entry[1]) for entry in connection.run_on_commit}
            kept = [pending for pending in buffer if id(pending.marker) in alive]
        finally:
            setattr(connection, _BUFFER_ATTR, None)
        # a block marked for rollback (``transaction.set_rollback``, as the idempotency middleware does on
        # a 5xx) commits nothing, so its events are not chained either
        if kept and not connection.needs_rollback:
            _append(kept)


def _append(pending: list[_Pending]) -> list[AuditEvent]:
    """Lock the chain head, then number, hash and write ``pending`` in order (call inside a transaction)."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    # numbered and timed under the lock, so ``at`` never runs backwards along ``seq``
    at = timezone.now().astimezone(UTC)
    events = []
    seq, prev_hash = head.last_seq, head.last_hash
    for item in pending:
        seq += 1
        fields: dict[str, Any] = {"seq": seq, "at": at, **item.fields}
        digest = keyed_event_hash(fields, prev_hash, key_id=item.key_id, key=item.key)
        events.append(AuditEvent(prev_hash=prev_hash, hash=digest, key_id=item.key_id, **fields))
        prev_hash = digest
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events)
    update = ["last_seq", "last_hash"]
    if head.keyed_from_seq is None:
        head.keyed_from_seq = head.last_seq + 1  # the switch-over from unkeyed events, recorded once
        update.append("keyed_from_seq")
    head.last_seq, head.last_hash = seq, prev_hash
    head.save(update_fields=update)
    return events


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    merchant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain (inside an ``audited`` block: when that block ends).

    Personal data in ``before``/``after`` is masked by the privacy registry of ``obj``'s model. The event
    is chained with the key ring's active key (HMAC). Everything that does not depend on the chain's end
    (the key, the actor's roles, the masked snapshots) is prepared now; the head is locked only for
    numbering, hashing and the writes. Outside an ``audited`` block the event is appended at once (its
    own transaction, or the caller's); inside one, the returned event is not saved yet (no ``seq``).
    """
    key_id, key = active_audit_key()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if merchant_id is None:
            merchant_id = getattr(obj, "merchant_id", None)
    prepared: dict[str, Any] = {
        "actor_id": getattr(actor, "pk", None),
        "actor_username": getattr(actor, "username", "") or "",
        "actor_roles": _actor_roles(actor),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "merchant_id": merchant_id,
        "before": _mask_snapshot(obj, before),
        "after": _mask_snapshot(obj, after),
        "request_id": (getattr(request, "request_id", None) if request else None)
        or (actor.request_id if isinstance(actor, Actor) else None)
        or current_request_id.get()
        or "",
        "ip": _client_ip(request) or (actor.ip if isinstance(actor, Actor) else None),
    }
    buffer = _buffer()
    if buffer is not None:
        marker = partial(_no_op)  # a distinct object per event
        transaction.on_commit(marker)
        buffer.append(_Pending(fields=prepared, key_id=key_id, key=key, marker=marker))
        return AuditEvent(key_id=key_id, **prepared)
    with transaction.atomic():
        return _append([_Pending(fields=prepared, key_id=key_id, key=key, marker=_no_op)])[0]
