from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mallops.audit"
    label = "audit"

    def ready(self) -> None:
        from mallops.audit.services import audit_record, audited
        from mallops.core.transactions import register_scope
        from mallops.privacy import keys
        from mallops.privacy.services import register_audit_recorder

        # privacy's reveal and export record their events through this (privacy imports no audit)
        register_audit_recorder(audit_record)

        keys.register_retire_guard(_audit_events_chained_with)
        # the transactions core opens (the idempotency middleware's) chain their events last, too
        register_scope(audited)


def _audit_events_chained_with(kid: str) -> str | None:
    """A key that chained audit events stays in the ring: verify needs it for as long as they exist."""
    from mallops.audit.models import AuditEvent

    chained = AuditEvent.objects.filter(key_id=kid).count()
    if chained:
        return f"{chained} audit events are chained with {kid!r}; the key must stay to verify them"
    return None
