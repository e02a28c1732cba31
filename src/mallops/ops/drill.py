"""Restore drills: restore the newest backup into scratch, prove it works, measure the RTO (R6.2.2).

``drill_run`` fetches and restores the backup into a scratch data directory, then starts a separate
``mallops backup drill-check`` process whose ``MALLOPS_DATA_DIR`` and ``DATABASE_URL`` point at the scratch
copy: nothing in that process can read the live database, the live key ring or the live Parquet store, so
every check proves the backup alone is enough. The checks (:func:`drill_checks`):

* ``row_counts``: every table of the restored database has the row count the manifest recorded;
* ``audit_verify``: the audit hash chain verifies (links, head, anchors restored with the backup);
* ``decrypt_sample``: up to 20 encrypted values per encrypted column decrypt with the restored key ring;
* ``analytics_query``: a DuckDB query over the restored Parquet parts answers, with the manifest's count.

The RTO is the wall time from the start of the fetch to the end of the last check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from mallops.ops import config
from mallops.ops.archive import BackupError, backup_key_from_env, restore_backup
from mallops.ops.models import BackupPolicy, DrillRun, RunResult

RTO_TARGET_MS = 2 * 60 * 60 * 1000  # the guide's target: restore within 2 hours
DECRYPT_SAMPLE = 20
CHECK_TIMEOUT_S = 1800


# The servers a production configuration points at: the drill's check must reach none of them (it runs on the
# restored copy only, on the embedded default).
_SERVER_VARIABLES = frozenset({"DATABASE_URL", "REDIS_URL", "REDIS_CLUSTER_URL", "CLICKHOUSE_URL"})


def _check_environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SERVER_VARIABLES}
    env["MALLOPS_DATA_DIR"] = str(data_dir)
    env["DATABASE_URL"] = f"sqlite:///{data_dir / 'mallops.sqlite3'}"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def drill_run(
    *,
    level: str = "local",
    name: str | None = None,
    policy: BackupPolicy | None = None,
    keep: Path | None = None,
) -> DrillRun:
    """Restore a backup (the newest by default) into scratch and run every check; returns the record.

    ``keep``: restore there and leave the copy in place (otherwise a temporary directory, removed).
    A failure at any step ends the drill ``failed`` with the reason; it never raises for a bad backup.
    """
    started_at = timezone.now()
    started = time.monotonic()
    drill = DrillRun.objects.create(level=level, policy=policy, started_at=started_at)
    scratch = keep or Path(tempfile.mkdtemp(prefix="mallops-drill-")) / "data"
    checks: dict[str, Any] = {}
    try:
        repo = config.repository(level)
        stored = repo.list()
        if name is not None:
            stored = [item for item in stored if item.name == name]
        if not stored:
            raise BackupError(f"no backup {name or ''} at level {level}".replace("  ", " "))
        drill.backup_name = stored[-1].name
        key = backup_key_from_env()
        with repo.fetch(drill.backup_name) as path:
            manifest = restore_backup(path, scratch, key=key)
        drill.restore_ms = round((time.monotonic() - started) * 1000)
        checks["restore"] = {"ok": True, "detail": f"{len(manifest['files'])} files verified and restored"}
        (scratch / "drill-manifest.json").write_text(json.dumps(manifest))
        proc = subprocess.run(
            [sys.executable, "-m", "mallops", "backup", "drill-check", str(scratch / "drill-manifest.json")],
            env=_check_environment(scratch),
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT_S,
        )
        lines = proc.stdout.strip().splitlines()
        try:
            checks.update(json.loads(lines[-1]))
        except (IndexError, ValueError):
            checks["drill_check"] = {"ok": False, "detail": (proc.stderr or proc.stdout)[-1500:]}
        drill.result = RunResult.OK if all(check["ok"] for check in checks.values()) else RunResult.FAILED
        failed = [f"{label}: {check['detail']}" for label, check in checks.items() if not check["ok"]]
        drill.message = "; ".join(failed)[:2000]
    except (BackupError, OSError, subprocess.TimeoutExpired) as exc:
        drill.result = RunResult.FAILED
        drill.message = str(exc)[:2000]
    finally:
        if keep is None:
            shutil.rmtree(scratch.parent, ignore_errors=True)
    drill.rto_ms = round((time.monotonic() - started) * 1000)
    drill.checks = checks
    drill.save()
    return drill


def policy_drill_due(*, policy_id: int, now: datetime | None = None) -> DrillRun | None:
    now = now or timezone.now()
    policy = BackupPolicy.objects.get(pk=policy_id)
    if not policy.is_active or policy.drill_due_at is None or policy.drill_due_at > now:
        return None
    policy.drill_due_at = now + timedelta(hours=policy.drill_interval_hours or 24 * 7)
    policy.save(update_fields=["drill_due_at"])
    return drill_run(level=policy.level, policy=policy)


# --- the checks, run inside the scratch process ----------------------------------------------------------


def _check(ok: bool, detail: str, **extra: Any) -> dict[str, Any]:
    return {"ok": ok, "detail": detail, **extra}


def check_row_counts(manifest: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection

    expected: dict[str, int] = manifest["database"]["tables"]
    mismatched = []
    total = 0
    with connection.cursor() as cursor:
        for table, rows in sorted(expected.items()):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            found = int(cursor.fetchone()[0])
            total += found
            if found != rows:
                mismatched.append(f"{table}: {found} rows, manifest {rows}")
    if mismatched:
        return _check(False, "; ".join(mismatched[:10]), tables=len(expected))
    return _check(
        True, f"{len(expected)} tables, {total} rows as in the manifest", tables=len(expected), rows=total
    )


def check_audit(manifest: dict[str, Any]) -> dict[str, Any]:
    from mallops.audit.selectors import audit_verify

    result = audit_verify()
    head = manifest.get("audit_head") or {}
    if not result.ok:
        return _check(False, f"audit chain broken at seq {result.bad_seq}: {result.reason}")
    if result.count != int(head.get("seq", 0)):
        return _check(False, f"{result.count} audit events, the manifest's head says {head.get('seq')}")
    return _check(
        True, f"{result.count} events intact, {result.anchors} anchors checked", events=result.count
    )


def check_decrypt_sample(data_dir: Path) -> dict[str, Any]:
    from django.apps import apps
    from django.db import connection

    from mallops.privacy import keys
    from mallops.privacy.fields import EncryptedTextField

    keys.reset_keyring()
    keyring = keys.get_keyring()
    if keyring.source not in {"env"} and not Path(keyring.source).resolve().is_relative_to(
        data_dir.resolve()
    ):
        return _check(False, f"the key ring came from {keyring.source}, not from the restored copy")
    columns = decrypted = 0
    failures: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, EncryptedTextField):
                    continue
                columns += 1
                cursor.execute(
                    f'SELECT "{field.column}" FROM "{model._meta.db_table}" WHERE "{field.column}" LIKE %s '
                    f"LIMIT {DECRYPT_SAMPLE}",
                    [keys.TOKEN_VERSION + ":%"],
                )
                for (token,) in cursor.fetchall():
                    try:
                        keyring.decrypt(token, associated_data=field.associated_data)
                        decrypted += 1
                    except keys.KeyringError as exc:
                        failures.append(f"{model._meta.label}.{field.name}: {exc}")
    if failures:
        return _check(False, "; ".join(failures[:5]), decrypted=decrypted)
    return _check(
        True,
        f"{decrypted} values in {columns} encrypted columns decrypt",
        decrypted=decrypted,
        columns=columns,
    )


def check_analytics(manifest: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    from mallops.ops.event_store import event_store_reads

    expected = int((manifest.get("analytics") or {}).get("parquet_rows", 0))
    rows, events, files = event_store_reads().count_events(data_dir / "analytics")
    if not files:
        return _check(expected == 0, f"no Parquet parts (manifest: {expected} rows)", rows=0)
    if rows != expected:
        return _check(False, f"{rows} events in Parquet, manifest {expected}", rows=rows)
    return _check(True, f"{rows} events of {events} kinds in {files} Parquet files", rows=rows)


def drill_checks(manifest: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    steps: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
        ("row_counts", lambda: check_row_counts(manifest)),
        ("audit_verify", lambda: check_audit(manifest)),
        ("decrypt_sample", lambda: check_decrypt_sample(data_dir)),
        ("analytics_query", lambda: check_analytics(manifest, data_dir)),
    )
    for label, run in steps:
        try:
            checks[label] = run()
        except Exception as exc:
            checks[label] = _check(False, f"{type(exc).__name__}: {exc}")
    return checks
