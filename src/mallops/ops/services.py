"""Backup writes: create, verify, restore, retention, scheduled runs. Each records what it did.

A backup is not a database transaction: the run record is written ``running`` first and finished after,
so a crash mid-backup leaves a visible ``running`` row rather than nothing.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

import mallops
from mallops.ops import config
from mallops.ops.archive import (
    BackupError,
    backup_key_from_env,
    create_backup,
    manifest_digest,
    new_backup_name,
    restore_backup,
    verify_backup,
)
from mallops.ops.models import BackupPolicy, BackupRun, RunResult
from mallops.ops.repositories import DirectoryRepository, StoredBackup

log = logging.getLogger("mallops.ops")


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def backup_create(*, level: str, policy: BackupPolicy | None = None) -> BackupRun:
    """Back up the embedded installation to the repository of ``level``; returns the finished run.

    Errors (no key, no repository configured, disk full, endpoint down) end the run ``failed`` with the
    message and are re-raised as :class:`BackupError`.
    """
    started_at = timezone.now()
    started = time.monotonic()
    name = new_backup_name(started_at)
    run = BackupRun.objects.create(level=level, policy=policy, name=name, started_at=started_at)
    scratch: Path | None = None
    partial: Path | None = None
    try:
        key = backup_key_from_env()
        repo = config.repository(level)
        if isinstance(repo, DirectoryRepository):
            repo.root.mkdir(parents=True, exist_ok=True)
            staging = partial = repo.root / f".{name}.partial"
        else:
            scratch = Path(tempfile.mkdtemp(prefix="mallops-backup-"))
            staging = scratch / name
        manifest = create_backup(config.sources(), staging, key=key, version=mallops.__version__)
        report = verify_backup(staging, key=key)
        if not report.ok:
            raise BackupError(f"the new backup does not verify: {'; '.join(report.problems[:3])}")
        digest = manifest_digest(staging)
        if isinstance(repo, DirectoryRepository):
            final = repo.root / name
            staging.rename(final)
            location = str(final)
        else:
            location = repo.store(staging)
        run.location = location
        run.size_bytes = int(manifest["size"])
        run.file_count = len(manifest["files"])
        run.manifest_sha256 = digest
        run.is_checksum_ok = True
        run.result = RunResult.OK
    except Exception as exc:
        run.result = RunResult.FAILED
        run.message = str(exc)[:2000]
        run.duration_ms = _elapsed_ms(started)
        run.save()
        if partial is not None:
            shutil.rmtree(partial, ignore_errors=True)
        log.error("backup %s at level %s failed: %s", name, level, exc)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"backup failed: {exc}") from exc
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    run.duration_ms = _elapsed_ms(started)
    run.save()
    log.info("backup %s at level %s: %s bytes in %s ms", name, level, run.size_bytes, run.duration_ms)
    return run


def backups_list(*, level: str) -> list[StoredBackup]:
    return config.repository(level).list()


def _pick(level: str, name: str | None) -> StoredBackup:
    stored = config.repository(level).list()
    if not stored:
        raise BackupError(f"no backup at level {level}")
    if name is None:
        return stored[-1]
    for item in stored:
        if item.name == name:
            return item
    raise BackupError(f"no backup {name!r} at level {level}")


def backup_verify(*, level: str, name: str | None = None) -> BackupRun:
    """Re-check every checksum of one backup (the newest by default); records a ``verify`` run."""
    started_at = timezone.now()
    started = time.monotonic()
    chosen = _pick(level, name)
    key = backup_key_from_env()
    with config.repository(level).fetch(chosen.name) as path:
        report = verify_backup(path, key=key)
        digest = manifest_digest(path) if (path / "manifest.json").is_file() else ""
    return BackupRun.objects.create(
        kind=BackupRun.Kind.VERIFY,
        level=level,
        name=chosen.name,
        location=chosen.location,
        size_bytes=report.bytes_checked,
        file_count=report.files_checked,
        manifest_sha256=digest,
        is_checksum_ok=report.ok,
        started_at=started_at,
        duration_ms=_elapsed_ms(started),
        result=RunResult.OK if report.ok else RunResult.FAILED,
        message="; ".join(report.problems)[:2000],
    )


def backup_restore(*, level: str, target: Path, name: str | None = None) -> dict[str, object]:
    """Restore one backup (the newest by default) as a new data directory at ``target``; returns the
    manifest. The running installation is never touched: point ``MALLOPS_DATA_DIR`` at ``target``."""
    chosen = _pick(level, name)
    key = backup_key_from_env()
    with config.repository(level).fetch(chosen.name) as path:
        return restore_backup(path, target, key=key)


@dataclass(frozen=True)
class RetentionResult:
    kept: tuple[str, ...]
    deleted: tuple[str, ...]


def retention_plan(
    stored: list[StoredBackup], *, keep_last: int, keep_days: int, now: datetime
) -> RetentionResult:
    """Keep the newest ``keep_last`` and every backup younger than ``keep_days``; delete the rest."""
    ordered = sorted(stored, key=lambda item: (item.created_at, item.name), reverse=True)
    cutoff = now - timedelta(days=keep_days)
    kept, deleted = [], []
    for index, item in enumerate(ordered):
        if index < max(keep_last, 1) or datetime.fromisoformat(item.created_at) >= cutoff:
            kept.append(item.name)
        else:
            deleted.append(item.name)
    return RetentionResult(tuple(kept), tuple(deleted))


def retention_apply(
    *, level: str, keep_last: int, keep_days: int, now: datetime | None = None
) -> RetentionResult:
    repo = config.repository(level)
    plan = retention_plan(repo.list(), keep_last=keep_last, keep_days=keep_days, now=now or timezone.now())
    for name in plan.deleted:
        repo.delete(name)
        log.info("retention: deleted backup %s at level %s", name, level)
    return plan


def policy_backup_due(*, policy_id: int, now: datetime | None = None) -> BackupRun | None:
    """Run the backup of one policy if it is due, apply its retention and move its timer."""
    now = now or timezone.now()
    policy = BackupPolicy.objects.get(pk=policy_id)
    if not policy.is_active or policy.backup_due_at is None or policy.backup_due_at > now:
        return None
    # move the timer first: a failing backup is retried at the next interval, not every minute
    policy.backup_due_at = now + timedelta(hours=policy.interval_hours)
    policy.save(update_fields=["backup_due_at"])
    try:
        run = backup_create(level=policy.level, policy=policy)
    except BackupError:
        return BackupRun.objects.filter(policy=policy).first()
    retention_apply(level=policy.level, keep_last=policy.keep_last, keep_days=policy.keep_days, now=now)
    return run


def policies_run_due(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: every active policy whose backup or drill is due runs once."""
    from mallops.ops.drill import policy_drill_due

    now = now or timezone.now()
    backups = drills = 0
    for policy_id in BackupPolicy.objects.filter(is_active=True, backup_due_at__lte=now).values_list(
        "pk", flat=True
    ):
        backups += policy_backup_due(policy_id=policy_id, now=now) is not None
    for policy_id in BackupPolicy.objects.filter(is_active=True, drill_due_at__lte=now).values_list(
        "pk", flat=True
    ):
        drills += policy_drill_due(policy_id=policy_id, now=now) is not None
    return {"backups": backups, "drills": drills}


def policy_save(
    *,
    name: str,
    level: str,
    interval_hours: int,
    keep_last: int,
    keep_days: int,
    drill_interval_hours: int | None = None,
    is_active: bool = True,
    now: datetime | None = None,
) -> BackupPolicy:
    """Create or change the policy ``name``; a new or re-timed policy is due at once (its first backup
    runs at the next tick of the periodic job). Raises a validation error for values out of range."""
    from mallops.core.errors import FieldError, validation_error

    errors = []
    if level not in config.LEVELS:
        errors.append(FieldError(("level",), f"use one of {', '.join(config.LEVELS)}"))
    if interval_hours < 1:
        errors.append(FieldError(("interval_hours",), "at least 1"))
    if keep_last < 1:
        errors.append(FieldError(("keep_last",), "at least 1"))
    if keep_days < 0:
        errors.append(FieldError(("keep_days",), "not negative"))
    if drill_interval_hours is not None and drill_interval_hours < 1:
        errors.append(FieldError(("drill_interval_hours",), "at least 1"))
    if errors:
        raise validation_error(errors)
    now = now or timezone.now()
    policy, created = BackupPolicy.objects.get_or_create(name=name, defaults={"level": level})
    changed_interval = created or policy.interval_hours != interval_hours
    policy.level = level
    policy.interval_hours = interval_hours
    policy.keep_last = keep_last
    policy.keep_days = keep_days
    policy.is_active = is_active
    if changed_interval or policy.backup_due_at is None:
        policy.backup_due_at = now
    if drill_interval_hours != policy.drill_interval_hours or (
        drill_interval_hours and not policy.drill_due_at
    ):
        policy.drill_due_at = now + timedelta(hours=1) if drill_interval_hours else None
    policy.drill_interval_hours = drill_interval_hours
    policy.full_clean()
    policy.save()
    return policy


def pg_backup_create(*, kind: str = "incr", level: str = "local") -> BackupRun:
    """PostgreSQL: one pgBackRest backup of the configured stanza (``MALLOPS_PGBACKREST_STANZA``,
    ``MALLOPS_PGBACKREST_CONFIG``), recorded as a ``BackupRun``; pgBackRest checksums every file itself
    and ``pgbackrest verify`` re-checks them. Raises :class:`PgBackRestError` after recording a failure."""
    from mallops.ops.pgbackrest import PgBackRest, PgBackRestError

    started_at = timezone.now()
    started = time.monotonic()
    run = BackupRun.objects.create(level=level, name=f"pgbackrest-{kind}", started_at=started_at)
    try:
        tool = PgBackRest.from_env()
        info = tool.backup(kind)
    except PgBackRestError as exc:
        run.result = RunResult.FAILED
        run.message = str(exc)[:2000]
        run.duration_ms = _elapsed_ms(started)
        run.save()
        raise
    run.name = str(info.get("label", run.name))
    run.location = f"{tool.config} [{tool.stanza}]"
    run.size_bytes = int((info.get("info") or {}).get("repository", {}).get("delta", 0))
    run.is_checksum_ok = True
    run.result = RunResult.OK
    run.duration_ms = _elapsed_ms(started)
    run.save()
    return run
