"""Writing audit events. Call ``audit_record`` inside the service's transaction, after the change."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from mallops.audit.chain import keyed_event_hash
from mallops.audit.keys import active_audit_key
from mallops.audit.models import AuditChainHead, AuditEvent
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


def _actor_roles(actor: Any) -> list[str]:
    if actor is None or not getattr(actor, "pk", None):
        return []
    from mallops.accounts.selectors import user_role_codes

    return sorted(user_role_codes(actor))


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    merchant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain. Locks the chain head, so appends are serialised.

    Personal data in ``before``/``after`` is masked by the privacy registry of ``obj``'s model. The event
    is chained with the key ring's active key (HMAC). Everything that does not depend on the chain's end
    (the key, the actor's roles, the masked snapshots) is prepared before the head is locked, so the lock
    is held only for numbering, hashing and the two writes.
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
        or current_request_id.get()
        or "",
        "ip": _client_ip(request),
    }
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    # numbered and timed under the lock, so ``at`` never runs backwards along ``seq``
    fields: dict[str, Any] = {"seq": head.last_seq + 1, "at": timezone.now().astimezone(UTC), **prepared}
    digest = keyed_event_hash(fields, head.last_hash, key_id=key_id, key=key)
    event = AuditEvent.objects.create(prev_hash=head.last_hash, hash=digest, key_id=key_id, **fields)
    head.last_seq = fields["seq"]
    head.last_hash = digest
    update = ["last_seq", "last_hash"]
    if head.keyed_from_seq is None:
        head.keyed_from_seq = fields["seq"]  # the switch-over from unkeyed events, recorded once
        update.append("keyed_from_seq")
    head.save(update_fields=update)
    return event
