"""``flush`` that may empty the audit tables: a flush wipes every table by design (tests, demo reset).

On SQLite the append-only triggers would refuse the flush's ``DELETE FROM``, so they are read from the
schema, dropped, and recreated exactly after the flush (also when it fails). PostgreSQL's flush is
TRUNCATE, which row triggers do not see. The anchor file belongs to the wiped chain, so it is moved aside
(``audit-anchors.jsonl`` -> ``audit-anchors.flushed-<time>.jsonl``): the next chain starts without anchors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

AUDIT_TABLES = ("audit_auditevent", "audit_auditchainhead")


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or "default"]
        triggers: list[tuple[str, str]] = []
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                    list(AUDIT_TABLES),
                )
                triggers = [(str(name), str(sql)) for name, sql in cursor.fetchall()]
                for name, _ in triggers:
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        try:
            super().handle(**options)
        finally:
            if triggers:
                with connection.cursor() as cursor:
                    for _, sql in triggers:
                        cursor.execute(sql)
        _set_anchors_aside(connection.alias)


def _set_anchors_aside(alias: str) -> None:
    from mallops.audit.anchors import anchor_path
    from mallops.audit.models import AuditChainHead

    path = anchor_path()
    if path.exists() and not AuditChainHead.objects.using(alias).exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path.rename(path.with_name(f"{path.stem}.flushed-{stamp}{path.suffix}"))
