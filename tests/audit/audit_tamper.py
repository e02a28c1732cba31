"""Tampering with the audit tables the way someone with write access to the database would: with the
append-only triggers switched off (verification must catch what follows)."""

from __future__ import annotations

from django.db import connection


def tamper(sql: str, params: list[object] | None = None) -> None:
    """Run ``sql`` as someone with write access to the database file or a superuser would: with the
    append-only triggers switched off (verification must catch what follows)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchainhead ENABLE TRIGGER USER")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name IN ('audit_auditevent', 'audit_auditchainhead')"
        )
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            cursor.execute(sql, params)
        finally:
            for _, create in triggers:
                cursor.execute(create)
