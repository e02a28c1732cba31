"""Background jobs of the audit app. Thin: the periodic anchor of the chain head."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mallops.audit.anchors import ANCHOR_MINUTES, anchor_write


@db_periodic_task(crontab(minute=f"*/{ANCHOR_MINUTES}"))  # type: ignore[untyped-decorator]
def audit_anchor() -> int | None:
    """Append the head to the anchor file and the log when it moved since the last anchor."""
    anchor = anchor_write()
    return anchor.seq if anchor is not None else None
