from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from mallops.privacy.contracts import DataClass, PersonalField


class AuditImmutableError(RuntimeError):
    """Audit events are append-only."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutableError("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One state change: who, what, when, before/after (personal data masked), hash-chained (R6.2.3).

    ``hash`` = HMAC-SHA256 under the audit key ``key_id`` (from the key ring) over the canonical JSON of
    the event's fields plus ``prev_hash`` (``audit.chain``; events from before the switch-over have an
    empty ``key_id`` and a plain SHA-256). ``seq`` numbers the chain without gaps, so a removed, edited or
    reordered row is found by ``mallops audit verify``, and anchors outside the database catch truncation
    and full rewrites. Triggers refuse UPDATE and DELETE (PostgreSQL and SQLite); the ORM refuses them too.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True, default="")
    actor_roles = models.JSONField(default=list)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, default="", db_index=True)
    object_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=32, blank=True, default="")  # "" = legacy SHA-256 link

    objects = AuditEventQuerySet.as_manager()

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "actor_username": PersonalField(
            DataClass.IDENTITY, purpose="accountability of state changes", mask="redact"
        ),
        "ip": PersonalField(DataClass.BROWSING, purpose="accountability of state changes", mask="redact"),
    }

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("audit events cannot be deleted")


class AuditChainHead(models.Model):
    """The single row that serialises appends to the chain (locked FOR UPDATE while appending).

    ``keyed_from_seq`` is the switch-over: the first event chained with a key (1 on a fresh install; on a
    database with older unkeyed events, the first event appended after the upgrade). A trigger refuses
    moving ``last_seq`` backwards.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    keyed_from_seq = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"
