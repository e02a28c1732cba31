from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` (see core.idempotency)."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_due_at = models.DateTimeField(null=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="core_idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class SweepProbe(models.Model):
    """A timer row used by the sweeper self-test (``mallops worker --self-test``) and the test suite.

    It proves on the configured database that concurrent sweeps handle each due row exactly once.
    """

    label = models.CharField(max_length=100, blank=True, default="")
    due_at = models.DateTimeField(null=True, db_index=True)
    hits = models.PositiveIntegerField(default=0)
    handled_by = models.CharField(max_length=100, blank=True, default="")

    def __str__(self) -> str:
        return f"probe {self.pk} due {self.due_at}"
